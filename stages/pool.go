package stages

import (
	"fmt"
	"log/slog"

	"github.com/looper-go/looper/sinks"
)

// startPool makes the run reuse its worktrees (worktree.Repo.UsePool): as
// many as can be busy at once, max_tasks (AutoMaxTasks for 0) × max_agents.
// The returned func removes the idle ones when the run ends, however it
// ends.
func startPool(d *env, run *runState) func() {
	if d.Repo == nil {
		return func() {}
	}
	d.Repo.UsePool(d.maxTasks() * d.maxAgents())
	return func() {
		if err := d.Repo.ClosePool(); err != nil {
			d.info(run, "loop", slog.LevelWarn, sinks.KindWarning, fmt.Sprintf("could not remove the run's idle worktrees: %v", err))
		}
	}
}
