package todo

import "strings"

// Other trackers' task files (Task Master's tasks.json, Beads' issues.jsonl)
// are read into a Backlog by their own parsers. These functions let those
// parsers report problems exactly as Parse does: located at a JSON path
// with line and column, in the same *ValidationError.

// DecodeJSON decodes one JSON document into the generic form Parse checks
// (objects as map[string]any, arrays as []any, numbers as json.Number),
// with Parse's checks of the bytes themselves: valid UTF-8, no byte-order
// mark, the syntax, and no repeated key in an object. It returns the
// located problems it found; doc is nil when the text is not JSON at all.
func DecodeJSON(data []byte) (doc any, problems []Problem) {
	if p, ok := invalidUTF8(data); ok {
		return nil, []Problem{p}
	}
	doc, duplicates, syntax := parseJSON(data)
	if syntax != nil {
		return nil, []Problem{*syntax}
	}
	return doc, duplicates
}

// NewProblem builds a Problem about the value at pointer (JSON pointer
// tokens, such as "master", "tasks", "3", "status"), whose Path is shown as
// master.tasks[3].status. Locate gives it a line and column.
func NewProblem(pointer []string, format string, args ...any) Problem {
	return problemAt(pointer, format, args...)
}

// Pointer returns the problem's path as JSON pointer tokens (nil for a
// problem about the file as a whole), so a parser that builds a Backlog
// from another format can point a Validate problem back at the value it
// came from.
func (p Problem) Pointer() []string { return append([]string(nil), p.pointer...) }

// Locate sets the line and column of each problem from its pointer into
// data, the JSON document it is about, and sorts the problems by position,
// as Parse reports them.
func Locate(data []byte, problems []Problem) {
	locate(data, problems)
	sortProblems(problems)
}

// BlockerPrefix starts each blocker written as a paragraph of a task's
// notes, for trackers that have no field for blockers.
const BlockerPrefix = "Blocked: "

// WithBlockers returns details with each blocker it does not already say
// appended as a "Blocked: ..." paragraph (after DetailsSeparator): how a
// tracker without a blockers field (Task Master, Beads) records why looper
// blocked a task. Applied to its own result it changes nothing.
func WithBlockers(details string, blockers []string) string {
	for _, bl := range blockers {
		line := BlockerPrefix + strings.TrimSpace(bl)
		if strings.TrimSpace(bl) == "" || strings.Contains(details, line) {
			continue
		}
		if strings.TrimSpace(details) == "" {
			details = line
		} else {
			details += DetailsSeparator + line
		}
	}
	return details
}
