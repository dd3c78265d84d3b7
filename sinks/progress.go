package sinks

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// defaultWidth is the progress line's width when the terminal's is unknown.
const defaultWidth = 80

// runningTask is one task the progress line names: which agents work on it
// and since when.
type runningTask struct {
	id     string
	agents []string
	since  time.Time
}

// runningSet is the tasks started and not yet finished, in the order they
// started.
type runningSet struct {
	tasks map[string]*runningTask
	order []string
}

func newRunningSet() runningSet { return runningSet{tasks: make(map[string]*runningTask)} }

// start records that the task of e (a status change to doing) started at
// e's time; a task already running keeps its start.
func (r *runningSet) start(e Event) {
	if _, ok := r.tasks[e.TaskID]; ok {
		return
	}
	r.tasks[e.TaskID] = &runningTask{id: e.TaskID, since: e.Time}
	r.order = append(r.order, e.TaskID)
}

// touch records output of an attempt: its task runs, with its agent.
func (r *runningSet) touch(e Event) {
	t, ok := r.tasks[e.TaskID]
	if !ok {
		r.start(e)
		t = r.tasks[e.TaskID]
	}
	if !slices.Contains(t.agents, e.AgentID) {
		t.agents = append(t.agents, e.AgentID)
	}
}

// finish forgets a task that ended.
func (r *runningSet) finish(id string) {
	if _, ok := r.tasks[id]; !ok {
		return
	}
	delete(r.tasks, id)
	r.order = slices.DeleteFunc(r.order, func(s string) bool { return s == id })
}

func (r *runningSet) len() int { return len(r.tasks) }

// describe is "T3 claude#1 12s" for one running task (its agents joined
// with "+", its elapsed time when known).
func (t *runningTask) describe(now time.Time) string {
	parts := []string{t.id}
	if len(t.agents) > 0 {
		parts = append(parts, strings.Join(t.agents, "+"))
	}
	if !t.since.IsZero() {
		parts = append(parts, fmtElapsed(now.Sub(t.since)))
	}
	return strings.Join(parts, " ")
}

// progress is the live line: "looper: 5/12 done, 1m3s: T3 claude#1 12s,
// T5 codex#1 3s, +2" — the counts, then as many running tasks as fit in
// width columns, then how many more are running. "stopping, " follows the
// colon once the run was cancelled.
func (t *tally) progress(now time.Time, elapsed time.Duration, stopping bool, width int) string {
	if width <= 0 {
		width = defaultWidth
	}
	done, running := len(t.outcome), t.running.len()
	state := ""
	if stopping {
		state = "stopping, "
	}
	head := fmt.Sprintf("looper: %s%d done, %s", state, done, fmtElapsed(elapsed))
	if total := max(t.total, done+running); total > 0 {
		head = fmt.Sprintf("looper: %s%d/%d done, %s", state, done, total, fmtElapsed(elapsed))
	}
	if running == 0 {
		return head
	}
	// Leave one column free: a line that fills the terminal exactly wraps
	// on some terminals, and the line is redrawn in place.
	limit := width - 1
	line := head + ":"
	for i, id := range t.running.order {
		item := " " + t.running.tasks[id].describe(now)
		if i > 0 {
			item = "," + item
		}
		rest := running - i - 1
		more := ""
		if rest > 0 {
			more = fmt.Sprintf(", +%d", rest)
		}
		if utf8.RuneCountInString(line+item+more) > limit {
			if i == 0 {
				return fmt.Sprintf("%s, %d running", head, running)
			}
			return line + fmt.Sprintf(", +%d", running-i)
		}
		line += item
	}
	return line
}
