package todo

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// holdLockEnv makes the test binary, re-executed by TestLockHeldByAnotherProcess,
// take the lock on the named backlog, say so on stdout and hold it until
// stdin closes or it is killed.
const holdLockEnv = "LOOPER_TODO_TEST_HOLD_LOCK"

func TestMain(m *testing.M) {
	if path := os.Getenv(holdLockEnv); path != "" {
		l, err := AcquireLock(path)
		if err != nil {
			fmt.Println("error:", err)
			os.Exit(1)
		}
		fmt.Println("locked")
		bufio.NewReader(os.Stdin).ReadString('\n') // until the parent closes stdin
		l.Release()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// startHolder runs a copy of the test binary that holds the lock.
func startHolder(t *testing.T, backlog string) (*exec.Cmd, func()) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), holdLockEnv+"="+backlog)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || line != "locked\n" {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("holder said %q, %v", line, err)
	}
	return cmd, func() { stdin.Close() }
}

func TestLockHeldByAnotherProcess(t *testing.T) {
	t.Parallel()
	backlog := filepath.Join(t.TempDir(), "todo.json")
	holder, _ := startHolder(t, backlog)

	_, err := AcquireLock(backlog)
	var le *LockedError
	if !errors.As(err, &le) {
		holder.Process.Kill()
		holder.Wait()
		t.Fatalf("AcquireLock while held = %v, want *LockedError", err)
	}
	if le.PID != holder.Process.Pid {
		t.Errorf("LockedError.PID = %d, want the holder's %d", le.PID, holder.Process.Pid)
	}
	msg := err.Error()
	for _, want := range []string{backlog, fmt.Sprintf("pid %d", holder.Process.Pid), fmt.Sprintf("kill %d", holder.Process.Pid)} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q does not contain %q", msg, want)
		}
	}

	// A holder that dies, however it dies, frees the lock.
	holder.Process.Kill()
	holder.Wait()
	l, err := AcquireLock(backlog)
	if err != nil {
		t.Fatalf("lock of a dead process not free: %v", err)
	}
	defer l.Release()
	data, _ := os.ReadFile(LockPath(backlog))
	if got := strings.TrimSpace(string(data)); got != fmt.Sprint(os.Getpid()) {
		t.Errorf("lock file holds %q, want our pid %d", got, os.Getpid())
	}
}

func TestLockReleasedByHolder(t *testing.T) {
	t.Parallel()
	backlog := filepath.Join(t.TempDir(), "todo.json")
	holder, release := startHolder(t, backlog)
	release()
	if err := holder.Wait(); err != nil {
		t.Fatalf("holder: %v", err)
	}
	l, err := AcquireLock(backlog)
	if err != nil {
		t.Fatalf("lock not free after Release: %v", err)
	}
	l.Release()
}

// TestLockInProcess is not parallel: while another test forks a holder,
// the child briefly shares every open file description (until its exec
// closes them), including the one this test releases and re-takes.
func TestLockInProcess(t *testing.T) {
	backlog := filepath.Join(t.TempDir(), "todo.json")
	l, err := AcquireLock(backlog)
	if err != nil {
		t.Fatal(err)
	}
	if l.Path() != backlog+".lock" {
		t.Errorf("Path() = %q", l.Path())
	}
	if _, err := AcquireLock(backlog); !errors.As(err, new(*LockedError)) {
		t.Errorf("second lock in the same process = %v, want *LockedError", err)
	}
	if err := l.Release(); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(LockPath(backlog)); len(data) != 0 {
		t.Errorf("released lock file still holds %q", data)
	}
	// Without a pid in the file the message still says what to do.
	le := &LockedError{Backlog: backlog, Path: LockPath(backlog)}
	if !strings.Contains(le.Error(), "another process") || !strings.Contains(le.Error(), LockPath(backlog)) {
		t.Errorf("message without pid: %q", le.Error())
	}
	l2, err := AcquireLock(backlog)
	if err != nil {
		t.Fatalf("relock: %v", err)
	}
	l2.Release()
	defer func() {
		if recover() == nil {
			t.Error("double Release did not panic")
		}
	}()
	l2.Release()
}

func TestLockUnwritableDir(t *testing.T) {
	t.Parallel()
	if _, err := AcquireLock(filepath.Join(t.TempDir(), "missing", "todo.json")); err == nil || !strings.Contains(err.Error(), "locking") {
		t.Errorf("AcquireLock in a missing dir = %v", err)
	}
}

// TestLockThroughSymlink locks one backlog by its name and through a
// symbolic link to it: both names share one lock, so two loopers can never
// work on one file.
func TestLockThroughSymlink(t *testing.T) {
	dir := t.TempDir()
	backlog := filepath.Join(dir, "todo.json")
	if err := os.WriteFile(backlog, []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	alias := filepath.Join(dir, "alias.json")
	if err := os.Symlink("todo.json", alias); err != nil {
		t.Fatal(err)
	}
	l, err := AcquireLock(backlog)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := AcquireLock(alias); !errors.As(err, new(*LockedError)) {
		t.Errorf("lock through a symlink while the target is locked = %v, want *LockedError", err)
	}
	l.Release()
	l, err = AcquireLock(alias)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Release()
	if l.Path() != LockPath(backlog) {
		t.Errorf("lock through a symlink is %s, want the target's %s", l.Path(), LockPath(backlog))
	}
	if _, err := AcquireLock(backlog); !errors.As(err, new(*LockedError)) {
		t.Errorf("lock of the target while locked through a symlink = %v, want *LockedError", err)
	}
}
