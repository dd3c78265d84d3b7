package todo

import (
	"slices"
	"strconv"
)

// Linked is one task of a tracker's file (Task Master's tasks.json, Beads'
// issues.jsonl) as its source reads it, before the dependencies are
// settled: the ids it waits on as the file lists them, and whether the
// tracker holds it (a state looper does not run, such as deferred), which
// keeps it out of looper's view.
type Linked struct {
	// Task is the task; Link sets its DependsOn.
	Task *Task
	// Deps are the ids the file says it waits on, in the file's order.
	Deps []string
	// Held reports whether the task is held; Link sets it for a task that
	// waits on a held one.
	Held *bool
}

// LinkProblem is one problem Link found, located on the task it is about
// so that a source can point at the file's own field.
type LinkProblem struct {
	// Index is the task's position in what Link was given; -1 for a
	// problem about no single task.
	Index int
	// Rest is the path below the task (["depends_on", "0"] for its first
	// dependency, nil for the task itself); the whole path when Index is -1.
	Rest []string
	// Message is what Validate says.
	Message string
}

// Link settles a tracker's dependency graph the way looper reads every
// tracker: each task depends on its listed ids once each, in order; a task
// that waits, directly or through others, on a held task is held too (it
// cannot run before it); and the tasks are checked as Validate checks a
// backlog (ids safe as file names, dependencies that exist, no cycle).
// Task Master and Beads call it, so the two cannot drift apart.
func Link(tasks []Linked) []LinkProblem {
	index := make(map[string]int, len(tasks))
	for i, l := range tasks {
		l.Task.DependsOn = slices.Compact(slices.Clone(l.Deps))
		if _, dup := index[l.Task.ID]; !dup {
			index[l.Task.ID] = i
		}
	}
	for changed := true; changed; {
		changed = false
		for _, l := range tasks {
			if *l.Held {
				continue
			}
			for _, d := range l.Deps {
				if j, ok := index[d]; ok && *tasks[j].Held {
					*l.Held, changed = true, true
					break
				}
			}
		}
	}
	b := &Backlog{SchemaVersion: SchemaVersion, Tasks: make([]Task, len(tasks))}
	for i, l := range tasks {
		b.Tasks[i] = *l.Task
	}
	ve, ok := b.Validate().(*ValidationError)
	if !ok {
		return nil
	}
	problems := make([]LinkProblem, 0, len(ve.Problems))
	for _, pr := range ve.Problems {
		ptr := pr.Pointer()
		p := LinkProblem{Index: -1, Rest: ptr, Message: pr.Message}
		if len(ptr) >= 2 && ptr[0] == "tasks" {
			if i, err := strconv.Atoi(ptr[1]); err == nil && i >= 0 && i < len(tasks) {
				p.Index, p.Rest = i, ptr[2:]
			}
		}
		problems = append(problems, p)
	}
	return problems
}
