package worktree

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// goTreeRepo builds, in a temporary directory, a git repository holding a
// copy of $(go env GOROOT)/src (about 11,000 files): a repository of real
// size, built for the benchmark and never committed anywhere else.
func goTreeRepo(b *testing.B) *Repo {
	b.Helper()
	out, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		b.Skipf("go env GOROOT: %v", err)
	}
	src := filepath.Join(strings.TrimSpace(string(out)), "src")
	dir := b.TempDir()
	if out, err := exec.Command("cp", "-R", src, filepath.Join(dir, "src")).CombinedOutput(); err != nil {
		b.Fatalf("copy %s: %v: %s", src, err, out)
	}
	gitT(b, dir, "init", "-q", "-b", "main")
	writeFile(b, dir, ".gitignore", ".looper/\n")
	gitT(b, dir, "add", "-A")
	gitT(b, dir, "commit", "-qm", "go source tree")
	r, err := Open(dir)
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
// starts in a reused worktree.
func BenchmarkGoTree(b *testing.B) {
	if testing.Short() {
		b.Skip("builds a repository from GOROOT/src")
	}
	r := goTreeRepo(b)
	for _, pooled := range []bool{false, true} {
		name := "fresh"
		if pooled {
			name = "pooled"
		}
		b.Run(name, func(b *testing.B) {
			if pooled {
				r.UsePool(4)
				defer func() {
					if err := r.ClosePool(); err != nil {
						b.Error(err)
					}
				}()
			}
			goTreeRounds(b, r)
		})
	}
}

// goTreeRounds runs BenchmarkGoTree's rounds in r.
func goTreeRounds(b *testing.B, r *Repo) {
	const tasks, slots, work = 8, 4, 2 * time.Second
	ideal := time.Duration((tasks+slots-1)/slots) * work
	ctx := context.Background()
	var walls time.Duration
	var overheads []time.Duration
	var disk int64
	round := 0
	for b.Loop() {
		round++
		var mu sync.Mutex
		sem := make(chan struct{}, slots)
		var wg sync.WaitGroup
		start := time.Now()
		for i := range tasks {
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
		walls += time.Since(start)
	}
	slices.Sort(overheads)
	if len(overheads) == 0 {
		b.Fatal("no attempt finished")
	}
	b.ReportMetric(float64(walls)/float64(round)/float64(ideal), "wall/ideal")
	b.ReportMetric(overheads[len(overheads)/2].Seconds(), "s/attempt-median")
	b.ReportMetric(float64(disk)/1e6, "MB/attempt")
}
