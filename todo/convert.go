package todo

import (
	"encoding/json"
	"math"
)

// backlogFromTree converts a decoded task file into a Backlog without a
// second parse. It reads what encoding/json would and is lenient where the
// schema has already complained: a value of the wrong type reads as its zero
// value, and a task that is not an object as an empty task, so the tasks
// keep their indexes (and their paths in problems). ok is false when the
// document is not an object at all.
func backlogFromTree(doc any) (b *Backlog, ok bool) {
	root, ok := doc.(map[string]any)
	if !ok {
		return nil, false
	}
	b = &Backlog{
		SchemaVersion: intFrom(root["schema_version"]),
		SourceFiles:   stringsFrom(root["source_files"]),
	}
	if p, ok := root["project"].(map[string]any); ok {
		b.Project = &Project{Name: stringFrom(p["name"]), Root: stringFrom(p["root"])}
	}
	if tasks, ok := root["tasks"].([]any); ok {
		b.Tasks = make([]Task, len(tasks))
		for i, v := range tasks {
			if m, ok := v.(map[string]any); ok {
				b.Tasks[i] = taskFromTree(m)
			}
		}
	}
	return b, true
}

func taskFromTree(m map[string]any) Task {
	return Task{
		ID:          stringFrom(m["id"]),
		Title:       stringFrom(m["title"]),
		Description: stringFrom(m["description"]),
		Reference:   stringFrom(m["reference"]),
		Priority:    intFrom(m["priority"]),
		Status:      Status(stringFrom(m["status"])),
		Details:     stringFrom(m["details"]),
		Steps:       stringsFrom(m["steps"]),
		Blockers:    stringsFrom(m["blockers"]),
		Tags:        stringsFrom(m["tags"]),
		Files:       stringsFrom(m["files"]),
		DependsOn:   stringsFrom(m["depends_on"]),
		CreatedAt:   Timestamp(stringFrom(m["created_at"])),
		UpdatedAt:   Timestamp(stringFrom(m["updated_at"])),
	}
}

func stringFrom(v any) string {
	s, _ := v.(string)
	return s
}

// stringsFrom returns nil for null or a missing value and a non-nil slice
// for an array, as encoding/json does; non-string items read as "".
func stringsFrom(v any) []string {
	a, ok := v.([]any)
	if !ok {
		return nil
	}
	out := make([]string, len(a))
	for i, e := range a {
		out[i] = stringFrom(e)
	}
	return out
}

// intFrom reads an integer, including one written as 1.0 or 1e0 (valid
// JSON Schema integers); anything else reads as 0.
func intFrom(v any) int {
	n, ok := v.(json.Number)
	if !ok {
		return 0
	}
	if i, err := n.Int64(); err == nil && i >= math.MinInt32 && i <= math.MaxInt32 {
		return int(i)
	}
	f, err := n.Float64()
	if err != nil || f != math.Trunc(f) || f < math.MinInt32 || f > math.MaxInt32 {
		return 0
	}
	return int(f)
}
