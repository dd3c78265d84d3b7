package todo

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"unicode/utf8"
)

// decodeTree decodes data into the generic form jsonschema validates
// (objects as map[string]any, arrays as []any, numbers as json.Number) in
// one pass, checking the syntax as it goes exactly as json.Valid does, and
// reports every repeated object key, which encoding/json would silently
// resolve to the last value. ok is false for data that is not one JSON
// value; syntaxProblem then says where and why.
func decodeTree(data []byte) (doc any, duplicates []Problem, ok bool) {
	return (&treeDecoder{data: data}).decode()
}

// decode decodes d.data; see decodeTree.
func (d *treeDecoder) decode() (doc any, duplicates []Problem, ok bool) {
	defer func() {
		if r := recover(); r != nil {
			if r != errSyntax {
				panic(r)
			}
			doc, duplicates, ok = nil, nil, false
		}
	}()
	d.space()
	doc = d.value()
	d.space()
	if d.pos != len(d.data) {
		panic(errSyntax)
	}
	return doc, d.duplicates, true
}

// errSyntax unwinds decodeTree from any depth when the input is not JSON.
var errSyntax = errors.New("todo: invalid JSON")

// maxDepth is encoding/json's nesting limit, which decodeTree shares so
// that it accepts exactly what json.Valid accepts.
const maxDepth = 10000

// treeStep is one step of a path: an object key or an array index.
type treeStep struct {
	key   string
	index int // -1 for a key
}

// treeDecoder is todo's one JSON scanner: it decodes the backlog and the
// agents' summaries, and locate runs it again to find where the value a
// problem names starts.
type treeDecoder struct {
	data       []byte
	pos        int
	depth      int
	path       []treeStep // the keys and indexes down to the current value
	duplicates []Problem
	lines      lineIndex
	// member, if set, is called at every object member (start = its key's
	// opening quote) and array element (start = the element), with the
	// path down to it.
	member func(path []treeStep, start int)
}

