package config

import (
	"strconv"
	"strings"
)

// keyLines maps every key a TOML document defines to the line (1-based)
// where it first appears, so that errors about keys can name their line.
// BurntSushi/toml's MetaData lists keys but keeps their positions private,
// hence this small scanner. Keys are paths joined with pathSep; tables,
// dotted keys, inline tables and arrays of tables are all recorded, and
// implicit parent tables get the line of their first mention. The input is
// expected to be valid TOML (the caller decodes it first); on anything else
// the scanner still terminates and records what it recognised.
func keyLines(data []byte) map[string]int {
	sc := &keyScanner{s: string(data), line: 1, out: map[string]int{}}
	sc.document()
	return sc.out
}

// pathSep joins key segments in keyLines' map; it cannot occur in a key
// BurntSushi accepts without an escape, which the scanner keeps verbatim.
const pathSep = "\x00"

func joinPath(path []string) string { return strings.Join(path, pathSep) }

type keyScanner struct {
	s    string
	i    int
	line int
	out  map[string]int
}

func (sc *keyScanner) eof() bool { return sc.i >= len(sc.s) }

func (sc *keyScanner) peek() byte {
	if sc.eof() {
		return 0
	}
	return sc.s[sc.i]
}

// advance consumes n bytes, counting newlines.
func (sc *keyScanner) advance(n int) {
	end := min(sc.i+n, len(sc.s))
	sc.line += strings.Count(sc.s[sc.i:end], "\n")
	sc.i = end
}

func (sc *keyScanner) skipBlanks() {
	for !sc.eof() && (sc.peek() == ' ' || sc.peek() == '\t') {
		sc.i++
	}
}

// skipLayout skips blanks, newlines and comments.
func (sc *keyScanner) skipLayout() {
	for !sc.eof() {
		switch sc.peek() {
		case ' ', '\t', '\r':
			sc.i++
		case '\n':
			sc.advance(1)
		case '#':
			sc.skipLine()
		default:
			return
		}
	}
}

// skipLine moves to the next newline (not past it).
func (sc *keyScanner) skipLine() {
	if j := strings.IndexByte(sc.s[sc.i:], '\n'); j >= 0 {
		sc.i += j
	} else {
		sc.i = len(sc.s)
	}
}

func (sc *keyScanner) record(path []string, line int) {
	for n := 1; n <= len(path); n++ {
		k := joinPath(path[:n])
		if _, ok := sc.out[k]; !ok {
			sc.out[k] = line
		}
	}
}

func (sc *keyScanner) document() {
	var table []string
	for {
		sc.skipLayout()
		if sc.eof() {
			return
		}
		line := sc.line
		if sc.peek() == '[' {
			sc.i++
			if sc.peek() == '[' {
				sc.i++
			}
			path := sc.keyPath()
			table = path
			sc.record(path, line)
			sc.skipLine()
			continue
		}
		start := sc.i
		path := sc.keyPath()
		sc.skipBlanks()
		if len(path) == 0 || sc.peek() != '=' {
			if sc.i == start {
				sc.i++ // not a key: make progress
			}
			sc.skipLine()
			continue
		}
		sc.i++ // '='
		full := append(append([]string{}, table...), path...)
		sc.record(full, line)
		sc.value(full)
		sc.skipLine()
	}
}

func isBare(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-'
}

// keyPath reads a possibly dotted, possibly quoted key.
func (sc *keyScanner) keyPath() []string {
	var path []string
	for {
		sc.skipBlanks()
		switch c := sc.peek(); {
		case isBare(c):
			j := sc.i
			for j < len(sc.s) && isBare(sc.s[j]) {
				j++
			}
			path = append(path, sc.s[sc.i:j])
			sc.i = j
		case c == '"':
			path = append(path, sc.basicString())
		case c == '\'':
			path = append(path, sc.literalString())
		default:
			return path
		}
		sc.skipBlanks()
		if sc.peek() != '.' {
			return path
		}
		sc.i++
	}
}

