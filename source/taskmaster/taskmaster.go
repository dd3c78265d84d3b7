// Package taskmaster reads Task Master's tasks.json
// (.taskmaster/tasks/tasks.json) into looper's backlog and writes looper's
// status changes back into it, in Task Master's vocabulary, as a minimal
// diff that keeps the file's own formatting.
//
// Both layouts are read: the legacy {"tasks": [...]} and the tagged
// {"<tag>": {"tasks": [...], "metadata": {...}}}, one tag at a time. Task
// ids are integers; a subtask becomes its own looper task "<parent>.<n>",
// which waits for its parent's dependencies, and the parent waits for its
// subtasks. Statuses map as pending → todo, in-progress → doing, blocked →
// blocked, done and review → done; deferred and cancelled tasks, their
// subtasks and the tasks that depend on them are held: left out of
// looper's view, never run or written. Priorities high, medium and low are looper's 2, 3 and 4
// (critical is 1); a missing priority is medium.
package taskmaster

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/looper-go/looper/todo"
)

// DefaultPath is where Task Master keeps its tasks, relative to the project.
const DefaultPath = ".taskmaster/tasks/tasks.json"

// DefaultTag is the tag Task Master creates and uses unless told otherwise.
const DefaultTag = "master"

// Statuses are Task Master's task statuses, in the order messages list them.
var Statuses = []string{"pending", "in-progress", "done", "review", "deferred", "cancelled", "blocked"}

// Format reads and writes one tag of a tasks.json. Its zero value reads
// the legacy layout, or the "master" tag of a tagged file.
type Format struct {
	// Tag selects the tag of a tagged file; "" is DefaultTag.
	Tag string
}

// Name is the format's name in --backlog taskmaster:PATH.
func (Format) Name() string { return "taskmaster" }

// entry is one task or subtask of the file as looper sees it.
type entry struct {
	task    todo.Task
	pointer []string // the task's object in the file
	raw     string   // its Task Master status
	deps    []string // looper ids it depends on, as written
	held    bool
}

// file is a parsed tasks.json: the entries of the selected tag, in order.
type file struct {
	entries []*entry
	byID    map[string]*entry
	base    []string // pointer to the tag's object ({} for legacy: nil)
}

// Parse reads the selected tag of a tasks.json into a backlog. Every
// problem is reported at once, located by JSON path, line and column, in a
// *todo.ValidationError named name.
func (f Format) Parse(name string, data []byte) (*todo.Backlog, error) {
	tf, err := f.parse(name, data)
	if err != nil {
		return nil, err
	}
	b := &todo.Backlog{SchemaVersion: todo.SchemaVersion, Tasks: []todo.Task{}}
	for _, e := range tf.entries {
		if !e.held {
			b.Tasks = append(b.Tasks, e.task.Clone())
		}
	}
	return b, nil
}

func (f Format) tag() string {
	if f.Tag == "" {
		return DefaultTag
	}
	return f.Tag
}

func (f Format) parse(name string, data []byte) (*file, error) {
	doc, problems := todo.DecodeJSON(data)
	if doc == nil {
		return nil, &todo.ValidationError{File: name, Problems: problems}
	}
	tf := &file{byID: map[string]*entry{}}
	p := &parser{file: tf}
	p.problems = problems
	top, ok := doc.(map[string]any)
	switch {
	case !ok:
		p.add(nil, "a tasks.json is an object: {\"tasks\": [...]} or {\"%s\": {\"tasks\": [...]}}", DefaultTag)
	case top["tasks"] != nil:
		if f.Tag != "" && f.Tag != DefaultTag {
			p.add(nil, "the file has no tags (the legacy {\"tasks\": [...]} layout), so there is no tag %q; drop the tag or use %q", f.Tag, DefaultTag)
			break
		}
		p.tasks(top["tasks"], []string{"tasks"})
	default:
		tag, ok := top[f.tag()].(map[string]any)
		if !ok {
			tags := make([]string, 0, len(top))
			for k, v := range top {
				if m, ok := v.(map[string]any); ok && m["tasks"] != nil {
					tags = append(tags, k)
				}
			}
			slices.Sort(tags)
			if len(tags) == 0 {
				p.add(nil, "no tasks found: expected {\"tasks\": [...]} or {\"<tag>\": {\"tasks\": [...]}}")
			} else {
				p.add(nil, "no tag %q in this file; its tags are %s: choose one with --taskmaster-tag", f.tag(), strings.Join(tags, ", "))
			}
			break
		}
		tf.base = []string{f.tag()}
		p.tasks(tag["tasks"], []string{f.tag(), "tasks"})
	}
	p.link()
	if len(p.problems) > 0 {
		todo.Locate(data, p.problems)
		return nil, &todo.ValidationError{File: name, Problems: p.problems}
	}
	return tf, nil
}

