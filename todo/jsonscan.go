package todo

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"unicode/utf8"
)

// jsonWalker walks a syntactically valid JSON document and reports where
// each object member and array element starts: encoding/json has no
// positions for values, and problems found after decoding need one.
type jsonWalker struct {
	data  []byte
	pos   int
	stack []pathElem
	// member is called at every object member (start = its key's opening
	// quote) and array element (start = the element).
	member func(w *jsonWalker, start int)
}

type pathElem struct {
	key   []byte // the raw key between the quotes, escapes not decoded
	index int
	array bool
}

// pointer returns the current path as decoded JSON pointer tokens.
func (w *jsonWalker) pointer() []string {
	out := make([]string, len(w.stack))
	for i, e := range w.stack {
		if e.array {
			out[i] = strconv.Itoa(e.index)
		} else {
			out[i] = decodeKey(e.key)
		}
	}
	return out
}

// decodeKey decodes a raw key as encoding/json (and decodeTree) would.
func decodeKey(raw []byte) string {
	if bytes.IndexByte(raw, '\\') < 0 && utf8.Valid(raw) {
		return string(raw)
	}
	var s string
	quoted := make([]byte, 0, len(raw)+2)
	quoted = append(append(append(quoted, '"'), raw...), '"')
	if err := json.Unmarshal(quoted, &s); err != nil {
		return string(raw)
	}
	return s
}

func (w *jsonWalker) walk() {
	w.space()
	if w.pos < len(w.data) {
		w.value()
	}
}

func (w *jsonWalker) space() {
	for w.pos < len(w.data) {
		switch w.data[w.pos] {
		case ' ', '\t', '\n', '\r':
			w.pos++
		default:
			return
		}
	}
}

func (w *jsonWalker) value() {
	if w.pos >= len(w.data) {
		return
	}
	switch w.data[w.pos] {
	case '{':
		w.object()
	case '[':
		w.array()
	case '"':
		w.str()
	default:
		for w.pos < len(w.data) && !endsScalar(w.data[w.pos]) {
			w.pos++
		}
	}
}

// endsScalar reports whether c ends a number or a literal.
func endsScalar(c byte) bool {
	switch c {
	case ',', ']', '}', ' ', '\t', '\r', '\n':
		return true
	}
	return false
}

// str skips a string and returns its raw content between the quotes.
func (w *jsonWalker) str() []byte {
	w.pos++ // opening quote
	start := w.pos
	for w.pos < len(w.data) {
		switch w.data[w.pos] {
		case '\\':
			w.pos += 2
		case '"':
			raw := w.data[start:w.pos]
			w.pos++
			return raw
		default:
			w.pos++
		}
	}
	return w.data[start:]
}

func (w *jsonWalker) object() {
	w.pos++ // {
	for {
		w.space()
		if w.pos >= len(w.data) || w.data[w.pos] == '}' {
			w.pos++
			return
		}
		keyStart := w.pos
		key := w.str()
		w.stack = append(w.stack, pathElem{key: key})
		w.member(w, keyStart)
		w.space()
		w.pos++ // :
		w.space()
		w.value()
		w.stack = w.stack[:len(w.stack)-1]
		w.space()
		if w.pos < len(w.data) && w.data[w.pos] == ',' {
			w.pos++
			continue
		}
		w.space()
		w.pos++ // }
		return
	}
}

func (w *jsonWalker) array() {
	w.pos++ // [
	for i := 0; ; i++ {
		w.space()
		if w.pos >= len(w.data) || w.data[w.pos] == ']' {
			w.pos++
			return
		}
		w.stack = append(w.stack, pathElem{index: i, array: true})
		w.member(w, w.pos)
		w.value()
		w.stack = w.stack[:len(w.stack)-1]
		w.space()
		if w.pos < len(w.data) && w.data[w.pos] == ',' {
			w.pos++
			continue
		}
		w.space()
		w.pos++ // ]
		return
	}
}

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
	w := &jsonWalker{data: data, member: func(w *jsonWalker, start int) {
		k := pointerKey(w.pointer())
		if off, ok := want[k]; ok && off < 0 {
			want[k] = start
		}
	}}
	w.walk()
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
