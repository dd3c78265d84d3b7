package stages

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/looper-go/looper/internal/agent"
	"github.com/looper-go/looper/sinks"
)

// attemptEvent is the event that reports one finished attempt: its class,
// vote, usage, summary and diff.
func attemptEvent(d *env, j Job, a Attempt) sinks.Event {
	e := d.event(j, "agents", sinks.KindAttempt)
	e.AgentID = a.AgentID
	r := a.Result
	e.Class = string(r.Class)
	e.Duration = r.Duration
	e.ExitCode = r.ExitCode
	e.Status = a.Vote()
	if r.Usage != (sinks.Usage{}) {
		u := r.Usage
		e.Usage = &u
	}
	e.Summary = r.SummaryJSON
	e.Files = nil
	if r.Summary != nil {
		e.Files = r.Summary.Files
	}
	if reason := a.Reason(); reason != "" {
		e.Level = slog.LevelWarn
		e.Message = reason
	} else if r.Summary != nil {
		e.Message = r.Summary.Summary
	}
	if a.Worktree != nil {
		e.Path = a.Worktree.Path
		if r.Class == agent.ClassOK { // a failed attempt's diff was never measured
			e.Message = strings.TrimPrefix(fmt.Sprintf("%s (+%d -%d lines in %d files)", e.Message, a.Diff.Added, a.Diff.Removed, a.Diff.Files), " ")
		}
	}
	if n := len(r.Denials); n > 0 {
		e.Message = strings.TrimPrefix(fmt.Sprintf("%s [denied: %s]", e.Message, strings.Join(r.Denials, "; ")), " ")
	}
	return e
}

func warnAttempt(d *env, j Job, a Attempt, msg string) {
	e := d.event(j, "agents", sinks.KindWarning)
	e.Level = slog.LevelWarn
	e.AgentID = a.AgentID
	e.Message = msg
	d.emit(j.run, e)
}

func infoAttempt(d *env, j Job, a Attempt, msg string) {
	e := d.event(j, "agents", sinks.KindInfo)
	e.AgentID = a.AgentID
	e.Message = msg
	d.emit(j.run, e)
}

// hasGH reports whether the GitHub CLI is on PATH (a prompt variable
// upstream offers).
func hasGH() bool {
	for _, dir := range filepath.SplitList(os.Getenv("PATH")) {
		if fi, err := os.Stat(filepath.Join(dir, "gh")); err == nil && !fi.IsDir() {
			return true
		}
	}
	return false
}

// ErrFailFast is the cause of a run stopped by fail_fast.
var ErrFailFast = errors.New("fail_fast")

// ErrAgentUnusable is the cause of a run stopped because no agent that
// works on tasks can be used any more (bad credentials, a model API that
// does not answer): a problem of the agents, not of the tasks, which are
// left as they were.
var ErrAgentUnusable = errors.New("no usable agent")
