package watch

import (
	"errors"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/looper-go/looper/internal/golden"
	"github.com/looper-go/looper/sinks"
)

var t0 = time.Date(2025, 1, 2, 10, 0, 0, 0, time.UTC)

// running is a run in the middle: two tasks at work (one with two voting
// agents, one between attempts), a queue longer than the view shows, and
// more decisions than it shows.
func running() *sinks.RunStatus {
	st := &sinks.RunStatus{
		SchemaVersion: 1, RunID: "20250102-100000-42", State: sinks.StateRunning, Running: true,
		StartedAt: t0, Elapsed: 83 * time.Second,
		Counts: sinks.StatusCounts{Total: 20, Running: 2, Queued: 11, Done: 6, Blocked: 1},
		Tokens: 123456, CostUSD: 1.5,
		RunningTasks: []sinks.RunningTask{
			{TaskID: "T10", Title: "Fix flaky test", Elapsed: 40 * time.Second, Attempts: 2, Tokens: 34000, Agents: []sinks.RunningAttempt{
				{AgentID: "claude#1", Attempt: 1, Elapsed: 40 * time.Second, LastLine: "Reading cache.go to find the race; " + strings.Repeat("very long line ", 20)},
				{AgentID: "codex#2", Attempt: 1, Elapsed: 39 * time.Second, LastLine: "Bash go test -race ./cache/..."},
			}},
			{TaskID: "T11", Title: "Docs", Elapsed: 12 * time.Second, Attempts: 1},
		},
		Budget: "run budget: $8.00 of $10.00 (80%)",
	}
	for i := range 11 {
		st.Queue = append(st.Queue, sinks.QueuedTask{TaskID: "T" + string(rune('a'+i)), Title: "Queued", Ready: i%2 == 0})
	}
	for i := range 7 {
		st.RecentDecisions = append(st.RecentDecisions, sinks.Decision{Time: t0.Add(time.Duration(i) * time.Second), TaskID: "T" + string(rune('1'+i)), Status: "done", Votes: "1/1 done", Winner: "claude#1"})
	}
	return st
}

func TestRenderGolden(t *testing.T) {
	golden.Check(t, "running.golden", []byte(Render(running(), nil, 100, 40, time.UTC)+"\n"))
	golden.Check(t, "small.golden", []byte(Render(running(), nil, 40, 12, time.UTC)+"\n"))

	end := running()
	end.State, end.Running, end.Result = sinks.StateFinished, false, "looper: 19 done, 1 blocked in 10m0s"
	end.RunningTasks, end.Queue = nil, nil
	end.Counts.Running, end.Counts.Queued = 0, 0
	golden.Check(t, "finished.golden", []byte(Render(end, nil, 100, 40, time.UTC)+"\n"))

	golden.Check(t, "waiting.golden", []byte(Render(nil, errors.New("no run of this project yet"), 100, 40, time.UTC)+"\n"))
}

// TestRenderWidth: no line is wider than the terminal, however long the
// agent's last line.
func TestRenderWidth(t *testing.T) {
	for _, w := range []int{20, 33, 80, 100} {
		for _, l := range strings.Split(Render(running(), nil, w, 40, time.UTC), "\n") {
			if n := len([]rune(l)); n > w {
				t.Errorf("width %d: a line of %d: %q", w, n, l)
			}
		}
	}
}

// TestModel: the model loads at once, keeps loading on every tick, keeps
// the last status when a read fails, follows the window size and quits on
// q.
func TestModel(t *testing.T) {
	calls := 0
	var next *sinks.RunStatus
	var nextErr error
	m := newModel(Options{Interval: time.Second, Location: time.UTC, Load: func() (*sinks.RunStatus, error) {
		calls++
		return next, nextErr
	}})
	next = running()
	msg := m.Init()()
	model, cmd := m.Update(msg)
	if calls != 1 || cmd == nil || !strings.Contains(model.View(), "RUNNING (2)") {
		t.Fatalf("after the first load: calls %d, view\n%s", calls, model.View())
	}
	model, cmd = m.Update(tick{})
	next, nextErr = nil, errors.New("state file unreadable")
	model.Update(cmd())
	if calls != 2 || !strings.Contains(model.View(), "RUNNING (2)") {
		t.Errorf("a failed read replaced the view:\n%s", model.View())
	}
	model.Update(tea.WindowSizeMsg{Width: 30, Height: 6})
	if lines := strings.Split(model.View(), "\n"); len(lines) != 6 {
		t.Errorf("view of %d lines in a 6-line window", len(lines))
	}
	if _, cmd := model.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("q")}); cmd == nil || cmd() != tea.Quit() {
		t.Error("q does not quit")
	}
}
