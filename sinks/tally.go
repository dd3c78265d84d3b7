package sinks

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// Task statuses the result line counts, in the backlog's words.
const (
	outcomeDone    = "done"
	outcomeBlocked = "blocked"
	outcomeTodo    = "todo"
	// outcomeFailed is the Status of an outcome event for a task that ended
	// because something failed (stages.OutcomeFailed): the task is blocked
	// in the backlog, and counts as blocked.
	outcomeFailed = "failed"
)

// tally counts what a run has started and finished, for the progress line
// and the result line every mode ends with. It counts tasks by the status
// the backlog gives them after the run, and failed attempts apart, so that
// the result line never disagrees with `looper ls`.
type tally struct {
	outcome map[string]string // task id → its status after its last outcome
	waiting map[string]bool   // tasks that did not run: a dependency is blocked
	running runningSet        // tasks started and not yet finished
	failed  int               // attempts that failed (crash, timeout, no summary, ...)
	started bool              // the run got past its checks (KindStart)
	total   int               // tasks the run expects, from Options or KindStart/KindInfo
}

func newTally(total int) tally {
	return tally{outcome: make(map[string]string), waiting: make(map[string]bool), running: newRunningSet(), total: total}
}

// outcomeCategory is the backlog status a KindOutcome event leaves its task
// in: its Status, except that a failed task is blocked in the backlog;
// "unfinished" when the event has no status.
func outcomeCategory(e Event) string {
	switch {
	case e.Status == outcomeFailed:
		return outcomeBlocked
	case e.Status == "":
		return "unfinished"
	}
	return e.Status
}

// failedAttempt reports whether e is an attempt that failed: its agent
// crashed, hung, timed out, returned no summary and the like. An attempt
// looper stopped (Ctrl-C, fail_fast) did not fail.
func failedAttempt(e Event) bool {
	return e.Kind == KindAttempt && e.Class != "" && e.Class != "ok" && e.Class != "killed"
}

// attemptOutput reports whether e is output of a running attempt.
func attemptOutput(e Event) bool {
	if e.TaskID == "" || e.AgentID == "" {
		return false
	}
	switch e.Kind {
	case KindText, KindReasoning, KindTool, KindToolResult, KindCommand, KindStderr, KindRaw:
		return true
	}
	return false
}

func (t *tally) observe(e Event) {
	switch {
	case e.Kind == KindStart:
		t.started = true
		if e.Total > 0 {
			t.total = e.Total
		}
	case e.Kind == KindInfo && e.Total > 0:
		t.total = e.Total
	case e.Kind == KindWaiting:
		t.waiting[e.TaskID] = true
	case e.Kind == KindOutcome:
		t.outcome[e.TaskID] = outcomeCategory(e)
		t.running.finish(e.TaskID)
	case e.Kind == KindStatus && e.TaskID != "":
		if e.Status == "doing" {
			t.running.start(e)
			delete(t.outcome, e.TaskID) // a retry: it has not finished again yet
		} else {
			t.running.finish(e.TaskID)
		}
	case failedAttempt(e):
		t.failed++
	case attemptOutput(e):
		if _, finished := t.outcome[e.TaskID]; !finished {
			t.running.touch(e)
		}
	}
}

// counts returns the number of tasks per status after their last outcome.
func (t *tally) counts() map[string]int {
	n := make(map[string]int)
	for _, c := range t.outcome {
		n[c]++
	}
	return n
}

// shown reports whether the run has anything to sum up: it started, or a
// task finished before it was stopped.
func (t *tally) shown() bool { return t.started || len(t.outcome) > 0 }

// line is the result line every mode ends with, in the backlog's words:
// "looper: 9 done, 2 blocked, 1 back to todo, 3 not run (a dependency is
// blocked) in 3m12s; 2 failed attempts". Done and blocked are always
// there; other statuses follow in name order when some task has them;
// "interrupted: " marks a cancelled run.
func (t *tally) line(wall time.Duration, interrupted bool) string {
	n := t.counts()
	parts := []string{
		fmt.Sprintf("%d done", n[outcomeDone]),
		fmt.Sprintf("%d blocked", n[outcomeBlocked]),
	}
	if n[outcomeTodo] > 0 {
		parts = append(parts, fmt.Sprintf("%d back to todo", n[outcomeTodo]))
	}
	var other []string
	for c := range n {
		if c != outcomeDone && c != outcomeBlocked && c != outcomeTodo {
			other = append(other, c)
		}
	}
	sort.Strings(other)
	for _, c := range other {
		parts = append(parts, fmt.Sprintf("%d %s", n[c], c))
	}
	if w := len(t.waiting); w > 0 {
		parts = append(parts, fmt.Sprintf("%d not run (a dependency is blocked)", w))
	}
	state := ""
	if interrupted {
		state = "interrupted: "
	}
	line := "looper: " + state + strings.Join(parts, ", ") + " in " + fmtElapsed(wall)
	if t.failed > 0 {
		line += "; " + plural(t.failed, "failed attempt")
	}
	return line
}

// plural is "1 failed attempt" or "3 failed attempts".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// fmtElapsed shows wall time in whole seconds ("3m12s", "0s").
func fmtElapsed(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	return d.Truncate(time.Second).String()
}
