package taskmaster

import (
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
	}
	if len(p.problems) > 0 {
		return // the graph is checked once its ids are all known
	}
	linked := make([]todo.Linked, len(p.entries))
	for i, e := range p.entries {
		linked[i] = todo.Linked{Task: &e.task, Deps: e.deps, Held: &e.held}
	}
	for _, pr := range todo.Link(linked) {
		ptr := pr.Rest
		if pr.Index >= 0 {
			ptr = at(p.entries[pr.Index].pointer, fieldName(pr.Rest)...)
		}
		p.add(ptr, "%s", pr.Message)
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
