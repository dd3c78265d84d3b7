package sinks

import (
	"testing"
	"time"
)

// TestProgressNamesWhatFits checks that the progress line names running
// tasks in the order they started, with agents and elapsed time, as many
// as fit the width, then "+N" for the rest; and only the counts when not
// even one fits.
func TestProgressNamesWhatFits(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2025, 1, 2, 10, 0, 0, 0, time.UTC)
	tl := newTally(12)
	for i, id := range []string{"T3", "T5", "T8", "T10"} {
		tl.observe(Event{Kind: KindStatus, TaskID: id, Status: "doing", Time: t0.Add(time.Duration(i) * time.Second)})
		tl.observe(Event{Kind: KindText, TaskID: id, AgentID: "claude#1", Message: "x"})
	}
	tl.observe(Event{Kind: KindText, TaskID: "T3", AgentID: "codex#2", Message: "x"})
	now := t0.Add(75 * time.Second)
	for _, c := range []struct {
		width int
		want  string
	}{
		{200, "looper: 0/12 done, 1m15s: T3 claude#1+codex#2 1m15s, T5 claude#1 1m14s, T8 claude#1 1m13s, T10 claude#1 1m12s"},
		{80, "looper: 0/12 done, 1m15s: T3 claude#1+codex#2 1m15s, T5 claude#1 1m14s, +2"},
		{40, "looper: 0/12 done, 1m15s, 4 running"},
		{0, "looper: 0/12 done, 1m15s: T3 claude#1+codex#2 1m15s, T5 claude#1 1m14s, +2"}, // 80 columns
	} {
		got := tl.progress(now, 75*time.Second, false, c.width)
		if got != c.want {
			t.Errorf("width %d:\n got %q\nwant %q", c.width, got, c.want)
		}
		if w := c.width; w > 0 && len(got) >= w {
			t.Errorf("width %d: the line takes %d columns", w, len(got))
		}
	}
	tl.observe(Event{Kind: KindOutcome, TaskID: "T3", Status: "done"})
	if got, want := tl.progress(now, 75*time.Second, true, 80), "looper: stopping, 1/12 done, 1m15s: T5 claude#1 1m14s, T8 claude#1 1m13s, +1"; got != want {
		t.Errorf("after T3 finished:\n got %q\nwant %q", got, want)
	}
}

// TestResultLineInBacklogWords checks the result line's vocabulary: a
// failed task counts as blocked (as the backlog has it), failed attempts
// are counted apart, tasks put back are "back to todo", tasks held by a
// blocked dependency are "not run"; a run that never started has none.
func TestResultLineInBacklogWords(t *testing.T) {
	t.Parallel()
	tl := newTally(0)
	if tl.shown() {
		t.Error("a run refused before it started would print a result line")
	}
	for _, e := range []Event{
		{Kind: KindStart, Total: 5},
		{Kind: KindAttempt, TaskID: "T1", AgentID: "claude#1", Class: "crashed"},
		{Kind: KindAttempt, TaskID: "T1", AgentID: "claude#1", Class: "timeout"},
		{Kind: KindOutcome, TaskID: "T1", Status: "failed"},
		{Kind: KindAttempt, TaskID: "T2", AgentID: "claude#1", Class: "ok", Status: "blocked"},
		{Kind: KindOutcome, TaskID: "T2", Status: "blocked"},
		{Kind: KindAttempt, TaskID: "T3", AgentID: "claude#1", Class: "killed"},
		{Kind: KindOutcome, TaskID: "T3", Status: "todo"},
		{Kind: KindWaiting, TaskID: "T4", Message: "T4 waits on T1: blocked"},
		{Kind: KindWaiting, TaskID: "T5", Message: "T5 waits on T4, which waits on T1: blocked"},
	} {
		tl.observe(e)
	}
	if !tl.shown() {
		t.Error("a started run has no result line")
	}
	want := "looper: 0 done, 2 blocked, 1 back to todo, 2 not run (a dependency is blocked) in 3s; 2 failed attempts"
	if got := tl.line(3*time.Second, false); got != want {
		t.Errorf("result line:\n got %q\nwant %q", got, want)
	}
}