// parser collects the problems of one file as it converts it.
type parser struct {
	*file
	problems []todo.Problem
}

func (p *parser) add(pointer []string, format string, args ...any) {
	p.problems = append(p.problems, todo.NewProblem(pointer, format, args...))
}

func at(base []string, more ...string) []string {
	return append(slices.Clone(base), more...)
}

// tasks converts the tasks array at pointer.
func (p *parser) tasks(v any, pointer []string) {
	list, ok := v.([]any)
	if !ok {
		p.add(pointer, "tasks must be an array of task objects")
		return
	}
	for i, item := range list {
		ptr := at(pointer, strconv.Itoa(i))
		obj, ok := item.(map[string]any)
		if !ok {
			p.add(ptr, "a task must be an object with at least id and title")
			continue
		}
		n, ok := p.intID(obj, ptr)
		if !ok {
			continue
		}
		parent := p.entry(obj, ptr, strconv.Itoa(n), todo.Task{})
		if parent == nil {
			continue
		}
		for _, d := range p.list(obj, ptr, "dependencies") {
			parent.deps = append(parent.deps, d.id)
		}
		subs, ok := obj["subtasks"].([]any)
		if obj["subtasks"] != nil && !ok {
			p.add(at(ptr, "subtasks"), "subtasks must be an array of subtask objects")
		}
		for j, s := range subs {
			sptr := at(ptr, "subtasks", strconv.Itoa(j))
			sobj, ok := s.(map[string]any)
			if !ok {
				p.add(sptr, "a subtask must be an object with at least id and title")
				continue
			}
			k, ok := p.intID(sobj, sptr)
			if !ok {
				continue
			}
			child := p.entry(sobj, sptr, fmt.Sprintf("%d.%d", n, k), parent.task)
			if child == nil {
				continue
			}
			child.held = child.held || parent.held // a deferred task's subtasks wait with it
			child.deps = append(child.deps, parent.deps...)
			for _, d := range p.list(sobj, sptr, "dependencies") {
				id := d.id
				if !strings.Contains(id, ".") {
					id = fmt.Sprintf("%d.%s", n, id) // a number names a sibling
				}
				child.deps = append(child.deps, id)
			}
			parent.deps = append(parent.deps, child.task.ID)
		}
	}
}

// intID reads the integer id of a task or subtask.
func (p *parser) intID(obj map[string]any, ptr []string) (int, bool) {
	var text string
	switch v := obj["id"].(type) {
	case json.Number:
		text = v.String()
	case string:
		text = v
	case nil:
		p.add(ptr, "the task has no id; give it an integer id")
		return 0, false
	}
	n, err := strconv.Atoi(text)
	if err != nil || n < 0 {
		p.add(at(ptr, "id"), "id %v is not a non-negative integer; Task Master numbers its tasks 1, 2, 3...", obj["id"])
		return 0, false
	}
	return n, true
}

