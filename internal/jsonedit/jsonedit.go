// Package jsonedit changes one value in a JSON text in place, leaving every
// other byte as it was: how looper writes a status back into another
// tracker's file (Task Master's tasks.json, a line of Beads' issues.jsonl)
// as a minimal diff that keeps the file's own indentation, key order and
// number spelling.
package jsonedit

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/looper-go/looper/internal/jsonstr"
)

// ErrNotFound is returned when the value a pointer names is not in the
// document, or its parent is not an object that could get the member.
var ErrNotFound = errors.New("jsonedit: no such value")

// errSyntax unwinds the scanner from any depth on text that is not JSON.
var errSyntax = errors.New("jsonedit: invalid JSON")

// span is where a value is in the text: data[start:end].
type span struct{ start, end int }

// Find returns the raw text of the value at pointer (JSON pointer tokens:
// object keys, and decimal indexes into arrays) and whether it exists.
func Find(data []byte, pointer []string) ([]byte, bool) {
	s, err := locate(data, pointer)
	if err != nil {
		return nil, false
	}
	return data[s.start:s.end], true
}

// Set returns a copy of data with the value at pointer replaced by value,
// which must be one JSON value in the compact or indented form the caller
// wants in the file. When the last token names a member the object lacks,
// the member is added after the object's last member, on a line of its own
// indented as that member is when the object is written one member per
// line, else inline with the same separators. data is not changed.
func Set(data []byte, pointer []string, value []byte) ([]byte, error) {
	if len(pointer) == 0 {
		return nil, fmt.Errorf("jsonedit: an empty pointer names the whole document")
	}
	if s, err := locate(data, pointer); err == nil {
		return splice(data, s.start, s.end, value), nil
	} else if !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	parent, err := locate(data, pointer[:len(pointer)-1])
	if err != nil {
		return nil, err
	}
	if data[parent.start] != '{' {
		return nil, ErrNotFound
	}
	return addMember(data, parent, pointer[len(pointer)-1], value)
}

// addMember inserts "key": value as the last member of the object at obj.
func addMember(data []byte, obj span, key string, value []byte) (out []byte, err error) {
	defer recoverSyntax(&err)
	sc := &scanner{data: data, pos: obj.start + 1}
	var lastKey, lastValEnd int = -1, -1
	sep := []byte(": ")
	sc.space()
	for sc.data[sc.pos] != '}' {
		lastKey = sc.pos
		sc.str()
		colon := sc.pos
		sc.space()
		sc.expect(':')
		sc.space()
		sep = data[colon:sc.pos]
		sc.value()
		lastValEnd = sc.pos
		sc.space()
		if sc.data[sc.pos] == ',' {
			sc.pos++
			sc.space()
		}
	}
	member := append(jsonstr.Append(nil, key), sep...)
	member = append(member, value...)
	if lastKey < 0 {
		return splice(data, obj.start+1, obj.start+1, member), nil
	}
	lineStart := bytes.LastIndexByte(data[:lastKey], '\n')
	prefix := []byte(",")
	if lineStart >= 0 && len(bytes.TrimLeft(data[lineStart+1:lastKey], " \t")) == 0 {
		prefix = append(append(prefix, '\n'), data[lineStart+1:lastKey]...)
	} else if lastKey > 0 && data[lastKey-1] == ' ' {
		prefix = append(prefix, ' ')
	}
	return splice(data, lastValEnd, lastValEnd, append(prefix, member...)), nil
}

// splice returns data with data[start:end] replaced by repl, in a new slice.
func splice(data []byte, start, end int, repl []byte) []byte {
	out := make([]byte, 0, len(data)-(end-start)+len(repl))
	out = append(out, data[:start]...)
	out = append(out, repl...)
	return append(out, data[end:]...)
}

