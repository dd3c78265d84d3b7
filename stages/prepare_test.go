package stages

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/looper-go/looper/internal/agent"
	"github.com/looper-go/looper/todo"
)

// TestPrepareRefusesAnOversizedBacklog gives Prepare a backlog larger than
// todo.MaxFileSize (a sparse file, so the test costs no disk): it is
// refused with the size error at once, without a copy and without asking
// the repair agent to read it.
func TestPrepareRefusesAnOversizedBacklog(t *testing.T) {
	runner := newFakeRunner(func(agent.Request, int) (time.Duration, agent.Result) {
		return 0, agent.Result{Class: agent.ClassOK}
	})
	h := newHarness(t, runner, task{id: "T1"})
	if err := os.Truncate(h.path, todo.MaxFileSize+1); err != nil {
		t.Fatal(err)
	}
	err := Prepare(t.Context(), h.deps.Settings, h.deps.Services, "")
	if err == nil || !strings.Contains(err.Error(), "larger than the 50 MiB a backlog may be") {
		t.Fatalf("Prepare = %v, want the size error", err)
	}
	if n := len(runner.order); n != 0 {
		t.Errorf("%d agent runs, want none", n)
	}
	copies, _ := filepath.Glob(h.path + ".invalid-*")
	if len(copies) != 0 {
		t.Errorf("copies of the oversized backlog were made: %v", copies)
	}
}
