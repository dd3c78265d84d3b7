package todo

import (
	"fmt"
	"strconv"
	"strings"
)

// Problem is one thing wrong with a backlog: where it is and what to do
// about it. Parse collects every problem of a file before it reports any, so
// a user fixes them in one pass instead of one per run.
type Problem struct {
	// Path locates the value in the file, e.g. tasks[3].priority; empty for
	// the file as a whole.
	Path string
	// Line and Column are 1-based (the column counts characters); 0 when the
	// backlog was not parsed from a file.
	Line, Column int
	// Message says what is wrong and how to fix it.
	Message string

	pointer []string // Path as JSON pointer tokens, to find Line and Column
}

// Format renders the problem the way compilers do, prefixed with the file
// name and position when they are known: "todo.json:12:7: tasks[3].id: ...".
func (p Problem) Format(file string) string {
	var b strings.Builder
	if file != "" {
		b.WriteString(file)
		b.WriteString(":")
		if p.Line > 0 {
			fmt.Fprintf(&b, "%d:%d:", p.Line, p.Column)
		}
		b.WriteString(" ")
	}
	if p.Path != "" {
		b.WriteString(p.Path)
		b.WriteString(": ")
	}
	b.WriteString(p.Message)
	return b.String()
}

// String is Format without a file name.
func (p Problem) String() string { return p.Format("") }

// ValidationError lists every problem found in a backlog. Load, Parse and
// Validate return it (as a *ValidationError) for anything wrong with the
// content, as opposed to failures to read or write the file.
type ValidationError struct {
	// File is the backlog's path, or "" for one built in memory.
	File string
	// Problems are in file order (by line and column) when the backlog was
	// parsed, else in the order the checks found them.
	Problems []Problem
}

// Error lists the problems one per line, each with its file position.
func (e *ValidationError) Error() string {
	if len(e.Problems) == 1 {
		return e.Problems[0].Format(e.File)
	}
	var b strings.Builder
	name := e.File
	if name == "" {
		name = "backlog"
	}
	fmt.Fprintf(&b, "%s: %d problems:", name, len(e.Problems))
	for _, p := range e.Problems {
		b.WriteString("\n  ")
		b.WriteString(p.Format(e.File))
	}
	return b.String()
}

// problemAt builds a Problem whose Path is rendered from pointer tokens.
func problemAt(pointer []string, format string, args ...any) Problem {
	return Problem{Path: displayPath(pointer), Message: fmt.Sprintf(format, args...), pointer: pointer}
}

// displayPath renders JSON pointer tokens as tasks[3].depends_on[0]: digits
// become indexes, identifiers are joined with dots, anything else is quoted.
func displayPath(pointer []string) string {
	var b strings.Builder
	for _, tok := range pointer {
		switch {
		case isIndex(tok):
			b.WriteString("[")
			b.WriteString(tok)
			b.WriteString("]")
		case isIdentifier(tok):
			if b.Len() > 0 {
				b.WriteString(".")
			}
			b.WriteString(tok)
		default:
			b.WriteString("[")
			b.WriteString(strconv.Quote(tok))
			b.WriteString("]")
		}
	}
	return b.String()
}

func isIndex(tok string) bool {
	if tok == "" {
		return false
	}
	for i := 0; i < len(tok); i++ {
		if !isDigit(tok[i]) {
			return false
		}
	}
	return true
}

func isIdentifier(tok string) bool {
	if tok == "" || isDigit(tok[0]) {
		return false
	}
	for i := 0; i < len(tok); i++ {
		c := tok[i]
		if c != '_' && !isDigit(c) && (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') {
			return false
		}
	}
	return true
}

// taskPointer is the pointer to tasks[i], optionally followed by more tokens.
func taskPointer(i int, more ...string) []string {
	return append([]string{"tasks", strconv.Itoa(i)}, more...)
}
