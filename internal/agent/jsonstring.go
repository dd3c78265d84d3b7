package agent

import (
	"encoding/binary"
	"math/bits"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// jsonStr decodes a valid JSON value that should be a string, as
// encoding/json does (invalid UTF-8 becomes U+FFFD); ok is false for any
// other value, which encoding/json would leave its field unchanged for.
func jsonStr(v []byte) (s string, ok bool) {
	if len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
		return "", false
	}
	if s, ok := knownStr(v); ok {
		return s, true
	}
	return unquote(v[1 : len(v)-1])
}

// knownStr returns, without allocating, the strings that name a
// stream-json line's or block's type: several of them on every line.
func knownStr(v []byte) (string, bool) {
	switch string(v) {
	case `"assistant"`:
		return "assistant", true
	case `"user"`:
		return "user", true
	case `"text"`:
		return "text", true
	case `"thinking"`:
		return "thinking", true
	case `"tool_use"`:
		return "tool_use", true
	case `"tool_result"`:
		return "tool_result", true
	}
	return "", false
}

// jsonBool decodes a valid JSON value that should be a boolean.
func jsonBool(v []byte) (b, ok bool) {
	switch string(v) {
	case "true":
		return true, true
	case "false":
		return false, true
	}
	return false, false
}

// unquote decodes the inside of a JSON string (without its quotes) the
// way encoding/json does: JSON's escapes, a lone or broken UTF-16
// surrogate and every byte of invalid UTF-8 become U+FFFD. ok is false
// when body is not the inside of a valid JSON string (a raw quote or
// control character, an unknown or cut escape). Text without escapes is
// copied once, which is the common case; with escapes, the runs between
// them are copied whole into the one buffer the string is made of.
func unquote(body []byte) (string, bool) {
	i := plainRun(body, 0)
	if i == len(body) {
		return string(body), true
	}
	var out strings.Builder
	out.Grow(len(body))
	start := 0 // the plain run not yet written
	for i < len(body) {
		out.Write(body[start:i])
		switch c := body[i]; {
		case c == '\\':
			if i+1 >= len(body) {
				return "", false
			}
			i++
			switch body[i] {
			case '"', '\\', '/':
				out.WriteByte(body[i])
			case 'b':
				out.WriteByte('\b')
			case 'f':
				out.WriteByte('\f')
			case 'n':
				out.WriteByte('\n')
			case 'r':
				out.WriteByte('\r')
			case 't':
				out.WriteByte('\t')
			case 'u':
				r, ok := hex4(body, i+1)
				if !ok {
					return "", false
				}
				i += 4
				if utf16.IsSurrogate(r) {
					r2, ok := rune(0), false
					if i+6 < len(body) && body[i+1] == '\\' && body[i+2] == 'u' {
						r2, ok = hex4(body, i+3)
					}
					if dec := utf16.DecodeRune(r, r2); ok && dec != utf8.RuneError {
						r = dec
						i += 6
					} else {
						r = utf8.RuneError
					}
				}
				out.WriteRune(r)
			default:
				return "", false
			}
			i++
		case c == '"' || c < 0x20:
			return "", false
		default: // a byte of invalid UTF-8
			out.WriteRune(utf8.RuneError)
			i++
		}
		start = i
		i = plainRun(body, i)
	}
	out.Write(body[start:])
	return out.String(), true
}

// plainRun returns the index of the first byte at or after i that unquote
// must look at: a backslash, a quote, a control character or invalid
// UTF-8; len(body) if there is none. Eight bytes are looked at a time,
// jumping straight to the first one that is not plain ASCII.
func plainRun(body []byte, i int) int {
	for i < len(body) {
		if i+8 <= len(body) {
			x := binary.LittleEndian.Uint64(body[i:])
			m := special8(x) | x&highs
			if m == 0 {
				i += 8
				continue
			}
			i += bits.TrailingZeros64(m) >> 3
		}
		c := body[i]
		if c < utf8.RuneSelf {
			if c == '\\' || c == '"' || c < 0x20 {
				return i
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(body[i:])
		if r == utf8.RuneError && size == 1 {
			return i
		}
		i += size
	}
	return len(body)
}

// hex4 reads the four hex digits of a \u escape at b[i:].
func hex4(b []byte, i int) (rune, bool) {
	if len(b)-i < 4 {
		return 0, false
	}
	var r rune
	for _, c := range b[i : i+4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}
