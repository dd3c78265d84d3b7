package todo

import "testing"

func task(id string, prio int, st Status, deps ...string) Task {
	return Task{ID: id, Title: "task " + id, Priority: prio, Status: st, DependsOn: deps}
}

func TestSelect(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		tasks []Task
		want  string // "" for nil
	}{{
		name:  "empty",
		tasks: nil,
	}, {
		name:  "all done",
		tasks: []Task{task("T1", 1, StatusDone)},
	}, {
		name:  "doing beats todo and ignores priority",
		tasks: []Task{task("T1", 1, StatusTodo), task("T3", 5, StatusDoing), task("T2", 1, StatusDoing)},
		want:  "T2",
	}, {
		name:  "todo by priority then numeric id",
		tasks: []Task{task("T10", 2, StatusTodo), task("T9", 3, StatusTodo), task("T2", 2, StatusTodo)},
		want:  "T2",
	}, {
		name:  "numeric ids: T2 before T10",
		tasks: []Task{task("T10", 1, StatusTodo), task("T2", 1, StatusTodo)},
		want:  "T2",
	}, {
		name:  "blocked only when no todo",
		tasks: []Task{task("T1", 1, StatusBlocked), task("T2", 5, StatusTodo)},
		want:  "T2",
	}, {
		name:  "blocked retried by priority",
		tasks: []Task{task("T1", 3, StatusBlocked), task("T2", 2, StatusBlocked), task("T3", 1, StatusDone)},
		want:  "T2",
	}, {
		name:  "unsatisfied dependencies are never selected",
		tasks: []Task{task("T1", 1, StatusDoing, "T3"), task("T2", 5, StatusTodo), task("T3", 1, StatusTodo)},
		want:  "T3",
	}, {
		name:  "a missing dependency is unsatisfied",
		tasks: []Task{task("T1", 1, StatusTodo, "T404"), task("T2", 2, StatusTodo)},
		want:  "T2",
	}, {
		name:  "satisfied dependency",
		tasks: []Task{task("T1", 1, StatusDone), task("T2", 1, StatusTodo, "T1")},
		want:  "T2",
	}, {
		name:  "nothing ready",
		tasks: []Task{task("T1", 1, StatusTodo, "T2"), task("T2", 1, StatusBlocked, "T1")},
	}, {
		name:  "a later duplicate of a done id does not satisfy",
		tasks: []Task{task("T1", 1, StatusTodo, "T9"), task("T9", 1, StatusBlocked, "T1"), task("T9", 1, StatusDone)},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := &Backlog{SchemaVersion: 1, Tasks: tt.tasks}
			got := b.Select()
			switch {
			case got == nil && tt.want != "":
				t.Errorf("Select() = nil, want %s", tt.want)
			case got != nil && got.ID != tt.want:
				t.Errorf("Select() = %s, want %q", got.ID, tt.want)
			case got != nil && got != b.Task(got.ID):
				t.Errorf("Select() does not point into the backlog")
			}
		})
	}
}

func TestSelectUpstreamFixture(t *testing.T) {
	t.Parallel()
	b, _ := loadFixture(t, "upstream-91.json")
	// T088 is the one doing task and its dependencies (none) are done.
	if got := b.Select(); got == nil || got.ID != "T088" {
		t.Fatalf("Select() = %v, want T088", got)
	}
	b.Task("T088").Status = StatusDone
	// Ready todo tasks: T084 (deps T081 done); T087, T089, T090, T091 wait.
	if got := b.Select(); got == nil || got.ID != "T084" {
		t.Fatalf("Select() = %v, want T084", got)
	}
	b.Task("T084").Status = StatusDone
	if got := b.Select(); got == nil || got.ID != "T087" {
		t.Fatalf("Select() = %v, want T087", got)
	}
}

func TestDependenciesDone(t *testing.T) {
	t.Parallel()
	b := backlogOf(task("T1", 1, StatusDone), task("T2", 1, StatusTodo, "T1"), task("T3", 1, StatusTodo, "T2"), task("T4", 1, StatusTodo, "T0"))
	for id, want := range map[string]bool{"T1": true, "T2": true, "T3": false, "T4": false, "T9": false} {
		if got := b.DependenciesDone(id); got != want {
			t.Errorf("DependenciesDone(%s) = %v, want %v", id, got, want)
		}
	}
}
