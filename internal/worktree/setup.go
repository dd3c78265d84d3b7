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

	"github.com/looper-go/looper/internal/proc"
)

// setupTailBytes is how much of a failed setup command's output its error
// shows.
const setupTailBytes = 4 << 10

// runSetup runs argv in dir with the process environment plus env for at
// most timeout, through proc.Run: in its own process group, stopped with
// looper's one escalation (SIGTERM, grace period, SIGKILL) when it times
// out or ctx is cancelled, and swept when it exits, so setup leaves no
// process behind. Its output goes to out (when not nil) and to a bounded
// tail that a failure's error quotes, with what the sweep had to say.
func runSetup(ctx context.Context, dir string, argv, env []string, timeout time.Duration, out io.Writer) error {
	r := proc.Run(ctx, proc.Command{Name: "setup command", Argv: argv, Dir: dir, Env: append(os.Environ(), env...),
		Timeout: timeout, Output: out, TailBytes: setupTailBytes})
	if r.Err == nil && !r.Exit.Stopped && r.Exit.Code == 0 {
		return nil
	}
	var why, fix string
	switch {
	case r.TimedOut:
		why = fmt.Sprintf("timed out after %s", timeout)
		fix = "make the setup command faster or raise its timeout"
	case r.Cancelled() != nil || (r.Err != nil && ctx.Err() != nil):
		cause := r.Cancelled()
		if cause == nil {
			cause = context.Cause(ctx)
		}
		why = "cancelled: " + cause.Error()
		fix = "none needed if the run was interrupted on purpose"
	case errors.Is(r.Err, exec.ErrNotFound):
		why = r.Err.Error()
		fix = "install the program or correct the setup command (it is run directly, not through a shell; use [\"sh\", \"-c\", \"...\"] for shell syntax)"
	case r.Err != nil:
		why = r.Err.Error()
		fix = "correct the setup command"
	default:
		why = fmt.Sprintf("failed after %s: %s", r.Duration.Round(time.Millisecond), r.Exit.String())
		fix = "run the command by hand in a fresh checkout to see what it needs, or correct the setup command"
	}
	msg := fmt.Sprintf("setup command %s in %s %s (fix: %s)", strings.Join(quoteArgs(argv), " "), dir, why, fix)
	if t := strings.TrimSpace(r.Tail); t != "" {
		msg += "\n--- end of its output ---\n" + t
	}
	if len(r.Warnings) > 0 {
		msg += "\n" + strings.Join(r.Warnings, "\n")
	}
	return errors.New(msg)
}
