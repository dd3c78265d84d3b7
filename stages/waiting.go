package stages

import (
	"log/slog"
	"strings"

	"github.com/looper-go/looper/sinks"
	"github.com/looper-go/looper/todo"
)

// Waiting is a task that could not run because a task it depends on,
// directly or through others, is blocked: the run says so at its end, so
// nobody has to find out from `looper ls` why work was left undone.
type Waiting struct {
	// TaskID is the task that did not run.
	TaskID string
	// Chain is the dependency path from TaskID to the blocked task, both
	// included: ["T3", "T2", "T1"].
	Chain []string
	// Blockers are the blocked task's reasons.
	Blockers []string
}

// Why is the chain in words: "waits on T2, which waits on T1: blocked:
// need API key".
func (w Waiting) Why() string {
	var b strings.Builder
	for i, id := range w.Chain[1:] {
		if i == 0 {
			b.WriteString("waits on " + id)
		} else {
			b.WriteString(", which waits on " + id)
		}
	}
	b.WriteString(": blocked")
	if len(w.Blockers) > 0 {
		b.WriteString(": " + strings.Join(w.Blockers, "; "))
	}
	return b.String()
}

// String is the whole account, with the task first: "T3 waits on T2,
// which waits on T1: blocked: need API key".
func (w Waiting) String() string { return w.TaskID + " " + w.Why() }

// waitingOnBlocked finds, in backlog order, every task still todo or doing
// whose dependencies lead to a blocked task, with the first such chain in
// dependency order.
func waitingOnBlocked(b *todo.Backlog) []Waiting {
	byID := make(map[string]*todo.Task, len(b.Tasks))
	for i := range b.Tasks {
		byID[b.Tasks[i].ID] = &b.Tasks[i]
	}
	memo := map[string][]string{} // task → chain to a blocked task, nil when none
	visiting := map[string]bool{}
	var chain func(id string) []string
	chain = func(id string) []string {
		if c, ok := memo[id]; ok {
			return c
		}
		t := byID[id]
		if t == nil || visiting[id] { // unknown or cyclic: validation reports those
			return nil
		}
		if t.Status == todo.StatusBlocked {
			return []string{id}
		}
		if t.Status == todo.StatusDone {
			memo[id] = nil
			return nil
		}
		visiting[id] = true
		var found []string
		for _, dep := range t.DependsOn {
			if c := chain(dep); c != nil {
				found = append([]string{id}, c...)
				break
			}
		}
		visiting[id] = false
		memo[id] = found
		return found
	}
	var out []Waiting
	for _, t := range b.Tasks {
		if t.Status != todo.StatusTodo && t.Status != todo.StatusDoing {
			continue
		}
		c := chain(t.ID)
		if len(c) < 2 {
			continue
		}
		out = append(out, Waiting{TaskID: t.ID, Chain: c, Blockers: byID[c[len(c)-1]].Blockers})
	}
	return out
}

// reportWaiting emits one KindWaiting event per task that did not run
// because of a blocked dependency, and returns them. A pipeline without
// the merge stage changes no status, so it reports none.
func (l *Loop) reportWaiting(d *env, run *runState) []Waiting {
	if !l.merges() {
		return nil
	}
	b, err := d.Store.Snapshot()
	if err != nil {
		return nil
	}
	waiting := waitingOnBlocked(b)
	titles := map[string]string{}
	for _, t := range b.Tasks {
		titles[t.ID] = t.Title
	}
	for _, w := range waiting {
		d.emit(run, sinks.Event{Level: slog.LevelWarn, Kind: sinks.KindWaiting, Stage: "loop", TaskID: w.TaskID,
			Title: titles[w.TaskID], Status: string(todo.StatusTodo), Blockers: w.Blockers, Message: w.Why()})
	}
	return waiting
}