// entry converts the fields looper reads of one task or subtask; a subtask
// inherits its parent's priority unless it has its own.
func (p *parser) entry(obj map[string]any, ptr []string, id string, parent todo.Task) *entry {
	e := &entry{pointer: ptr}
	t := &e.task
	t.ID = id
	t.Title = p.str(obj, ptr, "title")
	if t.Title == "" && obj["title"] != nil {
		p.add(at(ptr, "title"), "title is empty; say in a line what the task is")
	} else if obj["title"] == nil {
		p.add(ptr, "task %s has no title", id)
	}
	t.Details = p.str(obj, ptr, "details")
	t.Description = describe(p.str(obj, ptr, "description"), t.Details, p.str(obj, ptr, "testStrategy"))
	t.Priority = 3
	if parent.Priority != 0 {
		t.Priority = parent.Priority
	}
	if pr := p.str(obj, ptr, "priority"); pr != "" {
		n, ok := priorities[pr]
		if !ok {
			p.add(at(ptr, "priority"), "priority %q is not one of high, medium, low (or critical)", pr)
		}
		t.Priority = n
	}
	e.raw = p.str(obj, ptr, "status")
	if e.raw == "" {
		e.raw = "pending"
	}
	st, ok := statusOf[e.raw]
	if !ok {
		p.add(at(ptr, "status"), "status %q is not one of %s", e.raw, strings.Join(Statuses, ", "))
	}
	t.Status = st
	e.held = e.raw == "deferred" || e.raw == "cancelled"
	if prev, dup := p.byID[id]; dup {
		p.add(at(ptr, "id"), "duplicate id %s (also at %s); give each task its own id", id, pathText(prev.pointer))
		return nil
	}
	p.byID[id] = e
	p.entries = append(p.entries, e)
	return e
}

// describe joins what the agent should read about a task.
func describe(desc, details, test string) string {
	parts := []string{}
	for _, s := range []struct{ label, text string }{{"", desc}, {"Details:\n", details}, {"Test strategy:\n", test}} {
		if strings.TrimSpace(s.text) != "" {
			parts = append(parts, s.label+strings.TrimSpace(s.text))
		}
	}
	return strings.Join(parts, "\n\n")
}

var priorities = map[string]int{"critical": 1, "high": 2, "medium": 3, "low": 4}

var statusOf = map[string]todo.Status{
	"pending": todo.StatusTodo, "in-progress": todo.StatusDoing, "blocked": todo.StatusBlocked,
	"done": todo.StatusDone, "review": todo.StatusDone,
	"deferred": todo.StatusBlocked, "cancelled": todo.StatusBlocked,
}

// statusName is what each looper status is written back as.
var statusName = map[todo.Status]string{
	todo.StatusTodo: "pending", todo.StatusDoing: "in-progress", todo.StatusBlocked: "blocked", todo.StatusDone: "done",
}

// str reads an optional string field.
func (p *parser) str(obj map[string]any, ptr []string, key string) string {
	switch v := obj[key].(type) {
	case nil:
		return ""
	case string:
		return v
	}
	p.add(at(ptr, key), "%s must be a string", key)
	return ""
}

type dep struct{ id string }

// list reads a dependencies array of integers and "<task>.<subtask>" strings.
func (p *parser) list(obj map[string]any, ptr []string, key string) []dep {
	v, ok := obj[key].([]any)
	if obj[key] != nil && !ok {
		p.add(at(ptr, key), "%s must be an array of task ids", key)
	}
	var out []dep
	for i, item := range v {
		var id string
		switch x := item.(type) {
		case json.Number:
			id = x.String()
		case string:
			id = x
		}
		if !validDep(id) {
			p.add(at(ptr, key, strconv.Itoa(i)), "dependency %v is not a task id (an integer) or a subtask id such as \"3.1\"", item)
			continue
		}
		out = append(out, dep{id})
	}
	return out
}

func validDep(id string) bool {
	parts := strings.Split(id, ".")
	if len(parts) > 2 || id == "" {
		return false
	}
	for _, part := range parts {
		if _, err := strconv.Atoi(part); err != nil || strings.HasPrefix(part, "-") {
			return false
		}
	}
	return true
}
