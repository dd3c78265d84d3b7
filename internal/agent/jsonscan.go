package agent

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"math/bits"
	"unicode/utf8"
)

// This file is a small JSON scanner for the stream parsers' hot path. A
// stream line is checked once (jsonTape.scan, which accepts exactly what
// encoding/json accepts); the check records where every value starts and
// ends, so only the members a line's type needs are read out of it
// (jsonTape.members, jsonTape.elems) without scanning the bytes again, and
// only the strings that are used are unescaped (jsonStr). encoding/json
// decodes a whole line into a union struct, unescaping every string and
// allocating every field, and it was half the CPU of a busy run (issue
// 17); skipping over nested values again at every level was most of what
// was left. FuzzJSONScan holds the scanner to encoding/json's verdicts and
// values.

// maxJSONDepth is encoding/json's nesting limit: deeper values are errors.
const maxJSONDepth = 10000

// maxTapeNodes bounds a tape's memory (32 bytes a node): a line with more
// values is still checked, but not recorded (jsonTape.complete is false),
// and its reader falls back to encoding/json.
const maxTapeNodes = 1 << 15

// jsonTape is one JSON text as scan found it: its values (object keys
// included) in document order, each with its extent. A tape is reused line
// after line; its nodes belong to the last text scanned.
type jsonTape struct {
	b     []byte
	nodes []jsonNode
	// complete says every value of b is on the tape: scan found b valid
	// and it had at most maxTapeNodes values.
	complete bool
	full     bool // recording stopped at maxTapeNodes
}

// jsonNode is one value on the tape: b[start:end], and next, the index of
// the node after it and everything it contains.
type jsonNode struct {
	start, end, next int
}

// scan checks that b is one JSON value, surrounded only by whitespace, as
// json.Valid decides it, and records its values.
func (t *jsonTape) scan(b []byte) bool {
	t.b, t.nodes, t.full = b, t.nodes[:0], false
	i := t.scanValue(skipSpace(b, 0), 0)
	ok := i >= 0 && skipSpace(b, i) == len(b)
	t.complete = ok && !t.full
	return ok
}

func skipSpace(b []byte, i int) int {
	if i < len(b) && b[i] > ' ' { // compact JSON: no space at all
		return i
	}
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// scanValue checks the value starting at b[i], records it and returns the
// index just after it, or -1 if it is not valid JSON.
func (t *jsonTape) scanValue(i, depth int) int {
	b := t.b
	if i >= len(b) {
		return -1
	}
	n := len(t.nodes)
	record := !t.full && n < maxTapeNodes
	if record {
		t.nodes = append(t.nodes, jsonNode{start: i})
	} else {
		t.full = true
	}
	end := -1
	switch c := b[i]; {
	case c == '"':
		end = validString(b, i)
	case c == '{':
		end = t.scanObject(i, depth+1)
	case c == '[':
		end = t.scanArray(i, depth+1)
	case c == '-' || (c >= '0' && c <= '9'):
		end = validNumber(b, i)
	case c == 't':
		end = literal(b, i, "true")
	case c == 'f':
		end = literal(b, i, "false")
	case c == 'n':
		end = literal(b, i, "null")
	}
	if record && end >= 0 {
		t.nodes[n].end, t.nodes[n].next = end, len(t.nodes)
	}
	return end
}

func literal(b []byte, i int, lit string) int {
	if len(b)-i >= len(lit) && string(b[i:i+len(lit)]) == lit {
		return i + len(lit)
	}
	return -1
}

func (t *jsonTape) scanObject(i, depth int) int {
	if depth > maxJSONDepth {
		return -1
	}
	b := t.b
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		return i + 1
	}
	for {
		if i >= len(b) || b[i] != '"' {
			return -1
		}
		if i = t.scanValue(i, depth); i < 0 { // the key
			return -1
		}
		i = skipSpace(b, i)
		if i >= len(b) || b[i] != ':' {
			return -1
		}
		if i = t.scanValue(skipSpace(b, i+1), depth); i < 0 {
			return -1
		}
		i = skipSpace(b, i)
		if i >= len(b) {
			return -1
		}
		switch b[i] {
		case ',':
			i = skipSpace(b, i+1)
		case '}':
			return i + 1
		default:
			return -1
		}
	}
}

func (t *jsonTape) scanArray(i, depth int) int {
	if depth > maxJSONDepth {
		return -1
	}
	b := t.b
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == ']' {
		return i + 1
	}
	for {
		if i = t.scanValue(i, depth); i < 0 {
			return -1
		}
		i = skipSpace(b, i)
		if i >= len(b) {
			return -1
		}
		switch b[i] {
		case ',':
			i = skipSpace(b, i+1)
		case ']':
			return i + 1
		default:
			return -1
		}
	}
}

