// Package beads reads Beads' issue file (.beads/issues.jsonl, one issue
// per line) into looper's backlog and writes looper's changes back into
// it: only the lines of issues looper changed, and in them only the
// status, notes, updated_at and closed_at values, so the file's own
// formatting and key order stay.
//
// Statuses map as open → todo, in_progress → doing, blocked → blocked,
// closed → done; deferred, pinned, hooked and tombstone issues, and the
// issues that depend on them, are held: left out of looper's view, never
// run or written. Priority 0-4 is looper's 1-5. A dependency of type
// "blocks" makes the issue wait for the one it names; "parent-child" groups
// a child under its parent (an epic), which waits for its children; other
// types (related, discovered-from) do not order work.
package beads

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/looper-go/looper/internal/jsonedit"
	"github.com/looper-go/looper/internal/jsonstr"
	"github.com/looper-go/looper/todo"
)

// DefaultPath is where Beads keeps its issues, relative to the project.
const DefaultPath = ".beads/issues.jsonl"

// Statuses are the Beads statuses looper reads.
var Statuses = []string{"open", "in_progress", "blocked", "closed", "deferred", "pinned", "hooked", "tombstone"}

var statusOf = map[string]todo.Status{
	"open": todo.StatusTodo, "in_progress": todo.StatusDoing, "blocked": todo.StatusBlocked, "closed": todo.StatusDone,
}

var statusName = map[todo.Status]string{
	todo.StatusTodo: "open", todo.StatusDoing: "in_progress", todo.StatusBlocked: "blocked", todo.StatusDone: "closed",
}

// Format reads and writes issues.jsonl. Its zero value is ready to use.
type Format struct{}

// Name is the format's name in --backlog beads:PATH.
func (Format) Name() string { return "beads" }

// issue is one line of the file as looper sees it.
type issue struct {
	task  todo.Task
	line  int // 0-based index into lines
	raw   string
	held  bool
	deps  []string
	child []string // parent-child: issues grouped under this one
}

type file struct {
	lines  [][]byte // the file split after each '\n'
	issues []*issue
	byID   map[string]*issue
}

// Parse reads issues.jsonl into a backlog. Every problem is reported at
// once with its line and column, in a *todo.ValidationError named name.
func (Format) Parse(name string, data []byte) (*todo.Backlog, error) {
	f, err := parse(name, data)
	if err != nil {
		return nil, err
	}
	b := &todo.Backlog{SchemaVersion: todo.SchemaVersion, Tasks: []todo.Task{}}
	for _, is := range f.issues {
		if !is.held {
			b.Tasks = append(b.Tasks, is.task.Clone())
		}
	}
	return b, nil
}

func parse(name string, data []byte) (*file, error) {
	f := &file{byID: map[string]*issue{}}
	var problems []todo.Problem
	for rest := data; len(rest) > 0; {
		n := bytes.IndexByte(rest, '\n') + 1
		if n == 0 {
			n = len(rest)
		}
		f.lines = append(f.lines, rest[:n])
		rest = rest[n:]
	}
	type pending struct {
		is   *issue
		deps []any
	}
	var links []pending
	for i, line := range f.lines {
		text := bytes.TrimRight(line, "\r\n")
		if len(bytes.TrimSpace(text)) == 0 {
			continue
		}
		var ps []todo.Problem
		add := func(ptr []string, format string, args ...any) {
			ps = append(ps, todo.NewProblem(ptr, format, args...))
		}
		doc, decodeProblems := todo.DecodeJSON(text)
		ps = append(ps, decodeProblems...)
		obj, ok := doc.(map[string]any)
		if doc != nil && !ok {
			add(nil, "each line of issues.jsonl is one issue object")
		}
		if ok {
			is := &issue{line: i}
			if id, ok := obj["id"].(string); !ok || id == "" {
				add([]string{"id"}, "the issue has no id; each issue needs one, such as bd-1")
			} else if prev := f.byID[id]; prev != nil {
				add([]string{"id"}, "duplicate id %s (also on line %d)", id, prev.line+1)
			} else {
				is.task.ID = id
			}
			is.task.Title, _ = obj["title"].(string)
			if strings.TrimSpace(is.task.Title) == "" {
				add([]string{"title"}, "title is missing or empty; say in a line what the issue is")
			}
			var parts []string
			for _, k := range []string{"description", "design", "acceptance_criteria"} {
				s, isStr := obj[k].(string)
				if obj[k] != nil && !isStr {
					add([]string{k}, "%s must be a string", k)
				}
				if strings.TrimSpace(s) != "" {
					label := map[string]string{"design": "Design:\n", "acceptance_criteria": "Acceptance criteria:\n"}[k]
					parts = append(parts, label+strings.TrimSpace(s))
				}
			}
			is.task.Description = strings.Join(parts, "\n\n")
			if v, isStr := obj["notes"].(string); isStr {
				is.task.Details = v
			} else if obj["notes"] != nil {
				add([]string{"notes"}, "notes must be a string")
			}
			is.raw = "open"
			if v, isStr := obj["status"].(string); isStr {
				is.raw = v
			} else if obj["status"] != nil {
				add([]string{"status"}, "status must be a string")
			}
			st, known := statusOf[is.raw]
			switch {
			case known:
				is.task.Status = st
			case slices.Contains(Statuses, is.raw):
				is.task.Status, is.held = todo.StatusBlocked, true
			default:
				add([]string{"status"}, "status %q is not one of %s", is.raw, strings.Join(Statuses, ", "))
			}
			is.task.Priority = 3
			if v, has := obj["priority"]; has {
				n, err := strconv.Atoi(fmt.Sprint(v))
				if _, isNum := v.(json.Number); !isNum || err != nil || n < 0 || n > 4 {
					add([]string{"priority"}, "priority %v is not 0 (highest) to 4 (lowest)", v)
				} else {
					is.task.Priority = n + 1
				}
			}
			is.task.CreatedAt = stamp(obj["created_at"])
			is.task.UpdatedAt = stamp(obj["updated_at"])
			deps, isList := obj["dependencies"].([]any)
			if obj["dependencies"] != nil && !isList {
				add([]string{"dependencies"}, "dependencies must be an array")
			}
			if is.task.ID != "" {
				f.byID[is.task.ID] = is
				f.issues = append(f.issues, is)
				links = append(links, pending{is, deps})
			}
		}
		if len(ps) > 0 {
			todo.Locate(text, ps)
			for _, p := range ps {
				p.Line += i
				problems = append(problems, p)
			}
		}
	}
	for _, l := range links {
		for j, d := range l.deps {
			ptr := []string{"dependencies", strconv.Itoa(j)}
			obj, _ := d.(map[string]any)
			on, _ := obj["depends_on_id"].(string)
			typ, _ := obj["type"].(string)
			if typ != "blocks" && typ != "parent-child" {
				continue
			}
			target := f.byID[on]
			if target == nil {
				problems = append(problems, lineProblem(f, l.is.line, ptr, "%s depends on %s, which is not in this file; add it or remove the dependency", l.is.task.ID, on))
				continue
			}
			if typ == "blocks" {
				l.is.deps = append(l.is.deps, on)
			} else {
				target.deps = append(target.deps, l.is.task.ID) // the parent waits for its children
			}
		}
	}
	if len(problems) == 0 {
		problems = check(f)
	}
	if len(problems) > 0 {
		slices.SortStableFunc(problems, func(a, b todo.Problem) int {
			if a.Line != b.Line {
				return a.Line - b.Line
			}
			return a.Column - b.Column
		})
		return nil, &todo.ValidationError{File: name, Problems: problems}
	}
	return f, nil
}

