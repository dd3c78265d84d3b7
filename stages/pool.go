package stages

import (
	"fmt"
	"log/slog"

	"github.com/looper-go/looper/sinks"
)

// unlimitedPool is the pool size when max_tasks is 0 (no limit).
const unlimitedPool = 8

// startPool makes the run reuse its worktrees (worktree.Repo.UsePool): as
// many as can be busy at once, max_tasks × max_agents. The returned func
// removes the idle ones when the run ends, however it ends.
func (d *Deps) startPool() func() {
	if d.Repo == nil {
		return func() {}
	}
	size := unlimitedPool
	if d.MaxTasks > 0 {
		size = d.MaxTasks
	}
	d.Repo.UsePool(size * d.maxAgents())
	return func() {
		if err := d.Repo.ClosePool(); err != nil {
			d.info("loop", slog.LevelWarn, sinks.KindWarning, fmt.Sprintf("could not remove the run's idle worktrees: %v", err))
		}
	}
}