func (d *treeDecoder) space() {
	for d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

// next returns the byte at the current position, failing at the end.
func (d *treeDecoder) next() byte {
	if d.pos >= len(d.data) {
		panic(errSyntax)
	}
	return d.data[d.pos]
}

func (d *treeDecoder) expect(c byte) {
	if d.next() != c {
		panic(errSyntax)
	}
	d.pos++
}

func (d *treeDecoder) literal(word string) {
	if !bytes.HasPrefix(d.data[d.pos:], []byte(word)) {
		panic(errSyntax)
	}
	d.pos += len(word)
}

func (d *treeDecoder) value() any {
	switch c := d.next(); {
	case c == '{':
		return d.object()
	case c == '[':
		return d.array()
	case c == '"':
		return d.str()
	case c == 't':
		d.literal("true")
		return true
	case c == 'f':
		d.literal("false")
		return false
	case c == 'n':
		d.literal("null")
		return nil
	case c == '-' || isDigit(c):
		return d.number()
	}
	panic(errSyntax)
}

// number scans -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?.
func (d *treeDecoder) number() json.Number {
	start := d.pos
	if d.data[d.pos] == '-' {
		d.pos++
	}
	if d.next() == '0' {
		d.pos++
	} else {
		d.digits()
	}
	if d.pos < len(d.data) && d.data[d.pos] == '.' {
		d.pos++
		d.digits()
	}
	if d.pos < len(d.data) && (d.data[d.pos] == 'e' || d.data[d.pos] == 'E') {
		d.pos++
		if c := d.next(); c == '+' || c == '-' {
			d.pos++
		}
		d.digits()
	}
	return json.Number(d.data[start:d.pos])
}

// digits scans one or more digits.
func (d *treeDecoder) digits() {
	if !isDigit(d.next()) {
		panic(errSyntax)
	}
	for d.pos < len(d.data) && isDigit(d.data[d.pos]) {
		d.pos++
	}
}

func (d *treeDecoder) str() string {
	d.pos++ // opening quote
	start := d.pos
	simple := true
	for {
		c := d.next()
		switch {
		case c == '"':
			raw := d.data[start:d.pos]
			d.pos++
			if simple && utf8.Valid(raw) {
				return string(raw)
			}
			// Escapes, or invalid UTF-8 that encoding/json turns into U+FFFD.
			var s string
			if err := json.Unmarshal(d.data[start-1:d.pos], &s); err != nil {
				panic(errSyntax)
			}
			return s
		case c < 0x20:
			panic(errSyntax)
		case c == '\\':
			simple = false
			d.pos++
			switch e := d.next(); e {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				d.pos++
			case 'u':
				d.pos++
				for range 4 {
					if !isHex(d.next()) {
						panic(errSyntax)
					}
					d.pos++
				}
			default:
				panic(errSyntax)
			}
		default:
			d.pos++
		}
	}
}

func isHex(c byte) bool {
	return isDigit(c) || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func (d *treeDecoder) enter() {
	d.depth++
	if d.depth > maxDepth {
		panic(errSyntax)
	}
	d.pos++ // { or [
	d.space()
}

func (d *treeDecoder) object() map[string]any {
	d.enter()
	defer func() { d.depth-- }()
	m := make(map[string]any)
	if d.next() == '}' {
		d.pos++
		return m
	}
	for {
		d.space()
		keyStart := d.pos
		if d.next() != '"' {
			panic(errSyntax)
		}
		key := d.str()
		d.space()
		d.expect(':')
		d.space()
		d.path = append(d.path, treeStep{key: key, index: -1})
		if d.member != nil {
			d.member(d.path, keyStart)
		}
		if _, dup := m[key]; dup {
			d.duplicate(key, keyStart)
		}
		m[key] = d.value()
		d.path = d.path[:len(d.path)-1]
		d.space()
		if d.next() == ',' {
			d.pos++
			continue
		}
		d.expect('}')
		return m
	}
}

func (d *treeDecoder) array() []any {
	d.enter()
	defer func() { d.depth-- }()
	a := []any{}
	if d.next() == ']' {
		d.pos++
		return a
	}
	for i := 0; ; i++ {
		d.space()
		d.path = append(d.path, treeStep{index: i})
		if d.member != nil {
			d.member(d.path, d.pos)
		}
		a = append(a, d.value())
		d.path = d.path[:len(d.path)-1]
		d.space()
		if d.next() == ',' {
			d.pos++
			continue
		}
		d.expect(']')
		return a
	}
}

func (d *treeDecoder) duplicate(key string, at int) {
	if d.lines.data == nil {
		d.lines = newLineIndex(d.data)
	}
	p := problemAt(pointerOf(d.path), "duplicate key %q: JSON keeps only the last value; remove one of them", key)
	p.Line, p.Column = d.lines.position(at)
	d.duplicates = append(d.duplicates, p)
}

// pointerOf returns a path as JSON pointer tokens.
func pointerOf(path []treeStep) []string {
	ptr := make([]string, len(path))
	for i, e := range path {
		ptr[i] = e.key
		if e.index >= 0 {
			ptr[i] = strconv.Itoa(e.index)
		}
	}
	return ptr
}

// parseJSON decodes data with decodeTree, or returns the problem that
// stops it: a byte-order mark, or the first syntax error with its position.
func parseJSON(data []byte) (doc any, duplicates []Problem, syntax *Problem) {
	if bytes.HasPrefix(data, []byte("\xef\xbb\xbf")) {
		return nil, nil, &Problem{Line: 1, Column: 1, Message: "the file starts with a UTF-8 byte-order mark; save it without one"}
	}
	doc, duplicates, ok := decodeTree(data)
	if !ok {
		p := syntaxProblem(data)
		return nil, nil, &p
	}
	return doc, duplicates, nil
}
