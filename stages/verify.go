package stages

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/looper-go/looper/sinks"
)

// runVerify runs the verify command in the attempt's tree with sh -c and a
// timeout, and reports it. A timeout is a failed verification, never a hang.
func runVerify(ctx context.Context, d *env, j Job, a Attempt, command string) *VerifyResult {
	timeout := d.VerifyTimeout
	if timeout <= 0 {
		timeout = 10 * time.Minute
	}
	env := append(os.Environ(), "LOOPER_TASK_ID="+j.Task.ID, "LOOPER_AGENT_ID="+a.AgentID)
	r := runCommand(ctx, a.Dir, []string{"/bin/sh", "-c", command}, env, timeout)
	v := &VerifyResult{Command: command, ExitCode: r.ExitCode, TimedOut: r.TimedOut, OutputTail: r.Output, Duration: r.Duration}
	if r.Err != nil {
		v.OutputTail = r.Err.Error()
	}
	e := d.event(j, "verify", sinks.KindCommand)
	e.AgentID = a.AgentID
	e.Command = []string{"/bin/sh", "-c", command}
	e.ExitCode = v.ExitCode
	e.Duration = v.Duration
	e.Raw = v.OutputTail
	if !v.Passed() {
		e.Level = slog.LevelWarn
	}
	e.Message = verifyMessage(v, timeout)
	d.emit(j.run, e)
	return v
}

// verifyMessage says how a verification ended, after the command line the
// output already shows: "verify passed", "verify timed out after 10m0s",
// "verify failed with exit code 1: <its last output line>" (the line left
// out when it printed nothing).
func verifyMessage(v *VerifyResult, timeout time.Duration) string {
	switch {
	case v.Passed():
		return "verify passed"
	case v.TimedOut:
		return fmt.Sprintf("verify timed out after %s", timeout)
	}
	msg := fmt.Sprintf("verify failed with exit code %d", v.ExitCode)
	if last := lastLine(v.OutputTail); last != "" {
		msg += ": " + last
	}
	return msg
}

// lastLine is the last non-empty line of s, for one-line reports.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}
