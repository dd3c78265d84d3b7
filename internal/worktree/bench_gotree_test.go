package worktree

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/looper-go/looper/internal/benchrepo"
)

// goTreeRepo opens a repository holding a copy of Go's source tree (see
// benchrepo.GoTree), built for the benchmark in a temporary directory.
func goTreeRepo(b *testing.B) *Repo {
	b.Helper()
	r, err := Open(benchrepo.GoTree(b, b.TempDir()))
	if err != nil {
		b.Fatal(err)
	}
	return r
}

// diskUsage sums the sizes of the regular files below dir.
func diskUsage(dir string) int64 {
	var n int64
	_ = filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			if fi, err := d.Info(); err == nil {
				n += fi.Size()
			}
		}
		return nil
	})
	return n
}

// BenchmarkGoTree runs 8 two-second attempts at 4 at a time in a
// repository the size of Go's source tree: each gets its worktree, works
// (sleeps, then leaves one new file), commits, is merged and releases its
// worktree. It reports the wall time over the ideal (two rounds of two
// seconds), the median per-attempt overhead (worktree ready + merged +
// released), and the disk an attempt's worktree takes. Building the
// repository takes a while, so -short skips it. "fresh" creates and
// removes every worktree; "pooled" reuses them as a run does (UsePool with
// one worktree per slot), so from the second round on every attempt
// starts in a reused worktree; "kept" makes each round a run of its own
// that starts with the worktrees the run before it kept (KeepPool, one
// untimed run first), as [worktree] keep_between_runs does.
func BenchmarkGoTree(b *testing.B) {
	if testing.Short() {
		b.Skip("builds a repository from GOROOT/src")
	}
	r := goTreeRepo(b)
	b.Run("fresh", func(b *testing.B) { goTreeRounds(b, r, nil) })
	b.Run("pooled", func(b *testing.B) {
		r.UsePool(4)
		defer func() {
			if _, err := r.ClosePool(); err != nil {
				b.Error(err)
			}
		}()
		goTreeRounds(b, r, nil)
	})
	b.Run("kept", func(b *testing.B) {
		asRun := func() func() {
			r.UsePool(4)
			r.KeepPool("bench", nil)
			return func() {
				if kept, err := r.ClosePool(); err != nil || kept != 4 {
					b.Errorf("ClosePool kept %d, %v; want 4", kept, err)
				}
			}
		}
		goTreeRound(b, r, 0, asRun) // fills the kept pool, untimed
		goTreeRounds(b, r, asRun)
		if _, _, err := r.Clean(context.Background(), false); err != nil {
			b.Error(err)
		}
	})
}

// goTreeRounds runs BenchmarkGoTree's rounds in r; asRun, when set, is
// called before each round and its result after it.
func goTreeRounds(b *testing.B, r *Repo, asRun func() func()) {
	const slots, work = 4, 2 * time.Second
	ideal := time.Duration((goTreeTasks+slots-1)/slots) * work
	var walls time.Duration
	var overheads []time.Duration
	var disk int64
	round := 0
	for b.Loop() {
		round++
		start := time.Now()
		o, d := goTreeRound(b, r, round, asRun)
		walls += time.Since(start)
		overheads = append(overheads, o...)
		disk = max(disk, d)
	}
	slices.Sort(overheads)
	if len(overheads) == 0 {
		b.Fatal("no attempt finished")
	}
	b.ReportMetric(float64(walls)/float64(round)/float64(ideal), "wall/ideal")
	b.ReportMetric(overheads[len(overheads)/2].Seconds(), "s/attempt-median")
	b.ReportMetric(float64(disk)/1e6, "MB/attempt")
}

// goTreeTasks is the number of attempts in one round of BenchmarkGoTree.
const goTreeTasks = 8

// goTreeRound runs one round: goTreeTasks attempts, 4 at a time. It
// returns each attempt's overhead and the most disk one took.
func goTreeRound(b *testing.B, r *Repo, round int, asRun func() func()) (overheads []time.Duration, disk int64) {
	const slots, work = 4, 2 * time.Second
	ctx := context.Background()
	if asRun != nil {
		defer asRun()()
	}
	var mu sync.Mutex
	sem := make(chan struct{}, slots)
	var wg sync.WaitGroup
	for i := range goTreeTasks {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			t0 := time.Now()
			wt, err := r.Create(ctx, "bench", fmt.Sprintf("R%dT%d", round, i), 1, Options{})
			if err != nil {
				b.Error(err)
				return
			}
			ready := time.Since(t0)
			size := diskUsage(wt.Path)
			time.Sleep(work)
			t1 := time.Now()
			if err := os.WriteFile(filepath.Join(wt.Path, fmt.Sprintf("r%d-t%d.txt", round, i)), []byte("x\n"), 0o644); err != nil {
				b.Error(err)
				return
			}
			if _, err := r.CommitAll(wt, "work"); err != nil {
				b.Error(err)
				return
			}
			if res, err := r.Merge(ctx, wt.Branch, "merge"); err != nil || res.Conflicted() {
				b.Errorf("merge: %+v, %v", res, err)
				return
			}
			if err := r.Remove(wt, true); err != nil {
				b.Error(err)
				return
			}
			mu.Lock()
			overheads = append(overheads, ready+time.Since(t1))
			disk = max(disk, size)
			mu.Unlock()
		})
	}
	wg.Wait()
	return overheads, disk
}
