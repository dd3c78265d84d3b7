package stages

import (
	"context"
	"strings"
	"time"

	"github.com/looper-go/looper/internal/proc"
)

// commandResult is what one helper command (hook, verify) did.
type commandResult struct {
	ExitCode int
	TimedOut bool
	Output   string // the tail of stdout and stderr combined
	Duration time.Duration
	Err      error // it could not start
}

// runCommand runs argv in dir with env and a timeout through proc.Run: in
// its own process group, with looper's one escalation (SIGTERM, a grace
// period, SIGKILL, then a sweep of what it left behind, inside its group
// or out), so no helper process outlives it. A command stopped by the
// timeout or by ctx counts as timed out, with exit code -1; what the sweep
// had to say ends the output.
func runCommand(ctx context.Context, dir string, argv []string, env []string, timeout time.Duration) commandResult {
	r := proc.Run(ctx, proc.Command{Name: argv[0], Argv: argv, Dir: dir, Env: env, Timeout: timeout})
	out := r.Tail
	if len(r.Warnings) > 0 {
		out = strings.TrimRight(out, "\n") + "\nlooper: " + strings.Join(r.Warnings, "\nlooper: ")
	}
	c := commandResult{ExitCode: r.Exit.Code, Output: out, Duration: r.Duration, Err: r.Err}
	switch {
	case r.Err != nil:
		c.ExitCode = -1
	case r.Exit.Stopped:
		c.TimedOut, c.ExitCode = true, -1
	}
	return c
}