// basicString reads a single-line "..." string and returns its value.
func (sc *keyScanner) basicString() string {
	sc.i++ // opening quote
	var b strings.Builder
	for !sc.eof() {
		c := sc.s[sc.i]
		switch {
		case c == '"':
			sc.i++
			return b.String()
		case c == '\n':
			return b.String()
		case c == '\\' && sc.i+1 < len(sc.s):
			sc.i += sc.escape(&b)
		default:
			b.WriteByte(c)
			sc.i++
		}
	}
	return b.String()
}

var (
	simpleEscapes = map[byte]byte{'b': '\b', 't': '\t', 'n': '\n', 'f': '\f', 'r': '\r', 'e': 0x1b, '"': '"', '\\': '\\'}
	hexEscapes    = map[byte]int{'x': 2, 'u': 4, 'U': 8}
)

// escape decodes the escape at sc.i into b and returns its length.
func (sc *keyScanner) escape(b *strings.Builder) int {
	e := sc.s[sc.i+1]
	if r, ok := simpleEscapes[e]; ok {
		b.WriteByte(r)
		return 2
	}
	digits := hexEscapes[e]
	if digits > 0 && sc.i+2+digits <= len(sc.s) {
		if n, err := strconv.ParseUint(sc.s[sc.i+2:sc.i+2+digits], 16, 32); err == nil {
			b.WriteRune(rune(n))
			return 2 + digits
		}
	}
	b.WriteString(sc.s[sc.i : sc.i+2])
	return 2
}

// literalString reads a single-line '...' string.
func (sc *keyScanner) literalString() string {
	sc.i++
	j := sc.i
	for j < len(sc.s) && sc.s[j] != '\'' && sc.s[j] != '\n' {
		j++
	}
	v := sc.s[sc.i:j]
	sc.i = j
	if sc.peek() == '\'' {
		sc.i++
	}
	return v
}

// multiline skips a """ or ”' string, including up to two extra closing
// quotes that belong to the content.
func (sc *keyScanner) multiline(q byte) {
	delim := strings.Repeat(string(q), 3)
	sc.i += 3
	for !sc.eof() {
		if q == '"' && sc.s[sc.i] == '\\' {
			sc.advance(2)
			continue
		}
		if strings.HasPrefix(sc.s[sc.i:], delim) {
			sc.i += 3
			for k := 0; k < 2 && sc.peek() == q; k++ {
				sc.i++
			}
			return
		}
		sc.advance(1)
	}
}

// value skips one value; keys of inline tables are recorded under path.
func (sc *keyScanner) value(path []string) {
	sc.skipBlanks()
	switch c := sc.peek(); c {
	case '"', '\'':
		if strings.HasPrefix(sc.s[sc.i:], strings.Repeat(string(c), 3)) {
			sc.multiline(c)
		} else if c == '"' {
			sc.basicString()
		} else {
			sc.literalString()
		}
	case '[':
		sc.i++
		for {
			sc.skipLayout()
			if sc.eof() {
				return
			}
			if sc.peek() == ']' {
				sc.i++
				return
			}
			if sc.peek() == ',' {
				sc.i++
				continue
			}
			start := sc.i
			sc.value(path)
			if sc.i == start {
				sc.i++
			}
		}
	case '{':
		sc.i++
		for {
			sc.skipLayout()
			if sc.eof() {
				return
			}
			switch sc.peek() {
			case '}':
				sc.i++
				return
			case ',':
				sc.i++
				continue
			}
			line, start := sc.line, sc.i
			key := sc.keyPath()
			sc.skipBlanks()
			if len(key) == 0 || sc.peek() != '=' {
				if sc.i == start {
					sc.i++
				}
				continue
			}
			sc.i++
			full := append(append([]string{}, path...), key...)
			sc.record(full, line)
			sc.value(full)
		}
	default:
		for !sc.eof() && !strings.ContainsRune(" \t\r\n,]}#", rune(sc.peek())) {
			sc.i++
		}
	}
}
