package worktree

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// leftoverOf returns the leftover of task in r, failing the test when
// there is none.
func leftoverOf(t *testing.T, r *Repo, task string) Leftover {
	t.Helper()
	all, err := r.Leftovers()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range all {
		if l.Task == task {
			return l
		}
	}
	t.Fatalf("no leftover of task %s in %v", task, all)
	return Leftover{}
}

// TestUnpreparedWorktreeHoldsNoWork covers a looper killed while it
// prepared an attempt's worktree: between git worktree add --no-checkout and
// the checkout (every file looks deleted), or during setup. Resuming from
// such a worktree committed the "deletions" and merged them into the
// integration branch, losing every file other tasks had landed. Its changes
// are not work: no attempt resumes from it and Clean removes it. A worktree
// Create finished is an agent's, and its changes are work.
func TestUnpreparedWorktreeHoldsNoWork(t *testing.T) {
	t.Parallel()
	r := newRepo(t)
	ctx := context.Background()

	// Killed before the checkout: added without files, no marker yet.
	bare := filepath.Join(r.Root(), ".looper", "worktrees", "r1", "A-1")
	gitT(t, r.Root(), "worktree", "add", "--quiet", "--no-checkout", "-b", branchName("r1", "A", 1), bare, "HEAD")
	// Killed during setup: the marker is still set.
	mid := create(t, r, "r1", "B", 1)
	if err := markPreparing(mid.Path); err != nil {
		t.Fatal(err)
	}
	writeFile(t, mid.Path, "generated.txt", "half of a setup's output\n")
	// Finished: the agent's changes are work.
	done := create(t, r, "r1", "C", 1)
	writeFile(t, done.Path, "work.go", "package main\n")

	for _, task := range []string{"A", "B"} {
		l := leftoverOf(t, r, task)
		if !l.Unprepared || len(l.Changes) == 0 {
			t.Errorf("task %s: Unprepared %v, changes %q; want a half-prepared worktree with changes", task, l.Unprepared, l.Changes)
		}
		if l.HoldsWork() {
			t.Errorf("task %s: a half-prepared worktree holds work: %s", task, l)
		}
		if !l.Removable() {
			t.Errorf("task %s: Clean would keep a half-prepared worktree: %s", task, l)
		}
	}
	l := leftoverOf(t, r, "C")
	if l.Unprepared || !l.HoldsWork() || l.Removable() {
		t.Errorf("task C: Unprepared %v, HoldsWork %v, Removable %v; want a finished worktree holding work", l.Unprepared, l.HoldsWork(), l.Removable())
	}
	all, err := r.Leftovers()
	if err != nil {
		t.Fatal(err)
	}
	points := ResumePoints(all, []string{"A", "B", "C"})
	if _, ok := points["A"]; ok {
		t.Error("task A resumes from a worktree never checked out")
	}
	if _, ok := points["B"]; ok {
		t.Error("task B resumes from a worktree killed during setup")
	}
	if _, ok := points["C"]; !ok {
		t.Error("task C does not resume from its agent's work")
	}

	// A resumed attempt of A starts from the integration branch, with
	// every file.
	lo := leftoverOf(t, r, "A")
	wt, err := r.Create(ctx, "r2", "A", 1, Options{Resume: &lo})
	if err != nil {
		t.Fatal(err)
	}
	if wt.ResumeErr != nil {
		t.Fatalf("resuming A: %v", wt.ResumeErr)
	}
	if _, err := os.Stat(filepath.Join(wt.Path, "README.md")); err != nil {
		t.Errorf("the new attempt of A lacks README.md: %v", err)
	}
	if got := gitT(t, wt.Path, "rev-list", "--count", "HEAD", "^"+wt.Base); strings.TrimSpace(got) != "0" {
		t.Errorf("the new attempt of A starts %s commit(s) ahead of its base; want none", got)
	}
}

// TestCreateMarksPreparingUntilReady checks that the marker is set while
// setup runs (a kill then leaves it) and gone once Create returns.
func TestCreateMarksPreparingUntilReady(t *testing.T) {
	t.Parallel()
	r := newRepo(t)
	setup := []string{"sh", "-c", `test -f "$(git rev-parse --git-dir)/` + preparingMarker + `"`}
	wt, err := r.Create(context.Background(), "r1", "A", 1, Options{Setup: setup})
	if err != nil {
		t.Fatalf("setup did not see the marker: %v", err)
	}
	if unprepared(wt.Path) {
		t.Errorf("the worktree Create returned is still marked as being prepared")
	}
}

// TestKilledReuseLeavesARemovableWorktree: a looper killed while it
// switched a pooled worktree to a new attempt (moved, not yet on the new
// branch, files half rewritten) leaves a directory that holds no work and
// that Clean removes without force.
func TestKilledReuseLeavesARemovableWorktree(t *testing.T) {
	t.Parallel()
	r := newRepo(t)
	r.UsePool(1)
	first := create(t, r, "r1", "A", 1)
	if ok, err := r.CommitAll(first, "work"); err != nil || ok {
		t.Fatalf("CommitAll = %v, %v", ok, err)
	}
	if err := r.Remove(first, true); err != nil {
		t.Fatal(err)
	}
	pooled := r.Pooled()
	if len(pooled) != 1 {
		t.Fatalf("Pooled() = %v", pooled)
	}
	// What reuse does before its checkout, then a checkout cut short.
	to := filepath.Join(filepath.Dir(pooled[0]), dirName("B", 1))
	r.adminMu.Lock()
	err := r.moveWorktree(context.Background(), pooled[0], to)
	r.adminMu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	if err := markPreparing(to); err != nil {
		t.Fatal(err)
	}
	writeFile(t, to, "main.go", "half written\n")
	l := leftoverOf(t, r, "B")
	if !l.Unprepared || l.HoldsWork() || !l.Removable() {
		t.Errorf("Unprepared %v, HoldsWork %v, Removable %v; want a half-prepared worktree Clean removes: %s", l.Unprepared, l.HoldsWork(), l.Removable(), l)
	}
}
