package todo

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"unicode/utf8"
)

// MaxFileSize is the largest backlog Load reads (50 MiB, about 150,000
// tasks). A bigger file is refused before it is read, so a wrong path (a
// log, a disk image) cannot exhaust memory.
const MaxFileSize = 50 << 20

// Load reads and parses the backlog at path. See Parse for what is checked.
// Failures to read the file are returned as they are; problems with its
// content as a *ValidationError.
func Load(path string) (*Backlog, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if fi.IsDir() {
		return nil, fmt.Errorf("%s is a directory, not a backlog file; name the JSON file (for example %s)", path, DefaultPath)
	}
	if fi.Size() > MaxFileSize {
		return nil, tooLarge(path, fi.Size())
	}
	// The size can change under us (or lie, for special files): read at most
	// one byte past the limit.
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	if len(data) > MaxFileSize {
		return nil, tooLarge(path, int64(len(data)))
	}
	return Parse(path, data)
}

func tooLarge(path string, size int64) error {
	return fmt.Errorf("%s is %.1f MiB, larger than the %d MiB a backlog may be; check the path, or move done tasks out of it",
		path, float64(size)/(1<<20), MaxFileSize>>20)
}

// Parse decodes a backlog from data; name is the file name used in error
// messages. It checks, and reports together as one *ValidationError:
//
//   - UTF-8, with the line and column of the first invalid byte: JSON text
//     is UTF-8, and a decoder would silently turn a bad byte into U+FFFD,
//     which the next save would write back in its place;
//   - JSON syntax, with the line and column of the first error (nothing
//     else can be checked in a file that does not parse);
//   - duplicate keys in an object, which encoding/json would silently drop;
//   - the bundled schema (SchemaJSON): unknown fields, missing fields, types,
//     priority 1-5, statuses, date-time timestamps;
//   - the semantic checks of Validate: duplicate ids, unknown dependencies,
//     dependency cycles, unsafe ids.
//
// Each problem names its JSON path (tasks[3].priority) and its line and
// column. On any problem Parse returns a nil Backlog.
func Parse(name string, data []byte) (*Backlog, error) {
	if p, ok := invalidUTF8(data); ok {
		return nil, &ValidationError{File: name, Problems: []Problem{p}}
	}
	doc, problems, syntax := parseJSON(data)
	if syntax != nil {
		return nil, &ValidationError{File: name, Problems: []Problem{*syntax}}
	}
	problems = append(problems, taskFileProblems(doc, splitTasks)...)
	// The conversion is lenient (a value of the wrong type, which the schema
	// has reported, reads as empty) so the semantic checks can run anyway.
	b, isObject := backlogFromTree(doc)
	if isObject {
		if ve, _ := b.Validate().(*ValidationError); ve != nil {
			problems = append(problems, withoutReported(ve.Problems, problems)...)
		}
	}
	if len(problems) > 0 {
		locate(data, problems)
		sortProblems(problems)
		return nil, &ValidationError{File: name, Problems: problems}
	}
	return b, nil
}

// invalidUTF8 finds the first byte of data that is not valid UTF-8 and
// reports its position.
func invalidUTF8(data []byte) (Problem, bool) {
	if utf8.Valid(data) {
		return Problem{}, false
	}
	off := 0
	for off < len(data) {
		r, size := utf8.DecodeRune(data[off:])
		if r == utf8.RuneError && size <= 1 {
			break
		}
		off += size
	}
	line, col := newLineIndex(data).position(off)
	return Problem{Line: line, Column: col, Message: fmt.Sprintf(
		"invalid UTF-8 (byte 0x%02x): a backlog is JSON, which must be UTF-8; re-encode the file or fix the text at this position", data[off])}, true
}

// syntaxProblem locates the first syntax error in data, which decodeTree
// has rejected, with encoding/json's description of it.
func syntaxProblem(data []byte) Problem {
	lines := newLineIndex(data)
	dec := json.NewDecoder(bytes.NewReader(data))
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		var se *json.SyntaxError
		off := len(data)
		msg := err.Error()
		switch {
		case errors.As(err, &se):
			off = int(se.Offset) - 1 // the offending byte is the last one read
			msg = se.Error()
		case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
			msg = "unexpected end of JSON input"
			if len(bytes.TrimSpace(data)) == 0 {
				msg = "the file is empty"
			}
		}
		line, col := lines.position(off)
		return Problem{Line: line, Column: col, Message: "malformed JSON: " + msg + "; fix the syntax at this position"}
	}
	off := int(dec.InputOffset())
	for off < len(data) && strings.IndexByte(" \t\r\n", data[off]) >= 0 {
		off++
	}
	line, col := lines.position(off)
	return Problem{Line: line, Column: col, Message: "malformed JSON: unexpected data after the top-level value; remove it"}
}

// withoutReported drops semantic problems about a value the schema already
// complained about (a missing id is not also reported as an empty one).
func withoutReported(semantic, schema []Problem) []Problem {
	reported := map[string]bool{}
	for _, p := range schema {
		reported[pointerKey(p.pointer)] = true
	}
	return slices.DeleteFunc(semantic, func(p Problem) bool {
		for n := len(p.pointer); n > 0; n-- {
			if reported[pointerKey(p.pointer[:n])] {
				return true
			}
		}
		return false
	})
}

// sortProblems orders problems by position, then path and message, so the
// report is the same on every run whatever order the checks ran in.
func sortProblems(ps []Problem) {
	slices.SortStableFunc(ps, func(a, b Problem) int {
		if a.Line != b.Line {
			return a.Line - b.Line
		}
		if a.Column != b.Column {
			return a.Column - b.Column
		}
		if c := strings.Compare(a.Path, b.Path); c != 0 {
			return c
		}
		return strings.Compare(a.Message, b.Message)
	})
}
