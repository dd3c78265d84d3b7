package worktree

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"time"
)

// setupTailBytes is how much of a failed setup command's output its error
// shows.
const setupTailBytes = 4 << 10

// runSetup runs argv in dir with the process environment plus env, in its own
// process group, for at most timeout. Its output goes to out (when not nil)
// and to a bounded tail that a failure's error quotes. When the command exits,
// times out or ctx is cancelled, whatever is left of its process group is
// killed, so setup leaves no process behind.
func runSetup(ctx context.Context, dir string, argv, env []string, timeout time.Duration, out io.Writer) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	setProcessGroup(cmd)
	cmd.Cancel = func() error { return killProcessGroup(cmd) }
	tl := newTail(setupTailBytes)
	var w io.Writer = tl
	if out != nil {
		w = io.MultiWriter(tl, out)
	}
	// The command writes into a pipe looper reads itself (rather than one
	// os/exec manages), so that when the command exits, whatever it left
	// running can be killed at once instead of holding the output open.
	pr, pw, err := os.Pipe()
	if err != nil {
		return fmt.Errorf("setup command %s: %w", strings.Join(quoteArgs(argv), " "), err)
	}
	cmd.Stdout, cmd.Stderr = pw, pw
	start := time.Now()
	err = cmd.Start()
	pw.Close()
	if err == nil {
		copied := make(chan struct{})
		go func() {
			defer close(copied)
			_, _ = io.Copy(w, pr)
		}()
		err = cmd.Wait()
		_ = killProcessGroup(cmd)
		select {
		case <-copied:
		case <-time.After(2 * time.Second):
			// A process that left the group still holds the pipe; stop reading.
			pr.Close()
			<-copied
		}
	}
	pr.Close()
	if err == nil {
		return nil
	}
	elapsed := time.Since(start).Round(time.Millisecond)
	var why, fix string
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		why = fmt.Sprintf("timed out after %s", timeout)
		fix = "make the setup command faster or raise its timeout"
	case ctx.Err() != nil:
		why = "cancelled: " + context.Cause(ctx).Error()
		fix = "none needed if the run was interrupted on purpose"
	case errors.Is(err, exec.ErrNotFound):
		why = err.Error()
		fix = "install the program or correct the setup command (it is run directly, not through a shell; use [\"sh\", \"-c\", \"...\"] for shell syntax)"
	default:
		why = fmt.Sprintf("failed after %s: %v", elapsed, err)
		fix = "run the command by hand in a fresh checkout to see what it needs, or correct the setup command"
	}
	msg := fmt.Sprintf("setup command %s in %s %s (fix: %s)", strings.Join(quoteArgs(argv), " "), dir, why, fix)
	if t := strings.TrimSpace(tl.String()); t != "" {
		msg += "\n--- end of its output ---\n" + t
	}
	return errors.New(msg)
}
