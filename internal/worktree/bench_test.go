package worktree

import (
	"context"
	"fmt"
	"os/exec"
	"testing"
	"time"
)

// benchRepo is newRepo with 200 more files, so checkouts do some work.
func benchRepo(b *testing.B) *Repo {
	b.Helper()
	r := newRepo(b)
	files := map[string]string{}
	for i := range 200 {
		files[fmt.Sprintf("pkg%d/file%d.go", i%10, i)] = fmt.Sprintf("package pkg%d\n\nconst C%d = %d\n", i%10, i, i)
	}
	commitFiles(b, r.Root(), "more files", files)
	return r
}

func reportMS(b *testing.B) {
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/op")
}

// BenchmarkCreateRemove measures one attempt's worktree life cycle without
// work in it: Create (branch, checkout of ~200 files) and Remove with the
// branch.
func BenchmarkCreateRemove(b *testing.B) {
	r := benchRepo(b)
	ctx := context.Background()
	for i := 0; i < b.N; i++ {
		wt, err := r.Create(ctx, "bench", "T", i+1, Options{})
		if err != nil {
			b.Fatal(err)
		}
		if err := r.Remove(wt, true); err != nil {
			b.Fatal(err)
		}
	}
	reportMS(b)
}

// BenchmarkMerge measures Merge of a branch with one commit, as a
// fast-forward and as a merge commit (the integration branch moved since the
// branch was created).
func BenchmarkMerge(b *testing.B) {
	for _, ff := range []bool{true, false} {
		name := "merge-commit"
		if ff {
			name = "fast-forward"
		}
		b.Run(name, func(b *testing.B) {
			r := benchRepo(b)
			ctx := context.Background()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				wt := create(b, r, "bench", "M", i+1)
				commitFiles(b, wt.Path, "work", map[string]string{fmt.Sprintf("w%d.txt", i): "w\n"})
				if !ff {
					commitFiles(b, r.Root(), "main moves", map[string]string{fmt.Sprintf("m%d.txt", i): "m\n"})
				}
				b.StartTimer()
				res, err := r.Merge(ctx, wt.Branch, "merge")
				if err != nil || res.Conflicted() || res.FastForward != ff {
					b.Fatalf("Merge = %+v, %v", res, err)
				}
				b.StopTimer()
				if err := r.Remove(wt, true); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
			}
			reportMS(b)
		})
	}
}

// BenchmarkGitProcess measures the floor under every per-task ratio of
// issue 17: one git command that does almost nothing (rev-parse HEAD,
// through the same runner as every other git command of this package),
// beside the process the no-git side of stages' BenchmarkZeroWork runs per
// task (a shell that writes one file). It reports both in ms and their
// ratio. A task with a worktree needs several git commands (its commit,
// its landing, its worktree's switch), each costing at least this; when
// one alone costs about as much as the whole no-git task, no design that
// runs git as a process can bring a task's overhead under a fraction of
// that task.
func BenchmarkGitProcess(b *testing.B) {
	r := newRepo(b)
	ctx := context.Background()
	dir := b.TempDir()
	var gitTime, shTime time.Duration
	for b.Loop() {
		began := time.Now()
		if _, err := git(ctx, r.Root(), "rev-parse", "HEAD"); err != nil {
			b.Fatal(err)
		}
		gitTime += time.Since(began)
		began = time.Now()
		cmd := exec.Command("sh", "-c", `printf '%s\n' "$1" > "$1.txt"`, "agent", "T001")
		cmd.Dir = dir
		if err := cmd.Run(); err != nil {
			b.Fatal(err)
		}
		shTime += time.Since(began)
	}
	n := float64(b.N)
	b.ReportMetric(float64(gitTime.Microseconds())/1000/n, "git-ms")
	b.ReportMetric(float64(shTime.Microseconds())/1000/n, "nogit-task-ms")
	b.ReportMetric(float64(gitTime)/float64(shTime), "git/nogit-task")
}
