package proc

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestMain(m *testing.M) {
	code := m.Run()
	if n := Running(); n != 0 && code == 0 {
		os.Stderr.WriteString(strconv.Itoa(n) + " process groups still registered after the tests\n")
		code = 1
	}
	os.Exit(code)
}

func sh(script string) []string { return []string{"/bin/sh", "-c", script} }

func TestRunExitAndOutput(t *testing.T) {
	t.Parallel()
	var out strings.Builder
	r := Run(t.Context(), Command{Name: "t", Argv: sh("echo out; echo err >&2; exit 3"), Output: &out})
	if r.Err != nil || r.Exit.Code != 3 || r.Exit.Stopped || r.TimedOut {
		t.Fatalf("result = %+v", r)
	}
	for _, want := range []string{"out\n", "err\n"} {
		if !strings.Contains(r.Tail, want) || !strings.Contains(out.String(), want) {
			t.Errorf("tail %q / output %q lack %q", r.Tail, out.String(), want)
		}
	}
	if r.Exit.String() != "exit status 3" {
		t.Errorf("Exit.String = %q", r.Exit.String())
	}
}

func TestRunStartError(t *testing.T) {
	t.Parallel()
	r := Run(t.Context(), Command{Argv: []string{"/nonexistent/looper-no-such-binary"}})
	if r.Err == nil || !errors.Is(r.Err, os.ErrNotExist) {
		t.Fatalf("Err = %v, want not exist", r.Err)
	}
	if r := Run(t.Context(), Command{}); r.Err == nil {
		t.Fatal("an empty command was not rejected")
	}
}

// TestRunTimeoutEscalates: a command that ignores SIGTERM is killed after
// the grace period, and its background child with it.
func TestRunTimeoutEscalates(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	pidFile := filepath.Join(dir, "child")
	script := `trap '' TERM; sleep 300 & echo $! > ` + pidFile + `; echo ready; while :; do sleep 1; done`
	r := Run(t.Context(), Command{Argv: sh(script), Timeout: 300 * time.Millisecond, Grace: 200 * time.Millisecond})
	if !r.TimedOut || !r.Exit.Stopped || r.Cancelled() != nil {
		t.Fatalf("result = %+v, want timed out", r)
	}
	if r.Exit.Signal.String() != "killed" {
		t.Errorf("leader ended by %v, want SIGKILL after ignoring SIGTERM", r.Exit.Signal)
	}
	assertGone(t, pidFile)
}

// TestRunSweepsLeftovers: a command that exits leaving a background
// process does not leave it running, and Run still reads all output.
func TestRunSweepsLeftovers(t *testing.T) {
	t.Parallel()
	pidFile := filepath.Join(t.TempDir(), "child")
	r := Run(t.Context(), Command{Argv: sh(`sleep 300 & echo $! > ` + pidFile + `; echo bye`)})
	if r.Err != nil || r.Exit.Code != 0 || r.Exit.Stopped || !strings.Contains(r.Tail, "bye") {
		t.Fatalf("result = %+v", r)
	}
	assertGone(t, pidFile)
}

// TestRunCancel: ctx's cause is what stopped the command.
func TestRunCancel(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancelCause(t.Context())
	why := errors.New("user interrupt")
	done := make(chan Result, 1)
	go func() { done <- Run(ctx, Command{Argv: sh("echo started; exec sleep 300")}) }()
	// No ordering is assumed: cancelling before or after the start both
	// must end with the cause.
	cancel(why)
	r := <-done
	if r.TimedOut {
		t.Fatalf("a cancel counted as timeout: %+v", r)
	}
	if r.Err == nil && !errors.Is(r.Cancelled(), why) {
		t.Fatalf("Cancelled = %v, want %v (%+v)", r.Cancelled(), why, r)
	}
}

// TestRunDaemonIsStopped: a setsid daemon escapes the group but carries
// the tag; the sweep stops it and says so (Linux only: /proc).
func TestRunDaemonIsStopped(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("finding processes by tag needs /proc")
	}
	if _, err := exec.LookPath("setsid"); err != nil {
		t.Skip("no setsid")
	}
	t.Parallel()
	pidFile := filepath.Join(t.TempDir(), "child")
	// The script waits until the daemon has its own session, so that the
	// group sweep cannot catch it still in the group.
	script := `setsid sleep 301 </dev/null >/dev/null 2>&1 & d=$!; echo $d > ` + pidFile + `
while [ "$(ps -o sid= -p $d | tr -d ' ')" != "$d" ]; do sleep 0.01; done`
	r := Run(t.Context(), Command{Name: "daemonizer", Argv: sh(script)})
	if r.Err != nil || r.Exit.Code != 0 {
		t.Fatalf("result = %+v", r)
	}
	assertGone(t, pidFile)
	if !strings.Contains(strings.Join(r.Warnings, "\n"), "daemonizer left 1 process(es) outside its process group") {
		t.Errorf("warnings = %q", r.Warnings)
	}
}

// TestRunEscapedPipeHolder: a process outside the group that holds the
// output open does not keep Run waiting; the pipe is given up with a
// warning (the tag sweep kills it first where it can).
func TestRunEscapedPipeHolder(t *testing.T) {
	if _, err := exec.LookPath("setsid"); err != nil {
		t.Skip("no setsid")
	}
	t.Parallel()
	r := Run(t.Context(), Command{Name: "holder", Argv: sh(`setsid sh -c 'echo held; exec sleep 302' & sleep 0.2; echo main`)})
	if r.Err != nil || r.Exit.Code != 0 || !strings.Contains(r.Tail, "main") {
		t.Fatalf("result = %+v", r)
	}
	if len(r.Warnings) == 0 {
		t.Errorf("no warning about the escaped process")
	}
}

// TestOutputErrorsDoNotBlock: a failing Output writer does not stop the
// reading, so a chatty command still finishes.
func TestOutputErrorsDoNotBlock(t *testing.T) {
	t.Parallel()
	r := Run(t.Context(), Command{Argv: sh(`i=0; while [ $i -lt 20000 ]; do echo line $i; i=$((i+1)); done`), Output: failWriter{}})
	if r.Err != nil || r.Exit.Code != 0 || !strings.Contains(r.Tail, "line 19999") {
		t.Fatalf("result = %+v", r)
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

// assertGone waits (generously, the machine may be loaded) for the pid
// written to pidFile to be gone.
func assertGone(t *testing.T, pidFile string) {
	t.Helper()
	b, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatalf("the command did not record its child: %v", err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for alive(pid) {
		if time.Now().After(deadline) {
			t.Fatalf("process %d still runs", pid)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestKillAllStopsRun is not parallel: KillAll hits every group of the
// process. A helper command deaf to SIGTERM, with an hour's grace, dies at
// once at the second Ctrl-C.
func TestKillAllStopsRun(t *testing.T) {
	ready := filepath.Join(t.TempDir(), "ready")
	done := make(chan Result, 1)
	go func() {
		done <- Run(context.Background(), Command{Argv: sh(`trap '' TERM; touch ` + ready + `; while :; do sleep 1; done`), Grace: time.Hour})
	}()
	deadline := time.Now().Add(60 * time.Second)
	for {
		// Started and registered: the script may run before Start has
		// registered its group.
		if _, err := os.Stat(ready); err == nil && Running() > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the command did not start within 60s")
		}
		time.Sleep(10 * time.Millisecond)
	}
	KillAll()
	r := <-done
	if !r.Exit.KilledAll || r.Exit.Signal.String() != "killed" {
		t.Fatalf("exit = %+v, want killed by KillAll", r.Exit)
	}
}