// locate finds the span of the value at pointer.
func locate(data []byte, pointer []string) (s span, err error) {
	defer recoverSyntax(&err)
	sc := &scanner{data: data}
	sc.space()
	for _, tok := range pointer {
		if sc.pos >= len(data) {
			return span{}, errSyntax
		}
		switch data[sc.pos] {
		case '{':
			if !sc.member(tok) {
				return span{}, ErrNotFound
			}
		case '[':
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || !sc.element(i) {
				return span{}, ErrNotFound
			}
		default:
			return span{}, ErrNotFound
		}
	}
	start := sc.pos
	sc.value()
	return span{start, sc.pos}, nil
}

func recoverSyntax(err *error) {
	if r := recover(); r != nil {
		if r != errSyntax {
			panic(r)
		}
		*err = errSyntax
	}
}

// scanner walks JSON text that has already been checked; on anything else
// it panics with errSyntax, which its callers recover.
type scanner struct {
	data []byte
	pos  int
}

func (sc *scanner) space() {
	for sc.pos < len(sc.data) {
		switch sc.data[sc.pos] {
		case ' ', '\t', '\n', '\r':
			sc.pos++
		default:
			return
		}
	}
	panic(errSyntax)
}

func (sc *scanner) expect(c byte) {
	if sc.pos >= len(sc.data) || sc.data[sc.pos] != c {
		panic(errSyntax)
	}
	sc.pos++
}

// member moves from an object's '{' to the value of its member key (the
// last one, if the key repeats, as decoders keep the last) and reports
// whether there is one.
func (sc *scanner) member(key string) bool {
	sc.expect('{')
	found := -1
	for {
		sc.space()
		if sc.data[sc.pos] == '}' {
			break
		}
		k := sc.str()
		sc.space()
		sc.expect(':')
		sc.space()
		if decodeString(k) == key {
			found = sc.pos
		}
		sc.value()
		sc.space()
		if sc.data[sc.pos] == ',' {
			sc.pos++
		}
	}
	if found < 0 {
		return false
	}
	sc.pos = found
	return true
}

// element moves from an array's '[' to its element i.
func (sc *scanner) element(i int) bool {
	sc.expect('[')
	for n := 0; ; n++ {
		sc.space()
		if sc.data[sc.pos] == ']' {
			return false
		}
		if n == i {
			return true
		}
		sc.value()
		sc.space()
		if sc.data[sc.pos] == ',' {
			sc.pos++
		}
	}
}

// value skips one value.
func (sc *scanner) value() {
	if sc.pos >= len(sc.data) {
		panic(errSyntax)
	}
	switch sc.data[sc.pos] {
	case '{':
		sc.pos++
		for {
			sc.space()
			if sc.data[sc.pos] == '}' {
				sc.pos++
				return
			}
			sc.str()
			sc.space()
			sc.expect(':')
			sc.space()
			sc.value()
			sc.space()
			if sc.data[sc.pos] == ',' {
				sc.pos++
			}
		}
	case '[':
		sc.pos++
		for {
			sc.space()
			if sc.data[sc.pos] == ']' {
				sc.pos++
				return
			}
			sc.value()
			sc.space()
			if sc.data[sc.pos] == ',' {
				sc.pos++
			}
		}
	case '"':
		sc.str()
	default:
		start := sc.pos
		for sc.pos < len(sc.data) && bytes.IndexByte([]byte(",]} \t\r\n"), sc.data[sc.pos]) < 0 {
			sc.pos++
		}
		if sc.pos == start {
			panic(errSyntax)
		}
	}
}

// str skips a string and returns it with its quotes.
func (sc *scanner) str() []byte {
	start := sc.pos
	sc.expect('"')
	for sc.pos < len(sc.data) {
		switch sc.data[sc.pos] {
		case '\\':
			sc.pos += 2
		case '"':
			sc.pos++
			return sc.data[start:sc.pos]
		default:
			sc.pos++
		}
	}
	panic(errSyntax)
}

// decodeString decodes a quoted JSON string; text that does not decode
// compares as itself.
func decodeString(quoted []byte) string {
	if bytes.IndexByte(quoted, '\\') < 0 {
		return string(quoted[1 : len(quoted)-1])
	}
	var s string
	if err := json.Unmarshal(quoted, &s); err != nil {
		return string(quoted)
	}
	return s
}
