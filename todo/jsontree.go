package todo

import (
	"bytes"
	"encoding/json"
	"strconv"
	"unicode/utf8"
)

// decodeTree decodes data, which json.Valid has accepted, into the generic
// form jsonschema validates (objects as map[string]any, arrays as []any,
// numbers as json.Number) in one pass, and reports every repeated object
// key, which encoding/json would silently resolve to the last value. It
// does the work of a second decoder without a second parse of the file.
func decodeTree(data []byte) (doc any, duplicates []Problem) {
	d := &treeDecoder{data: data}
	d.space()
	doc = d.value()
	return doc, d.duplicates
}

type treeDecoder struct {
	data       []byte
	pos        int
	path       []any // string keys and int indexes down to the current value
	duplicates []Problem
	lines      lineIndex
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

func (d *treeDecoder) value() any {
	switch c := d.data[d.pos]; c {
	case '{':
		return d.object()
	case '[':
		return d.array()
	case '"':
		return d.str()
	case 't':
		d.pos += len("true")
		return true
	case 'f':
		d.pos += len("false")
		return false
	case 'n':
		d.pos += len("null")
		return nil
	default:
		start := d.pos
		for d.pos < len(d.data) && !endsScalar(d.data[d.pos]) {
			d.pos++
		}
		return json.Number(d.data[start:d.pos])
	}
}

func (d *treeDecoder) str() string {
	d.pos++ // opening quote
	start := d.pos
	escaped := false
	for d.data[d.pos] != '"' {
		if d.data[d.pos] == '\\' {
			escaped = true
			d.pos++
		}
		d.pos++
	}
	raw := d.data[start:d.pos]
	d.pos++ // closing quote
	if !escaped && utf8.Valid(raw) {
		return string(raw)
	}
	// Escapes, or invalid UTF-8 that encoding/json turns into U+FFFD.
	var s string
	if err := json.Unmarshal(d.data[start-1:d.pos], &s); err != nil {
		panic("todo: decodeTree given invalid JSON: " + err.Error())
	}
	return s
}

func (d *treeDecoder) object() map[string]any {
	d.pos++ // {
	m := make(map[string]any, 16)
	d.space()
	if d.data[d.pos] == '}' {
		d.pos++
		return m
	}
	for {
		d.space()
		keyStart := d.pos
		key := d.str()
		d.space()
		d.pos++ // :
		d.space()
		d.path = append(d.path, key)
		if _, dup := m[key]; dup {
			d.duplicate(key, keyStart)
		}
		m[key] = d.value()
		d.path = d.path[:len(d.path)-1]
		d.space()
		if d.data[d.pos] == ',' {
			d.pos++
			continue
		}
		d.pos++ // }
		return m
	}
}

func (d *treeDecoder) array() []any {
	d.pos++ // [
	var a []any
	d.space()
	if d.data[d.pos] == ']' {
		d.pos++
		return []any{}
	}
	for i := 0; ; i++ {
		d.space()
		d.path = append(d.path, i)
		a = append(a, d.value())
		d.path = d.path[:len(d.path)-1]
		d.space()
		if d.data[d.pos] == ',' {
			d.pos++
			continue
		}
		d.pos++ // ]
		return a
	}
}

func (d *treeDecoder) duplicate(key string, at int) {
	if d.lines.data == nil {
		d.lines = newLineIndex(d.data)
	}
	ptr := make([]string, len(d.path))
	for i, e := range d.path {
		switch e := e.(type) {
		case string:
			ptr[i] = e
		case int:
			ptr[i] = strconv.Itoa(e)
		}
	}
	p := problemAt(ptr, "duplicate key %q: JSON keeps only the last value; remove one of them", key)
	p.Line, p.Column = d.lines.position(at)
	d.duplicates = append(d.duplicates, p)
}

// jsonSyntax checks data is one JSON value and nothing else; on failure it
// returns the problem with the position of the first error.
func jsonSyntax(data []byte) (Problem, bool) {
	if bytes.HasPrefix(data, []byte("\xef\xbb\xbf")) {
		return Problem{Line: 1, Column: 1, Message: "the file starts with a UTF-8 byte-order mark; save it without one"}, false
	}
	if json.Valid(data) {
		return Problem{}, true
	}
	return syntaxProblem(data), false
}
