package main

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/looper-go/looper/internal/golden"
	"github.com/looper-go/looper/stages"
)

// TestMessagesGolden pins the wording of looper's own last lines, which
// issue 19 found at odds with the backlog: the signal notes ("interrupted
// by interrupt"), and the exit messages of runs that end with blocked
// tasks, failed attempts, tasks held by a blocked dependency, fail_fast
// and ready work left.
func TestMessagesGolden(t *testing.T) {
	var b strings.Builder
	for _, sig := range []os.Signal{os.Interrupt, syscall.SIGTERM} {
		fmt.Fprintf(&b, "signal %s:\n  %s\n  %v\n", sig, stopNote(sig), fmt.Errorf("%w by %s", stages.ErrInterrupted, signalText(sig)))
	}
	waiting := []stages.Waiting{
		{TaskID: "T2", Chain: []string{"T2", "T1"}, Blockers: []string{"need API key"}},
		{TaskID: "T3", Chain: []string{"T3", "T2", "T1"}, Blockers: []string{"need API key"}},
	}
	for _, c := range []struct {
		name string
		rep  stages.Report
		err  error
	}{
		{"one task failed, its dependants did not run", stages.Report{Failed: 1, Waiting: waiting}, nil},
		{"agent reported blocked", stages.Report{Blocked: 1, Done: 2}, nil},
		{"failed and blocked", stages.Report{Failed: 2, Blocked: 1}, nil},
		{"fail_fast", stages.Report{Failed: 1, FailFast: true, Remaining: 2}, nil},
		{"ready work left", stages.Report{Done: 3, Remaining: 2, MaxIterations: true}, nil},
		{"interrupted", stages.Report{Interrupted: true, Remaining: 1}, fmt.Errorf("%w by %s", stages.ErrInterrupted, signalText(os.Interrupt))},
		{"all done", stages.Report{Done: 3}, nil},
	} {
		err := exitCode(c.rep, c.err)
		code, msg := exitOK, "(no message)"
		if err != nil {
			code, msg = exitFailure, err.Error()
			var ee *exitError
			if errors.As(err, &ee) {
				code = ee.code
			}
		}
		fmt.Fprintf(&b, "%s: exit %d:\n  looper: %s\n", c.name, code, strings.ReplaceAll(msg, "\n", "\n  "))
	}
	golden.Check(t, "messages.golden", []byte(b.String()))
}
