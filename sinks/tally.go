package sinks

import (
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"time"
)

// Outcome categories of the final summary line.
const (
	outcomeDone    = "done"
	outcomeBlocked = "blocked"
	outcomeFailed  = "failed"
)

// tally counts what a run has started and finished, for the progress line
// and the summary line every mode ends with.
type tally struct {
	outcome map[string]string // task id → category of its last outcome
	running map[string]bool   // tasks started and not yet finished
	total   int               // tasks the run expects, from Options or KindInfo
}

func newTally(total int) tally {
	return tally{outcome: make(map[string]string), running: make(map[string]bool), total: total}
}

// outcomeCategory says how a KindOutcome event counts: by its Status when
// that is done, blocked or failed; as failed when another status comes at
// error level; otherwise under its own status name (an interrupted task put
// back reports "todo"), or "unfinished" without one.
func outcomeCategory(e Event) string {
	switch e.Status {
	case outcomeDone, outcomeBlocked, outcomeFailed:
		return e.Status
	}
	if e.Level >= slog.LevelError {
		return outcomeFailed
	}
	if e.Status == "" {
		return "unfinished"
	}
	return e.Status
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
	case e.Kind == KindInfo && e.Total > 0:
		t.total = e.Total
	case e.Kind == KindOutcome:
		t.outcome[e.TaskID] = outcomeCategory(e)
		delete(t.running, e.TaskID)
	case e.Kind == KindStatus && e.TaskID != "":
		if e.Status == "doing" {
			t.running[e.TaskID] = true
			delete(t.outcome, e.TaskID) // a retry: it has not finished again yet
		} else {
			delete(t.running, e.TaskID)
		}
	case attemptOutput(e):
		if _, finished := t.outcome[e.TaskID]; !finished {
			t.running[e.TaskID] = true
		}
	}
}

// counts returns the number of tasks per outcome category.
func (t *tally) counts() map[string]int {
	n := make(map[string]int)
	for _, c := range t.outcome {
		n[c]++
	}
	return n
}

// line is the summary line every mode ends with:
// "looper: 9 done, 2 blocked, 1 failed in 3m12s". Categories other than the
// three follow them in name order; "interrupted: " marks a cancelled run.
func (t *tally) line(wall time.Duration, interrupted bool) string {
	n := t.counts()
	parts := []string{
		fmt.Sprintf("%d done", n[outcomeDone]),
		fmt.Sprintf("%d blocked", n[outcomeBlocked]),
		fmt.Sprintf("%d failed", n[outcomeFailed]),
	}
	var other []string
	for c := range n {
		if c != outcomeDone && c != outcomeBlocked && c != outcomeFailed {
			other = append(other, c)
		}
	}
	sort.Strings(other)
	for _, c := range other {
		parts = append(parts, fmt.Sprintf("%d %s", n[c], c))
	}
	state := ""
	if interrupted {
		state = "interrupted: "
	}
	return "looper: " + state + strings.Join(parts, ", ") + " in " + fmtElapsed(wall)
}

// progress is the live line: "looper: 2 running, 5/12 done, 1m3s", with
// "stopping, " after the colon once the run was cancelled.
func (t *tally) progress(elapsed time.Duration, stopping bool) string {
	done, running := len(t.outcome), len(t.running)
	state := ""
	if stopping {
		state = "stopping, "
	}
	if total := max(t.total, done+running); total > 0 {
		return fmt.Sprintf("looper: %s%d running, %d/%d done, %s", state, running, done, total, fmtElapsed(elapsed))
	}
	return fmt.Sprintf("looper: %s%d running, %d done, %s", state, running, done, fmtElapsed(elapsed))
}

// fmtElapsed shows wall time in whole seconds ("3m12s", "0s").
func fmtElapsed(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	return d.Truncate(time.Second).String()
}
