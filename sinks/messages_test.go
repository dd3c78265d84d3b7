package sinks

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/looper-go/looper/internal/golden"
)

// TestMessagesGolden pins the wording of the lines issue 19 found odd, as
// multiplexed mode prints them: a task picked up as an earlier run left it
// ("doing → doing"), attempts that ended blocked, failed or were stopped
// ("attempt ok, reported blocked"), a failed task (blocked in the
// backlog, never "failed"), a task that did not run because a dependency
// is blocked, and the result line that counts statuses and failed attempts
// apart.
func TestMessagesGolden(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2025, 1, 2, 10, 0, 0, 0, time.UTC)
	events := []Event{
		{Kind: KindStart, Stage: "run", Total: 4, Message: ".looper/todo.json: 4 task(s) to do, sequential"},
		{Kind: KindStatus, TaskID: "T4", PrevStatus: "doing", Status: "doing", Title: "In progress"},
		{Kind: KindAttempt, TaskID: "T4", AgentID: "claude#1", Class: "ok", Status: "done", Message: "Finished it."},
		{Kind: KindAttempt, TaskID: "T1", AgentID: "claude#1", Class: "ok", Status: "blocked", Message: "claude#1: verification \"test -f ok.txt\" failed with exit code 1"},
		{Kind: KindAttempt, TaskID: "T1", AgentID: "claude#2", Class: "ok", Status: "skipped", Message: "Nothing to do."},
		{Kind: KindAttempt, TaskID: "T2", AgentID: "claude#1", Class: "timeout", Status: "blocked", Message: "claude#1: no result within 30m0s (timeout)"},
		{Kind: KindAttempt, TaskID: "T3", AgentID: "codex#1", Class: "killed", Status: "blocked", Message: "stopped by looper"},
		{Kind: KindOutcome, TaskID: "T2", Status: "failed", Title: "Call the API", Blockers: []string{"claude#1: no result within 30m0s (timeout)"}},
		{Kind: KindOutcome, TaskID: "T1", Status: "blocked", Title: "Check the file"},
		{Kind: KindOutcome, TaskID: "T3", Status: "todo", Title: "Interrupted", Message: "interrupted, put back"},
		{Kind: KindWaiting, Level: slog.LevelWarn, TaskID: "T6", Title: "Deploy", Message: "waits on T5, which waits on T2: blocked: claude#1: no result within 30m0s (timeout)"},
	}
	for i := range events {
		events[i].Time = t0.Add(time.Duration(i) * time.Second)
	}
	for _, mode := range Names() {
		var out bytes.Buffer
		s, err := New(mode, fixedOptions(Options{Out: &out, TempDir: t.TempDir()}))
		if err != nil {
			t.Fatal(err)
		}
		if err := runSink(t.Context(), t, s, events); err != nil {
			t.Fatal(err)
		}
		golden.Check(t, "messages-"+mode+".golden", out.Bytes())
	}
}

// TestBufferedStatusAfterBlock checks that buffered mode prints a task's
// final status change after the block of its output, not before it.
func TestBufferedStatusAfterBlock(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	s, err := New(ModeBuffered, fixedOptions(Options{Out: &out, TempDir: t.TempDir()}))
	if err != nil {
		t.Fatal(err)
	}
	if err := runSink(t.Context(), t, s, []Event{
		{Kind: KindStatus, TaskID: "T1", PrevStatus: "todo", Status: "doing", Title: "First"},
		{Kind: KindText, TaskID: "T1", AgentID: "claude#1", Attempt: 1, Message: "working"},
		{Kind: KindDecision, TaskID: "T1", Status: "done", Votes: "1/1 done"},
		{Kind: KindStatus, TaskID: "T1", PrevStatus: "doing", Status: "done", Title: "First"},
		{Kind: KindOutcome, TaskID: "T1", Status: "done", Title: "First"},
	}); err != nil {
		t.Fatal(err)
	}
	want := "INF [T1] todo → doing: First\nINF [T1/claude#1] working\nINF [T1] decided done: 1/1 done\nINF [T1] doing → done: First\nINF [T1] done: First\n"
	if got := out.String(); !strings.HasPrefix(got, want) {
		t.Errorf("buffered output =\n%s\nwant it to start with\n%s", got, want)
	}
}

// TestCommandShownOnceAndShort checks that an agent's command line is
// shown whole when it fits, else with the program's base name and cut to
// maxCommand columns, and that its exit line does not repeat it.
func TestCommandShownOnceAndShort(t *testing.T) {
	t.Parallel()
	long := []string{"/tmp/go-build123456789/b001/exe/looper", "fake-agent", "claude", "-p", "--output-format", "stream-json", "--verbose", "--dangerously-skip-permissions"}
	var out bytes.Buffer
	f := newFormatter(&out, textStyle{level: slog.LevelInfo})
	f.event(Event{Kind: KindCommand, TaskID: "T1", AgentID: "fake#1", Command: []string{"claude", "-p"}, Message: "started fake (pid 7)"})
	f.event(Event{Kind: KindCommand, TaskID: "T1", AgentID: "fake#1", Command: long, Message: "started fake (pid 8)"})
	f.event(Event{Kind: KindCommand, TaskID: "T1", AgentID: "fake#1", Message: "fake exited with status 0: ok"})
	want := "INF [T1/fake#1] $ claude -p (started fake (pid 7))\n" +
		"INF [T1/fake#1] $ looper fake-agent claude -p --output-format stream-json --verbose --dan… (started fake (pid 8))\n" +
		"INF [T1/fake#1] fake exited with status 0: ok\n"
	if got := out.String(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}
