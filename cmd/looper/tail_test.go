package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/looper-go/looper/sinks"
)

// runLooper runs the CLI in-process and returns its exit code and output.
func runLooper(ctx context.Context, args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = run(ctx, args, &out, &errb)
	return code, out.String(), errb.String()
}

// inProject makes a fresh project directory the working directory, with
// HOME pointing at a scratch directory, and returns the project root and
// a log base directory for --log-dir.
func inProject(t *testing.T) (root, logDir string) {
	t.Helper()
	base := t.TempDir()
	root = filepath.Join(base, "proj")
	logDir = filepath.Join(base, "logs")
	os.Mkdir(root, 0o755)
	t.Setenv("HOME", filepath.Join(base, "home"))
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(base, "home", ".config"))
	t.Setenv("LOOPER_LOG_DIR", "")
	t.Setenv("LOOPER_BASE_DIR", "")
	t.Setenv("NO_COLOR", "1")
	t.Chdir(root)
	return root, logDir
}

// writeRun writes a finished run log with the given events.
func writeRun(t *testing.T, logDir, root string, start time.Time, events ...sinks.Event) *sinks.RunLog {
	t.Helper()
	l, err := sinks.OpenRunLog(logDir, root, start)
	if err != nil {
		t.Fatal(err)
	}
	ch := make(chan sinks.Event, len(events))
	for _, e := range events {
		ch <- e
	}
	close(ch)
	if err := l.Sink().Run(t.Context(), ch); err != nil {
		t.Fatal(err)
	}
	return l
}

var day1 = time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)

func text(sec int, task, msg string) sinks.Event {
	return sinks.Event{Time: day1.Add(time.Duration(sec) * time.Second), Kind: sinks.KindText, TaskID: task, AgentID: "claude#1", Attempt: 1, Message: msg}
}

func TestTailCommand(t *testing.T) {
	t.Setenv("TZ", "UTC")
	root, logDir := inProject(t)
	if code, _, stderr := runLooper(t.Context(), "tail", "--log-dir", logDir); code != exitFailure || !strings.Contains(stderr, "no run logs in "+sinks.ProjectLogDir(logDir, root)) {
		t.Fatalf("tail without logs: %d %q", code, stderr)
	}
	old := writeRun(t, logDir, root, day1.Add(-time.Hour), text(0, "T1", "old run"))
	old.Close()
	past := time.Now().Add(-time.Hour)
	os.Chtimes(old.Path(), past, past)
	l := writeRun(t, logDir, root, day1,
		text(1, "T1", "first"),
		text(2, "T2", "second\nthird"),
		sinks.Event{Time: day1.Add(3 * time.Second), Kind: sinks.KindRaw, TaskID: "T2", AgentID: "claude#1", Raw: "{raw}"},
		text(4, "T1", "fourth"),
	)
	l.Close()

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-n", "2"}, "09:00:02 INF [T2/claude#1] third\n09:00:04 INF [T1/claude#1] fourth\n"},
		{[]string{"--lines=3", "--task", "T2"}, "09:00:02 INF [T2/claude#1] second\n09:00:02 INF [T2/claude#1] third\n"},
		{[]string{"-n", "2", "--log-level", "debug"}, "09:00:03 DBG [T2/claude#1] raw: {raw}\n09:00:04 INF [T1/claude#1] fourth\n"},
		{[]string{"-n", "0"}, ""},
		{nil, "09:00:01 INF [T1/claude#1] first\n09:00:02 INF [T2/claude#1] second\n09:00:02 INF [T2/claude#1] third\n09:00:04 INF [T1/claude#1] fourth\n"},
	} {
		code, stdout, stderr := runLooper(t.Context(), append([]string{"tail", "--log-dir", logDir}, tc.args...)...)
		if code != exitOK || stdout != tc.want {
			t.Errorf("tail %q: exit %d, stderr %q, stdout\n%s\nwant\n%s", tc.args, code, stderr, stdout, tc.want)
		}
	}
	if code, _, stderr := runLooper(t.Context(), "tail", "--log-dir", logDir, "--lines=-1"); code != exitUsage || !strings.Contains(stderr, "must be 0 or more") {
		t.Errorf("tail -n -1: %d %q", code, stderr)
	}
}

// TestTailFromSubdirectory checks that inside a git repository the
// project is the top level, so tail works from any subdirectory.
func TestTailFromSubdirectory(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git")
	}
	root, logDir := inProject(t)
	if out, err := exec.Command("git", "init", "-q", root).CombinedOutput(); err != nil {
		t.Fatalf("git init: %v %s", err, out)
	}
	root, _ = filepath.EvalSymlinks(root)
	writeRun(t, logDir, root, day1, text(1, "T1", "from the top")).Close()
	os.MkdirAll(filepath.Join(root, "a", "b"), 0o755)
	t.Chdir(filepath.Join(root, "a", "b"))
	if code, stdout, stderr := runLooper(t.Context(), "tail", "--log-dir", logDir); code != exitOK || !strings.Contains(stdout, "from the top") {
		t.Errorf("tail in a subdirectory: %d %q %q", code, stdout, stderr)
	}
}

// syncBuffer is a bytes.Buffer that a command and the test can share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// TestTailFollowCommand follows a live run for real: lines a running
// sink appends show up, and cancelling the context ends tail with exit 0.
func TestTailFollowCommand(t *testing.T) {
	root, logDir := inProject(t)
	l, err := sinks.OpenRunLog(logDir, root, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	events := make(chan sinks.Event)
	sinkDone := make(chan error)
	go func() { sinkDone <- l.Sink().Run(t.Context(), events) }()
	events <- text(1, "T1", "before")

	ctx, cancel := context.WithCancel(t.Context())
	var out, errb syncBuffer
	code := make(chan int)
	go func() { code <- run(ctx, []string{"tail", "-f", "--log-dir", logDir}, &out, &errb) }()
	waitFor := func(s string) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for !strings.Contains(out.String(), s) {
			if time.Now().After(deadline) {
				t.Fatalf("%q never shown; output %q, stderr %q", s, out.String(), errb.String())
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	waitFor("before")
	events <- text(2, "T1", "while following")
	events <- text(3, "T2", "and more")
	waitFor("and more")
	cancel()
	if c := <-code; c != exitOK {
		t.Errorf("tail -f exit %d, stderr %q", c, errb.String())
	}
	close(events)
	if err := <-sinkDone; err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(out.String(), "\n"); n != 3 {
		t.Errorf("%d lines shown, want 3:\n%s", n, out.String())
	}
}
