package main

import (
	"errors"
	"strings"
	"testing"

	"github.com/looper-go/looper/internal/sandbox"
)

// TestSandboxPreflight checks the sandbox's part of the preflight where
// bwrap cannot run: an explicit mode = "bwrap" stops the run with exit 3
// before anything moves, auto mode runs on with one notice naming the
// agents and the fix, and off says nothing.
func TestSandboxPreflight(t *testing.T) {
	argvs := map[string][]string{
		"claude": {"claude", "-p", "--dangerously-skip-permissions"},
		"codex":  {"codex", "exec", "--sandbox", "workspace-write", "-"},
	}
	missing := func(mode sandbox.Mode) *sandbox.Policy {
		return &sandbox.Policy{Mode: mode, Bwrap: "/nonexistent/looper-test-bwrap"}
	}

	_, err := checkSandbox(missing(sandbox.ModeBwrap), argvs)
	var ee *exitError
	if !errors.As(err, &ee) || ee.code != exitAgent {
		t.Fatalf("mode bwrap without bwrap: %v, want exit %d", err, exitAgent)
	}
	if !strings.Contains(err.Error(), "apt-get install bubblewrap") || !strings.Contains(err.Error(), "nothing was run") {
		t.Errorf("mode bwrap without bwrap: %q lacks the fix or the reassurance", err)
	}

	notice, err := checkSandbox(missing(sandbox.ModeAuto), argvs)
	if err != nil {
		t.Fatalf("auto without bwrap: %v, want a run", err)
	}
	if !strings.Contains(notice, "without a sandbox (claude)") || !strings.Contains(notice, "apt-get install bubblewrap") {
		t.Errorf("auto without bwrap: notice %q, want claude named with the fix", notice)
	}

	if notice, err := checkSandbox(missing(sandbox.ModeOff), argvs); notice != "" || err != nil {
		t.Errorf("off: notice %q, error %v; want neither", notice, err)
	}
}
