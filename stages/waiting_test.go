package stages

import (
	"slices"
	"testing"

	"github.com/looper-go/looper/todo"
)

// TestWaitingOnBlocked checks that every todo task whose dependencies lead
// to a blocked task is found, with the chain in dependency order and the
// blocked task's reasons; tasks that can still run, done tasks and the
// blocked task itself are not.
func TestWaitingOnBlocked(t *testing.T) {
	t.Parallel()
	b := &todo.Backlog{Tasks: []todo.Task{
		{ID: "T1", Status: todo.StatusBlocked, Blockers: []string{"need API key"}},
		{ID: "T2", Status: todo.StatusTodo, DependsOn: []string{"T1"}},
		{ID: "T3", Status: todo.StatusTodo, DependsOn: []string{"T2"}},
		{ID: "T4", Status: todo.StatusDone},
		{ID: "T5", Status: todo.StatusTodo, DependsOn: []string{"T4"}},
		{ID: "T6", Status: todo.StatusDoing, DependsOn: []string{"T5", "T3"}},
	}}
	got := waitingOnBlocked(b)
	var lines []string
	for _, w := range got {
		lines = append(lines, w.String())
	}
	want := []string{
		"T2 waits on T1: blocked: need API key",
		"T3 waits on T2, which waits on T1: blocked: need API key",
		"T6 waits on T3, which waits on T2, which waits on T1: blocked: need API key",
	}
	if !slices.Equal(lines, want) {
		t.Errorf("waiting =\n%q\nwant\n%q", lines, want)
	}
	if w := (Waiting{TaskID: "T9", Chain: []string{"T9", "T8"}}); w.String() != "T9 waits on T8: blocked" {
		t.Errorf("without blockers: %q", w.String())
	}
}
