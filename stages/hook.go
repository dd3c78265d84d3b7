package stages

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"time"

	"github.com/looper-go/looper/sinks"
)

// runHook runs the configured hook after an attempt, as upstream did:
// argv <task_id> <status> <last_message_path> <label>, from the project
// root, with a timeout. It is executed directly, never through a shell, so
// a hostile task id cannot inject a command. A failing hook is reported and
// never fails the task.
func runHook(ctx context.Context, d *env, j Job, a Attempt, status, lastMessage string) {
	if d.Hook == "" {
		return
	}
	path, err := exec.LookPath(d.Hook)
	if err != nil {
		warnAttempt(d, j, a, fmt.Sprintf("hook %q: %v (hook_command must name an executable; it is run without a shell)", d.Hook, err))
		return
	}
	argv := []string{path, j.Task.ID, status, lastMessage, a.Label}
	timeout := d.HookTimeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	r := runCommand(ctx, d.WorkDir, argv, os.Environ(), timeout)
	e := d.event(j, "hook", sinks.KindCommand)
	if j.Task.ID == "" {
		e.Stage = "review"
	}
	e.AgentID = a.AgentID
	e.Command = argv
	e.ExitCode = r.ExitCode
	e.Duration = r.Duration
	e.Message = "hook"
	switch {
	case r.Err != nil:
		e.Level, e.Kind = slog.LevelWarn, sinks.KindWarning
		e.Message = fmt.Sprintf("hook: %v", r.Err)
	case r.TimedOut:
		e.Level, e.Kind = slog.LevelWarn, sinks.KindWarning
		e.Message = fmt.Sprintf("hook timed out after %s", timeout)
	case r.ExitCode != 0:
		e.Level, e.Kind = slog.LevelWarn, sinks.KindWarning
		e.Message = fmt.Sprintf("hook exited %d: %s", r.ExitCode, lastLine(r.Output))
	}
	d.emit(j.run, e)
}