// validString checks the string starting at the quote b[i]: no raw
// control characters, only JSON's escapes. Eight bytes are looked at a
// time, jumping straight to the first that needs attention.
func validString(b []byte, i int) int {
	for i++; i < len(b); i++ {
		if i+8 <= len(b) {
			m := special8(binary.LittleEndian.Uint64(b[i:]))
			if m == 0 {
				i += 7
				continue
			}
			i += bits.TrailingZeros64(m) >> 3
		}
		switch c := b[i]; {
		case c == '"':
			return i + 1
		case c < 0x20:
			return -1
		case c == '\\':
			i++
			if i >= len(b) {
				return -1
			}
			switch b[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if len(b)-i < 5 || !isHex(b[i+1]) || !isHex(b[i+2]) || !isHex(b[i+3]) || !isHex(b[i+4]) {
					return -1
				}
				i += 4
			default:
				return -1
			}
		}
	}
	return -1
}

const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// special8 marks the bytes of x (little-endian) that a string's content
// cannot hold as they are, a quote, a backslash or a control character,
// with their high bit. The lowest mark is always right (a mark above it
// may not be), which is all the scans use.
func special8(x uint64) uint64 {
	q := x ^ (ones * '"')
	s := x ^ (ones * '\\')
	return ((x-ones*0x20)&^x | (q-ones)&^q | (s-ones)&^s) & highs
}

// plain8 reports whether the eight bytes of x are all string content
// that needs no attention: no quote, no backslash, no control character.
func plain8(x uint64) bool { return special8(x) == 0 }

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

func isDigit(b []byte, i int) bool { return i < len(b) && b[i] >= '0' && b[i] <= '9' }

func digits(b []byte, i int) int {
	for isDigit(b, i) {
		i++
	}
	return i
}

// validNumber checks -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?.
func validNumber(b []byte, i int) int {
	if b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case isDigit(b, i):
		i = digits(b, i)
	default:
		return -1
	}
	if i < len(b) && b[i] == '.' {
		if !isDigit(b, i+1) {
			return -1
		}
		i = digits(b, i+1)
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if !isDigit(b, i) {
			return -1
		}
		i = digits(b, i)
	}
	return i
}

// jsonMember is one member of an object: its key as written (quotes
// removed, escapes kept) and its value's bytes and node.
type jsonMember struct {
	key, val []byte
	node     int
	// plain: the key is ASCII without escapes, so only a key of the same
	// length can match a field name.
	plain bool
}

// is reports whether the member's key names field, with encoding/json's
// case-insensitive match.
func (m jsonMember) is(field string) bool {
	if m.plain {
		return len(m.key) == len(field) && (string(m.key) == field || bytes.EqualFold(m.key, []byte(field)))
	}
	if bytes.IndexByte(m.key, '\\') < 0 && utf8.Valid(m.key) {
		return bytes.EqualFold(m.key, []byte(field))
	}
	var k string
	if json.Unmarshal(append(append([]byte{'"'}, m.key...), '"'), &k) != nil {
		return false
	}
	return bytes.EqualFold([]byte(k), []byte(field))
}

// raw returns the bytes of node k.
func (t *jsonTape) raw(k int) []byte { return t.b[t.nodes[k].start:t.nodes[k].end] }

// members calls fn for each member of the object at node k, in order; it
// does nothing if the value is not an object. The tape must be complete.
func (t *jsonTape) members(k int, fn func(m jsonMember)) {
	if t.b[t.nodes[k].start] != '{' {
		return
	}
	for j := k + 1; j < t.nodes[k].next; j = t.nodes[j+1].next {
		key := t.nodes[j]
		fn(jsonMember{key: t.b[key.start+1 : key.end-1], val: t.raw(j + 1), node: j + 1, plain: plainKey(t.b[key.start+1 : key.end-1])})
	}
}

// elems calls fn for each element of the array at node k, in order, with
// its node; it does nothing if the value is not an array. The tape must
// be complete.
func (t *jsonTape) elems(k int, fn func(k int)) {
	if t.b[t.nodes[k].start] != '[' {
		return
	}
	for j := k + 1; j < t.nodes[k].next; j = t.nodes[j].next {
		fn(j)
	}
}

func plainKey(k []byte) bool {
	for _, c := range k {
		if c >= utf8.RuneSelf || c == '\\' {
			return false
		}
	}
	return true
}
