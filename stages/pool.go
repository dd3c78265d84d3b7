package stages

import (
	"fmt"
	"log/slog"

	"github.com/looper-go/looper/sinks"
)

// startPool makes the run reuse its worktrees (worktree.Repo.UsePool): as
// many as can be busy at once, max_tasks (AutoMaxTasks for 0) × max_agents.
// With WorktreeKeep ([worktree] keep_between_runs) the run starts with the
// worktrees an earlier run kept, and keeps its own for the next run. The
// returned func removes (or keeps) the idle ones when the run ends, however
// it ends.
func startPool(d *env, run *runState) func() {
	if d.Repo == nil {
		return func() {}
	}
	d.Repo.UsePool(d.maxTasks() * d.maxAgents())
	if d.WorktreeKeep {
		if n := d.Repo.KeepPool(d.RunID, d.WorktreeSparse); n > 0 {
			d.info(run, "loop", slog.LevelInfo, sinks.KindInfo, fmt.Sprintf("reusing %d worktree(s) an earlier run kept ([worktree] keep_between_runs)", n))
		}
	}
	return func() {
		kept, err := d.Repo.ClosePool()
		if err != nil {
			d.info(run, "loop", slog.LevelWarn, sinks.KindWarning, fmt.Sprintf("could not remove the run's idle worktrees: %v", err))
		}
		if kept > 0 {
			d.info(run, "loop", slog.LevelInfo, sinks.KindInfo, fmt.Sprintf("kept %d idle worktree(s) in .looper/worktrees/.pool for the next run (looper clean --worktrees removes them)", kept))
		}
	}
}
