package stages

import (
	"bytes"
	"context"
	"errors"
	"os/exec"
	"sync"
	"syscall"
	"time"
)

// commandResult is what one helper command (hook, verify) did.
type commandResult struct {
	ExitCode int
	TimedOut bool
	Output   string // the tail of stdout and stderr combined
	Duration time.Duration
	Err      error // it could not start
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - t.max; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(bytes.ToValidUTF8(t.buf, []byte("?")))
}

// runCommand runs argv in dir, in its own process group, with a timeout.
// On timeout or cancellation the whole group gets SIGTERM, the leader
// SIGKILL after a grace period, and the group SIGKILL when the leader is
// gone, so no helper process outlives it.
func runCommand(ctx context.Context, dir string, argv []string, env []string, timeout time.Duration) commandResult {
	start := time.Now()
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	out := &tailBuffer{max: 4096}
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Env = env
	cmd.Stdout = out
	cmd.Stderr = out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	// Cancel asks the whole group to stop; if the leader has not exited
	// after the grace period, exec kills it (WaitDelay), and the group kill
	// after Run takes down whatever it left behind.
	cmd.Cancel = func() error {
		return syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
	}
	cmd.WaitDelay = 2 * time.Second
	err := cmd.Run()
	r := commandResult{Output: out.String(), Duration: time.Since(start)}
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit):
		r.ExitCode = exit.ExitCode()
		if ctx.Err() != nil {
			r.TimedOut = true
			r.ExitCode = -1
		}
	case ctx.Err() != nil:
		r.TimedOut = true
		r.ExitCode = -1
	default:
		r.ExitCode = -1
		r.Err = err
	}
	if cmd.Process != nil {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) // stragglers in the group
	}
	return r
}
