package todo

import (
	"fmt"
	"time"
)

// Status is where a task stands. The four values are upstream looper's, so
// a backlog written by upstream (or by an agent following its prompts) loads
// unchanged.
type Status string

// The task statuses, in the order `looper ls` groups them.
const (
	StatusTodo    Status = "todo"
	StatusDoing   Status = "doing"
	StatusBlocked Status = "blocked"
	StatusDone    Status = "done"
)

// Statuses lists every valid status in display order, for flag enums and
// error messages that must name the allowed values.
func Statuses() []Status {
	return []Status{StatusTodo, StatusDoing, StatusBlocked, StatusDone}
}

// Valid reports whether s is one of the four statuses, so callers that build
// a status from user input can reject a typo before it reaches the file.
func (s Status) Valid() bool {
	switch s {
	case StatusTodo, StatusDoing, StatusBlocked, StatusDone:
		return true
	}
	return false
}

// Project describes the project a backlog belongs to. Both fields are
// optional, as upstream writes them.
type Project struct {
	// Name is the project's display name.
	Name string `json:"name,omitempty"`
	// Root is the project directory, usually ".".
	Root string `json:"root,omitempty"`
}

// Task is one entry of the backlog. The field order is upstream's Go struct
// order, which is also the key order of every file looper writes, so diffs
// against upstream-written files stay small.
type Task struct {
	// ID identifies the task; it must be unique and safe as a file name
	// component because logs and labels are derived from it.
	ID string `json:"id"`
	// Title is a one-line description (required, non-empty).
	Title string `json:"title"`
	// Description is the longer statement of the work (newer schema variant).
	Description string `json:"description,omitempty"`
	// Reference points at a spec section, issue or URL (newer schema variant).
	Reference string `json:"reference,omitempty"`
	// Priority runs from 1 (highest) to 5 (lowest).
	Priority int `json:"priority"`
	// Status is todo, doing, blocked or done.
	Status Status `json:"status"`
	// Details accumulates notes; looper appends each agent summary to it.
	Details string `json:"details,omitempty"`
	// Steps are the planned sub-steps.
	Steps []string `json:"steps,omitempty"`
	// Blockers say what stops the task; cleared when it is done.
	Blockers []string `json:"blockers,omitempty"`
	// Tags are free-form labels; the tag project-done marks the done marker.
	Tags []string `json:"tags,omitempty"`
	// Files are the files the task touched.
	Files []string `json:"files,omitempty"`
	// DependsOn lists the ids that must be done before this task is ready.
	DependsOn []string `json:"depends_on,omitempty"`
	// CreatedAt is when the task was added.
	CreatedAt Timestamp `json:"created_at,omitempty"`
	// UpdatedAt is when the task last changed.
	UpdatedAt Timestamp `json:"updated_at,omitempty"`
}

// Timestamp is a task's created_at or updated_at exactly as written in the
// file. Keeping the text rather than a time.Time means a value with or
// without fractional seconds (agents write whole seconds, upstream looper
// writes nanoseconds) is saved back byte for byte. The schema checks that the
// text is an RFC 3339 date-time.
type Timestamp string

// NewTimestamp formats t the way upstream looper stamps updated_at: UTC,
// RFC 3339 with as many fractional digits as needed (up to nanoseconds).
func NewTimestamp(t time.Time) Timestamp {
	return Timestamp(t.UTC().Format(time.RFC3339Nano))
}

// Time parses the timestamp, for callers that sort or age tasks. An empty
// timestamp is the zero time with no error.
func (ts Timestamp) Time() (time.Time, error) {
	if ts == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, string(ts))
	if err != nil {
		return time.Time{}, fmt.Errorf("timestamp %q is not RFC 3339: %w", string(ts), err)
	}
	return t, nil
}