// lineProblem locates a problem at pointer within line i of the file.
func lineProblem(f *file, i int, ptr []string, format string, args ...any) todo.Problem {
	p := []todo.Problem{todo.NewProblem(ptr, format, args...)}
	todo.Locate(bytes.TrimRight(f.lines[i], "\r\n"), p)
	p[0].Line += i
	return p[0]
}

// stamp keeps an RFC 3339 timestamp as looper's; anything else is dropped.
func stamp(v any) todo.Timestamp {
	s, _ := v.(string)
	if _, err := todo.Timestamp(s).Time(); err != nil {
		return ""
	}
	return todo.Timestamp(s)
}

// check holds what waits on held issues and runs todo.Validate's checks
// (ids safe as file names, cycles), located on each issue's line.
func check(f *file) []todo.Problem {
	linked := make([]todo.Linked, len(f.issues))
	for i, is := range f.issues {
		linked[i] = todo.Linked{Task: &is.task, Deps: is.deps, Held: &is.held}
	}
	var problems []todo.Problem
	for _, pr := range todo.Link(linked) {
		if pr.Index < 0 {
			continue
		}
		field := "id"
		if len(pr.Rest) > 0 && pr.Rest[0] == "depends_on" {
			field = "dependencies"
		}
		problems = append(problems, lineProblem(f, f.issues[pr.Index].line, []string{field}, "%s", pr.Message))
	}
	return problems
}

// Patch writes b's changes into data, the file as it is now: on the line
// of each issue whose looper status or notes differ, the status in Beads'
// words, the notes (looper's details, where agent summaries go, with each
// blocker as a "Blocked: ..." paragraph), updated_at, and closed_at when
// the issue closes (null when it reopens). Other lines are kept byte for
// byte; issues of b not in the file are not written. data comes back
// unchanged when nothing differs.
func (Format) Patch(data []byte, b *todo.Backlog, now time.Time) ([]byte, error) {
	f, err := parse("issues.jsonl", data)
	if err != nil {
		return nil, err
	}
	stampNow := jsonstr.Append(nil, now.UTC().Format(time.RFC3339Nano))
	changed := false
	for i := range b.Tasks {
		t := &b.Tasks[i]
		is := f.byID[t.ID]
		if is == nil || is.held || !t.Status.Valid() {
			continue
		}
		line := f.lines[is.line]
		end := len(bytes.TrimRight(line, "\r\n"))
		text, tail := slices.Clone(line[:end]), line[end:]
		edit := func(key string, value []byte) {
			if err == nil {
				text, err = jsonedit.Set(text, []string{key}, value)
			}
		}
		touched := false
		if t.Status != is.task.Status {
			edit("status", jsonstr.Append(nil, statusName[t.Status]))
			switch {
			case t.Status == todo.StatusDone:
				edit("closed_at", stampNow)
			case is.task.Status == todo.StatusDone:
				if _, ok := jsonedit.Find(text, []string{"closed_at"}); ok {
					edit("closed_at", []byte("null"))
				}
			}
			touched = true
		}
		if notes := todo.WithBlockers(t.Details, t.Blockers); notes != is.task.Details {
			edit("notes", jsonstr.Append(nil, notes))
			touched = true
		}
		if !touched {
			continue
		}
		edit("updated_at", stampNow)
		if err != nil {
			return nil, fmt.Errorf("writing issue %s: %w", t.ID, err)
		}
		f.lines[is.line] = append(text, tail...)
		changed = true
	}
	if !changed {
		return data, nil
	}
	return bytes.Join(f.lines, nil), nil
}
