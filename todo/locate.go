package todo

import (
	"bytes"
	"strings"
	"unicode/utf8"
)

// locate fills in Line and Column of each problem from its pointer: the
// position of the deepest part of the path that exists in data (for an
// object member, its key). Problems without a pointer point at the start of
// the document.
func locate(data []byte, problems []Problem) {
	if len(problems) == 0 {
		return
	}
	want := map[string]int{} // pointer key → byte offset, -1 until found
	for _, p := range problems {
		for n := 1; n <= len(p.pointer); n++ {
			want[pointerKey(p.pointer[:n])] = -1
		}
	}
	d := &treeDecoder{data: data, member: func(path []treeStep, start int) {
		k := pointerKey(pointerOf(path))
		if off, ok := want[k]; ok && off < 0 {
			want[k] = start
		}
	}}
	d.decode()
	lines := newLineIndex(data)
	docStart := bytes.IndexFunc(data, func(r rune) bool { return !strings.ContainsRune(" \t\r\n", r) })
	if docStart < 0 {
		docStart = 0
	}
	for i := range problems {
		p := &problems[i]
		if p.Line > 0 {
			continue
		}
		off := docStart
		for n := len(p.pointer); n > 0; n-- {
			if o := want[pointerKey(p.pointer[:n])]; o >= 0 {
				off = o
				break
			}
		}
		p.Line, p.Column = lines.position(off)
	}
}

func pointerKey(tokens []string) string { return strings.Join(tokens, "\x00") }

// lineIndex converts byte offsets into 1-based line and column numbers
// (columns count characters, not bytes).
type lineIndex struct {
	data   []byte
	starts []int
}

func newLineIndex(data []byte) lineIndex {
	starts := []int{0}
	for i, c := range data {
		if c == '\n' {
			starts = append(starts, i+1)
		}
	}
	return lineIndex{data: data, starts: starts}
}

func (l lineIndex) position(off int) (line, col int) {
	off = min(max(off, 0), len(l.data))
	lo, hi := 0, len(l.starts)
	for hi-lo > 1 {
		mid := (lo + hi) / 2
		if l.starts[mid] <= off {
			lo = mid
		} else {
			hi = mid
		}
	}
	return lo + 1, utf8.RuneCount(l.data[l.starts[lo]:off]) + 1
}
