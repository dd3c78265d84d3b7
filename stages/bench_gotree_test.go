package stages

import (
	"fmt"
	"testing"
	"time"

	"github.com/looper-go/looper/internal/benchrepo"
	"github.com/looper-go/looper/internal/worktree"
)

// BenchmarkGoTreeRun is issue 17's large-repository measure through the
// real pipeline: 8 independent two-second tasks at max_tasks 4 in a
// repository holding Go's source tree (about 11,500 files), each task a
// looper run of its own. It reports the wall time over the ideal (two
// rounds of two seconds). "fresh" is a run as it starts by default, whose
// first four attempts check out every file; "kept" is a run after one
// that kept its worktrees ([worktree] keep_between_runs, one untimed run
// first). Building the repository takes a while, so -short skips it.
func BenchmarkGoTreeRun(b *testing.B) {
	if testing.Short() {
		b.Skip("builds a repository from GOROOT/src")
	}
	repo, err := worktree.Open(benchrepo.GoTree(b, b.TempDir()))
	if err != nil {
		b.Fatal(err)
	}
	const tasks, slots, work = 8, 4, 2 * time.Second
	ideal := time.Duration((tasks+slots-1)/slots) * work
	runs := 0
	run := func(b *testing.B, keep bool) time.Duration {
		runs++
		var ts []task
		for i := range tasks {
			ts = append(ts, task{id: fmt.Sprintf("R%dT%d", runs, i+1)})
		}
		h := newHarness(b, newFakeRunner(writes(work)), ts...)
		h.deps.Parallel = true
		h.deps.Repo = repo
		h.deps.MaxTasks = slots
		h.deps.WorktreeKeep = keep
		start := time.Now()
		rep, err := h.run(b.Context(), false)
		if err != nil || rep.Done != tasks {
			b.Fatalf("report %+v, err %v", rep, err)
		}
		return time.Since(start)
	}
	for _, keep := range []bool{false, true} {
		name := "fresh"
		if keep {
			name = "kept"
		}
		b.Run(name, func(b *testing.B) {
			if keep {
				run(b, true) // keeps the worktrees the timed runs start in
			}
			var wall time.Duration
			n := 0
			for b.Loop() {
				wall += run(b, keep)
				n++
			}
			b.ReportMetric(float64(wall)/float64(n)/float64(ideal), "wall/ideal")
			if keep {
				if _, _, err := repo.Clean(b.Context(), false); err != nil {
					b.Error(err)
				}
			}
		})
	}
}
