package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/looper-go/looper/config"
	"github.com/looper-go/looper/sinks"
	"github.com/looper-go/looper/stages"
)

// preflight is stages.CheckAgents for looper's commands: an agent that
// cannot be used, or cannot be sandboxed under mode = "bwrap", is exit 3
// naming each with its fix, before the backlog, the repository or a
// worktree is touched; Ctrl-C during it is exit 130.
func preflight(ctx context.Context, cfg *config.Config, root, todoPath string) (*stages.Preflight, error) {
	pre, err := stages.CheckAgents(ctx, cfg, root, todoPath)
	if pe, ok := errors.AsType[*stages.PreflightError](err); ok {
		return nil, &exitError{code: exitAgent, err: pe}
	}
	if err != nil { // Ctrl-C during preflight: exit 130, not 3
		return nil, exitCode(stages.Report{}, err)
	}
	return pre, nil
}

// reportAgents records in the output and the run log which executable and
// version each agent is, which are sandboxed, and the warnings of the
// preflight (versions, prices, the sandbox).
func (s *session) reportAgents(pre *stages.Preflight) {
	for _, c := range pre.Checks {
		msg := fmt.Sprintf("agent %s: %s", c.Spec.Name, c.Path)
		if c.Version != "" {
			msg += " (" + c.Version + ")"
		}
		s.emit(slog.LevelInfo, sinks.KindInfo, msg)
	}
	if msg := pre.SandboxSummary(); msg != "" {
		s.emit(slog.LevelInfo, sinks.KindInfo, msg)
	}
	for _, w := range pre.Warnings {
		s.emit(slog.LevelWarn, sinks.KindWarning, w)
	}
}
