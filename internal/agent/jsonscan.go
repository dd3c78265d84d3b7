package agent

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"unicode/utf8"
)

// This file is a small JSON scanner for the stream parsers' hot path. A
// stream line is checked once (jsonValid, which accepts exactly what
// encoding/json accepts), then only the members a line's type needs are
// read out of it (jsonMembers, jsonElems) and only the strings that are
// used are unescaped (jsonStr). encoding/json decodes a whole line into a
// union struct, unescaping every string and allocating every field, and it
// was half the CPU of a busy run (issue 17). FuzzJSONScan holds the scanner
// to encoding/json's verdicts and values.

// maxJSONDepth is encoding/json's nesting limit: deeper values are errors.
const maxJSONDepth = 10000

// jsonValid reports whether b is one JSON value, surrounded only by
// whitespace, as json.Valid decides it.
func jsonValid(b []byte) bool {
	i := skipSpace(b, 0)
	i = validValue(b, i, 0)
	return i >= 0 && skipSpace(b, i) == len(b)
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// validValue checks the value starting at b[i] and returns the index just
// after it, or -1 if it is not valid JSON.
func validValue(b []byte, i, depth int) int {
	if i >= len(b) {
		return -1
	}
	switch c := b[i]; {
	case c == '"':
		return validString(b, i)
	case c == '{':
		return validObject(b, i, depth+1)
	case c == '[':
		return validArray(b, i, depth+1)
	case c == '-' || (c >= '0' && c <= '9'):
		return validNumber(b, i)
	case c == 't':
		return literal(b, i, "true")
	case c == 'f':
		return literal(b, i, "false")
	case c == 'n':
		return literal(b, i, "null")
	}
	return -1
}

func literal(b []byte, i int, lit string) int {
	if len(b)-i >= len(lit) && string(b[i:i+len(lit)]) == lit {
		return i + len(lit)
	}
	return -1
}

func validObject(b []byte, i, depth int) int {
	if depth > maxJSONDepth {
		return -1
	}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		return i + 1
	}
	for {
		if i >= len(b) || b[i] != '"' {
			return -1
		}
		if i = validString(b, i); i < 0 {
			return -1
		}
		i = skipSpace(b, i)
		if i >= len(b) || b[i] != ':' {
			return -1
		}
		if i = validValue(b, skipSpace(b, i+1), depth); i < 0 {
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

func validArray(b []byte, i, depth int) int {
	if depth > maxJSONDepth {
		return -1
	}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == ']' {
		return i + 1
	}
	for {
		if i = validValue(b, i, depth); i < 0 {
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
// control characters, only JSON's escapes. Runs of eight plain bytes are
// checked at once.
func validString(b []byte, i int) int {
	for i++; i < len(b); i++ {
		for i+8 <= len(b) && plain8(binary.LittleEndian.Uint64(b[i:])) {
			i += 8
		}
		if i >= len(b) {
			break
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

// hasByte reports whether any byte of x is c.
func hasByte(x uint64, c byte) bool {
	v := x ^ (ones * uint64(c))
	return (v-ones)&^v&highs != 0
}

// plain8 reports whether the eight bytes of x are all string content
// that needs no attention: no quote, no backslash, no control character.
func plain8(x uint64) bool {
	return (x-ones*0x20)&^x&highs == 0 && !hasByte(x, '"') && !hasByte(x, '\\')
}

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

// skipValid returns the index just after the value starting at b[i],
// which is known to be valid.
func skipValid(b []byte, i int) int {
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for ; i < len(b); i++ {
			switch b[i] {
			case '"':
				i = skipString(b, i) - 1
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return i + 1
				}
			}
		}
		return len(b)
	}
	for i < len(b) {
		switch b[i] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			return i
		}
		i++
	}
	return i
}

// skipString returns the index just after the valid string at b[i]: the
// first quote not escaped by an odd run of backslashes.
func skipString(b []byte, i int) int {
	start := i + 1
	for i = start; ; i++ {
		j := bytes.IndexByte(b[i:], '"')
		if j < 0 {
			return len(b)
		}
		i += j
		k := i
		for k > start && b[k-1] == '\\' {
			k--
		}
		if (i-k)%2 == 0 {
			return i + 1
		}
	}
}

// jsonMember is one member of an object: its key as written (quotes
// removed, escapes kept) and its value's bytes.
type jsonMember struct {
	key, val []byte
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

// jsonMembers calls fn for each member of obj, a valid JSON object, in
// order; it does nothing if obj is not an object.
func jsonMembers(obj []byte, fn func(m jsonMember)) {
	i := skipSpace(obj, 0)
	if i >= len(obj) || obj[i] != '{' {
		return
	}
	i = skipSpace(obj, i+1)
	for i < len(obj) && obj[i] == '"' {
		end := skipString(obj, i)
		key := obj[i+1 : end-1]
		i = skipSpace(obj, skipSpace(obj, end)+1) // past ':'
		vend := skipValid(obj, i)
		fn(jsonMember{key: key, val: obj[i:vend], plain: plainKey(key)})
		i = skipSpace(obj, vend)
		if i < len(obj) && obj[i] == ',' {
			i = skipSpace(obj, i+1)
		}
	}
}

// jsonElems calls fn for each element of arr, a valid JSON array, in
// order; it does nothing if arr is not an array.
func jsonElems(arr []byte, fn func(elem []byte)) {
	i := skipSpace(arr, 0)
	if i >= len(arr) || arr[i] != '[' {
		return
	}
	i = skipSpace(arr, i+1)
	for i < len(arr) && arr[i] != ']' {
		end := skipValid(arr, i)
		fn(arr[i:end])
		i = skipSpace(arr, end)
		if i < len(arr) && arr[i] == ',' {
			i = skipSpace(arr, i+1)
		}
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
