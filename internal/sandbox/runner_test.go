package sandbox

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/looper-go/looper/internal/agent"
	"github.com/looper-go/looper/sinks"
)

// TestStoppingASandboxedAttemptEndsEveryProcess runs an agent under bwrap
// through the real runner, as looper does, and stops it the two ways a
// run stops attempts (its timeout; a cancelled context, which is Ctrl-C
// and fail_fast): with bwrap as the process group's leader, the agent
// still gets SIGTERM and its grace period, and nothing it started is
// left, neither a background child nor a daemon that left the group with
// setsid.
func TestStoppingASandboxedAttemptEndsEveryProcess(t *testing.T) {
	f := newFixture(t)
	p := &Policy{Mode: ModeBwrap, Home: f.home, Project: f.project}
	requireBwrap(t, p)
	for _, how := range []string{"timeout", "cancel"} {
		marker := fmt.Sprintf("3%d.%d", os.Getpid()%1000, time.Now().UnixNano()%1000000)
		// On SIGTERM the agent takes a moment to clean up, which the grace
		// period allows: bwrap, which does not forward SIGTERM, must not
		// cut it short by ending the sandbox.
		script := `trap 'sleep 0.2; echo done > cleaned.txt; exit 0' TERM; sleep ` + marker + `1 & setsid sleep ` + marker + `2 & echo started; sleep ` + marker + `3 & wait`
		spec := agent.Spec{Name: "sh", Dialect: agent.DialectGeneric, Binary: "/bin/sh", Args: []string{"-c", script}, Grace: 30 * time.Second, Timeout: -1}
		cleaned := filepath.Join(f.worktree, "cleaned.txt")
		os.Remove(cleaned)
		ctx, cancel := context.WithCancelCause(t.Context())
		if how == "timeout" {
			spec.Timeout = time.Second
		}
		started := make(chan struct{}, 1)
		r := agent.Runner{Confine: p, Emit: func(e sinks.Event) {
			if strings.Contains(e.Message, "started") && strings.Contains(e.Message, "bwrap") {
				select {
				case started <- struct{}{}:
				default:
				}
			}
		}}
		if how == "cancel" {
			go func() {
				select {
				case <-started:
				case <-ctx.Done(): // Run ended without starting the agent
					return
				}
				waitFor(t, func() bool { // the daemon has left the group
					return slices.ContainsFunc(processesWith(marker), func(c string) bool { return strings.HasPrefix(c, "sleep "+marker+"2") })
				})
				cancel(errors.New("interrupted by the test"))
			}()
		}
		res := r.Run(ctx, spec, agent.Request{Dir: f.worktree})
		cancel(nil)
		if how == "timeout" && res.Class != agent.ClassTimeout {
			t.Errorf("timeout: class %s (%s), want timeout", res.Class, res.Err)
		}
		if how == "cancel" && res.Class != agent.ClassKilled {
			t.Errorf("cancel: class %s (%s), want killed", res.Class, res.Err)
		}
		// Only the cancel comes after the trap is known to be set (the
		// daemon, started after it, is running); a timeout on a loaded
		// machine may fire before the shell got that far. Both stop the
		// agent through the same terminate.
		if _, err := os.Stat(cleaned); how == "cancel" && err != nil {
			t.Errorf("%s: the agent did not get its grace period after SIGTERM: %v", how, err)
		}
		if !waitFor(t, func() bool { return len(processesWith(marker)) == 0 }) {
			t.Errorf("%s: processes of the sandboxed attempt are still alive: %q", how, processesWith(marker))
		}
	}
}

// waitFor polls cond with a deadline generous for a loaded machine and
// reports whether it became true.
func waitFor(t *testing.T, cond func() bool) bool {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
	return true
}

// processesWith lists the command lines of live processes whose
// arguments contain marker (zombies have none and are not listed).
func processesWith(marker string) []string {
	ents, _ := os.ReadDir("/proc")
	var out []string
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err == nil && strings.Contains(string(b), marker) {
			out = append(out, strings.ReplaceAll(string(b), "\x00", " "))
		}
	}
	return out
}
