package sinks

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// t0 is when the scripted run starts.
var t0 = time.Date(2025, 1, 2, 10, 0, 0, 0, time.UTC)

func at(sec float64) time.Time { return t0.Add(time.Duration(sec * float64(time.Second))) }

// scriptEnd is when the scripted run ends, for the wall time.
var scriptEnd = at(700)

// script is a fixed parallel run: T2 and T10 in parallel (T10 with two
// voting agents), then T3 which times out, T4 which never finishes, and a
// review. It has every kind of event, control characters, a multi-line
// message and debug-only events.
func script() []Event {
	return []Event{
		{Time: at(0), Kind: KindInfo, Message: "run started: 4 tasks, 2 at a time", Total: 4},
		{Time: at(0.1), Kind: KindStatus, TaskID: "T2", Iteration: 1, Title: "Add login page", PrevStatus: "todo", Status: "doing"},
		{Time: at(0.1), Kind: KindStatus, TaskID: "T10", Iteration: 2, Title: "Fix flaky test", PrevStatus: "todo", Status: "doing"},
		{Time: at(0.5), Kind: KindCommand, TaskID: "T2", AgentID: "claude#1", Attempt: 1, Iteration: 1, Command: []string{"claude", "-p", "--output-format", "stream-json", "--model", "opus 4"}},
		{Time: at(1), Kind: KindText, TaskID: "T2", AgentID: "claude#1", Attempt: 1, Iteration: 1, Message: "I'll start by reading the router.\r\nThen I add the page.\n"},
		{Time: at(1.2), Kind: KindText, TaskID: "T10", AgentID: "codex#1", Attempt: 1, Iteration: 2, Message: "Looking at the test."},
		{Time: at(1.3), Kind: KindRaw, TaskID: "T10", AgentID: "codex#1", Attempt: 1, Iteration: 2, Raw: `{"type":"item.completed","item":{"type":"agent_message"}}`},
		{Time: at(1.5), Kind: KindTool, TaskID: "T2", AgentID: "claude#1", Attempt: 1, Iteration: 1, Tool: "Read", Message: "internal/web/router.go"},
		{Time: at(2), Kind: KindTool, TaskID: "T10", AgentID: "codex#2", Attempt: 1, Iteration: 2, Tool: "Bash", Message: "go test -race ./cache/..."},
		{Time: at(9), Kind: KindToolResult, TaskID: "T10", AgentID: "codex#2", Attempt: 1, Iteration: 2, Tool: "Bash", Message: "--- FAIL: TestCache (0.01s)\nFAIL"},
		{Time: at(9.5), Kind: KindReasoning, TaskID: "T10", AgentID: "codex#2", Attempt: 1, Iteration: 2, Message: "The race is in the cache eviction."},
		{Time: at(10), Kind: KindText, TaskID: "T10", AgentID: "codex#2", Attempt: 1, Iteration: 2, Message: "Found it: a data race in cache.go."},
		{Time: at(11), Kind: KindStderr, TaskID: "T2", AgentID: "claude#1", Attempt: 1, Iteration: 1, Level: slog.LevelWarn, Message: "warning: \x1b[31mdeprecated\x1b[0m flag"},
		{Time: at(42), Kind: KindAttempt, TaskID: "T10", AgentID: "codex#1", Attempt: 1, Iteration: 2, Class: "ok", Status: "done", Duration: 42 * time.Second, Usage: &Usage{InputTokens: 12000, OutputTokens: 3400, CostUSD: 0.0123, CostEstimated: true}},
		{Time: at(50), Kind: KindAttempt, TaskID: "T10", AgentID: "codex#2", Attempt: 1, Iteration: 2, Class: "ok", Status: "done", Duration: 50 * time.Second, Usage: &Usage{InputTokens: 15000, OutputTokens: 4000, CostUSD: 0.02, CostEstimated: true}},
		{Time: at(51), Kind: KindDecision, TaskID: "T10", Iteration: 2, Status: "done", Votes: "2/2 verified", Winner: "codex#2", Message: "+41 -3 lines"},
		{Time: at(52), Kind: KindCommand, TaskID: "T10", Iteration: 2, Stage: "merge", Command: []string{"git", "merge", "--no-ff", "looper/T10-codex_2-a1"}, Duration: 300 * time.Millisecond},
		{Time: at(55), Kind: KindOutcome, TaskID: "T10", Iteration: 2, Title: "Fix flaky test", Status: "done", Duration: 55 * time.Second},
		{Time: at(60), Kind: KindSummary, TaskID: "T2", AgentID: "claude#1", Attempt: 1, Iteration: 1, Summary: []byte(`{"task_id":"T2","status":"blocked","summary":"Needs the design first.","blockers":["no mockup"]}`)},
		{Time: at(70), Kind: KindAttempt, TaskID: "T2", AgentID: "claude#1", Attempt: 1, Iteration: 1, Class: "ok", Status: "blocked", Duration: 70 * time.Second, Usage: &Usage{InputTokens: 2000000, OutputTokens: 500, CostUSD: 1.5}},
		{Time: at(71), Kind: KindWarning, TaskID: "T2", Iteration: 1, Message: "no agent reported done"},
		{Time: at(72), Kind: KindOutcome, TaskID: "T2", Iteration: 1, Title: "Add login page", Status: "blocked", Blockers: []string{"no mockup"}, Duration: 72 * time.Second},
		{Time: at(72.5), Kind: KindStatus, TaskID: "T3", Iteration: 3, Title: "Write the docs", PrevStatus: "todo", Status: "doing"},
		{Time: at(73), Kind: KindStatus, TaskID: "T4", Iteration: 4, Title: "Ship it", PrevStatus: "todo", Status: "doing"},
		{Time: at(74), Kind: KindText, TaskID: "T3", AgentID: "claude#1", Attempt: 1, Iteration: 3, Message: "Writing README.md."},
		{Time: at(75), Kind: KindText, TaskID: "T4", AgentID: "claude#1", Attempt: 1, Iteration: 4, Message: "Tagging the release."},
		{Time: at(674), Kind: KindAttempt, TaskID: "T3", AgentID: "claude#1", Attempt: 1, Iteration: 3, Level: slog.LevelWarn, Class: "idle-timeout", Message: "no output for 10m0s", Duration: 600 * time.Second, Usage: &Usage{InputTokens: 100, CostUSD: 0.001}},
		{Time: at(675), Kind: KindOutcome, TaskID: "T3", Iteration: 3, Level: slog.LevelError, Title: "Write the docs", Status: "failed", Duration: 602 * time.Second},
		{Time: at(680), Kind: KindAttempt, AgentID: "claude#1", Stage: "review", Class: "ok", Duration: 19 * time.Second, Usage: &Usage{InputTokens: 3000, OutputTokens: 200, CostUSD: 0.05}},
		{Time: at(681), Kind: KindError, Message: "review: cannot add tasks: backlog locked", Path: "/p/.looper/todo.json"},
		{Time: at(690), Kind: KindInfo, Message: "stopping: max iterations reached"},
	}
}

// runSink feeds events to s from one goroutine and returns Run's error.
func runSink(ctx context.Context, t testing.TB, s Sink, events []Event) error {
	t.Helper()
	ch := make(chan Event)
	var err error
	var wg sync.WaitGroup
	wg.Go(func() { err = s.Run(ctx, ch) })
	for _, e := range events {
		ch <- e
	}
	close(ch)
	wg.Wait()
	return err
}

// fixedOptions are options with the script's start and end times.
func fixedOptions(o Options) Options {
	o.Start = t0
	o.Now = func() time.Time { return scriptEnd }
	return o
}
