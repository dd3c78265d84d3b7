package taskmaster

import (
	"slices"
	"strconv"

	"github.com/looper-go/looper/todo"
)

// link resolves dependencies, holds what cannot run, and checks the graph
// as todo.Validate does, pointing problems at the file's own fields.
func (p *parser) link() {
	for _, e := range p.entries {
		for _, d := range e.deps {
			if _, ok := p.byID[d]; !ok {
				p.add(at(e.pointer, "dependencies"), "task %s depends on %s, which is not in this tag; add it or remove the dependency", e.task.ID, d)
			}
		}
		e.task.DependsOn = slices.Compact(slices.Clone(e.deps))
	}
	if len(p.problems) > 0 {
		return // the graph is checked once its ids are all known
	}
	for changed := true; changed; {
		changed = false
		for _, e := range p.entries {
			if e.held {
				continue
			}
			for _, d := range e.deps {
				if p.byID[d].held {
					e.held, changed = true, true
					break
				}
			}
		}
	}
	b := &todo.Backlog{SchemaVersion: todo.SchemaVersion}
	for _, e := range p.entries {
		b.Tasks = append(b.Tasks, e.task)
	}
	if ve, ok := b.Validate().(*todo.ValidationError); ok {
		for _, pr := range ve.Problems {
			ptr := pr.Pointer()
			if len(ptr) >= 2 && ptr[0] == "tasks" {
				if i, err := strconv.Atoi(ptr[1]); err == nil && i < len(p.entries) {
					ptr = at(p.entries[i].pointer, fieldName(ptr[2:])...)
				}
			}
			p.add(ptr, "%s", pr.Message)
		}
	}
}

// fieldName maps the rest of a looper path to the file's field.
func fieldName(rest []string) []string {
	if len(rest) > 0 && rest[0] == "depends_on" {
		return []string{"dependencies"}
	}
	if len(rest) > 0 {
		return rest[:1]
	}
	return nil
}

// pathText renders a pointer as a problem path does.
func pathText(ptr []string) string {
	return todo.NewProblem(ptr, "").Path
}
