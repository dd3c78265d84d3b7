package todo

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
)

// SchemaVersion is the only task-file version there is (upstream's 1).
const SchemaVersion = 1

// Backlog is a whole task file. The field order is upstream's, which is the
// key order Marshal writes.
type Backlog struct {
	// SchemaVersion is always 1.
	SchemaVersion int `json:"schema_version"`
	// Project is optional project metadata.
	Project *Project `json:"project,omitempty"`
	// SourceFiles lists the documents the backlog was derived from. Upstream
	// writes null for a nil list, and so does Marshal.
	SourceFiles []string `json:"source_files"`
	// Tasks are in file order; Marshal keeps that order, fmt sorts it.
	Tasks []Task `json:"tasks"`
}

// Task returns the first task with the given id, or nil, as upstream's
// GetTask does. The pointer aliases b.Tasks: it is valid until the slice is
// appended to.
func (b *Backlog) Task(id string) *Task {
	for i := range b.Tasks {
		if b.Tasks[i].ID == id {
			return &b.Tasks[i]
		}
	}
	return nil
}

// Clone returns a deep copy of t, so the caller may change it without
// touching the original (the ready set hands out tasks, the store hands
// out backlogs).
func (t Task) Clone() Task {
	t.Steps = slices.Clone(t.Steps)
	t.Blockers = slices.Clone(t.Blockers)
	t.Tags = slices.Clone(t.Tags)
	t.Files = slices.Clone(t.Files)
	t.DependsOn = slices.Clone(t.DependsOn)
	return t
}

// Clone returns a deep copy of b: the store keeps the parsed backlog in
// memory and hands each reader its own copy instead of re-reading the file.
func (b *Backlog) Clone() *Backlog {
	c := *b
	if b.Project != nil {
		p := *b.Project
		c.Project = &p
	}
	c.SourceFiles = slices.Clone(b.SourceFiles)
	if b.Tasks != nil {
		c.Tasks = make([]Task, len(b.Tasks))
		for i := range b.Tasks {
			c.Tasks[i] = b.Tasks[i].Clone()
		}
	}
	return &c
}

// SortTasks orders the tasks by priority, then by CompareIDs, the order
// upstream's `looper fmt` writes. The sort is stable, so tasks with the same
// id (an invalid backlog) keep their relative order.
func (b *Backlog) SortTasks() {
	slices.SortStableFunc(b.Tasks, func(x, y Task) int {
		if x.Priority != y.Priority {
			return x.Priority - y.Priority
		}
		return CompareIDs(x.ID, y.ID)
	})
}

// DefaultPath and LegacyPath are where Find looks for a backlog, relative to
// the project directory: looper's default and upstream's common root file.
const (
	DefaultPath = ".looper/todo.json"
	LegacyPath  = "to-do.json"
)

// SchemaPath is where `looper init` writes the bundled schema, beside the
// default backlog, so editors and agents can validate against it.
const SchemaPath = ".looper/todo.schema.json"

// Find returns the backlog path for the project in dir: .looper/todo.json if
// it exists, else to-do.json (upstream's usual place). When neither exists
// the error names both and says how to create one.
func Find(dir string) (string, error) {
	var tried []string
	for _, rel := range []string{DefaultPath, LegacyPath} {
		p := filepath.Join(dir, filepath.FromSlash(rel))
		_, err := os.Stat(p)
		if err == nil {
			return p, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("looking for the backlog: %w", err)
		}
		tried = append(tried, p)
	}
	return "", fmt.Errorf("no backlog found (looked for %s and %s): run `looper init` to create one, or name the file: %w",
		tried[0], tried[1], fs.ErrNotExist)
}
