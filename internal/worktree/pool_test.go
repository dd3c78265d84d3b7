package worktree

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// exists reports whether path exists.
func exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}

func TestPoolReusesAReleasedWorktreeOnTheNewTip(t *testing.T) {
	r := newRepo(t)
	r.UsePool(2)
	first := create(t, r, "run", "T1", 1)
	commitFiles(t, first.Path, "T1", map[string]string{"one.txt": "1\n"})
	writeFile(t, first.Path, "scratch.txt", "left behind\n")
	writeFile(t, first.Path, "build/out.bin", "ignored output\n")
	mustMerge(t, r, first.Branch, "merge T1")
	if err := r.Remove(first, true); err != nil {
		t.Fatal(err)
	}
	if exists(first.Path) {
		t.Errorf("%s still exists after Remove", first.Path)
	}
	if out := gitT(t, r.Root(), "branch", "--list", first.Branch); out != "" {
		t.Errorf("branch %s still exists", first.Branch)
	}
	idle := r.Pooled()
	if len(idle) != 1 || !strings.HasPrefix(filepath.Base(idle[0]), poolPrefix) {
		t.Fatalf("Pooled() = %v, want one idle worktree", idle)
	}
	second := create(t, r, "run", "T2", 1)
	if len(r.Pooled()) != 0 || exists(idle[0]) {
		t.Errorf("the idle worktree was not taken: %v", r.Pooled())
	}
	head, _ := r.Head()
	if second.Base != head || gitT(t, second.Path, "rev-parse", "HEAD") != head {
		t.Errorf("second attempt at %s, want the new tip %s", gitT(t, second.Path, "rev-parse", "HEAD"), head)
	}
	if got := gitT(t, second.Path, "symbolic-ref", "--short", "HEAD"); got != second.Branch {
		t.Errorf("second attempt on %s, want %s", got, second.Branch)
	}
	if readFile(t, second.Path, "one.txt") != "1\n" {
		t.Error("the merged work of T1 is not in the new base")
	}
	if exists(filepath.Join(second.Path, "scratch.txt")) || exists(filepath.Join(second.Path, "build", "out.bin")) {
		t.Error("untracked or ignored files of the earlier attempt survived reuse")
	}
	if base := r.branchBase(t.Context(), second.Branch, ""); base != head {
		t.Errorf("branch base %s, want %s (leftovers and resume rely on it)", base, head)
	}
}

func TestPoolKeepsALosersBranchAndHoldsNoWork(t *testing.T) {
	r := newRepo(t)
	r.UsePool(1)
	loser := create(t, r, "run", "T1", 2)
	tip := commitFiles(t, loser.Path, "losing work", map[string]string{"l.txt": "l\n"})
	writeFile(t, loser.Path, "main.go", "uncommitted edit\n")
	if err := r.Remove(loser, false); err != nil {
		t.Fatal(err)
	}
	if got := gitT(t, r.Root(), "rev-parse", "refs/heads/"+loser.Branch); got != tip {
		t.Errorf("the loser's branch is at %s, want its work %s", got, tip)
	}
	left, err := r.Leftovers()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range left {
		if l.Path != "" && strings.HasPrefix(filepath.Base(l.Path), poolPrefix) && (len(l.Changes) > 0 || l.Branch != "") {
			t.Errorf("idle pooled worktree %s looks like work: %s", l.Path, l)
		}
	}
	// The pool is full: a second release deletes instead.
	other := create(t, r, "run", "T2", 1)
	if len(r.Pooled()) != 0 {
		t.Fatalf("pool not taken by T2: %v", r.Pooled())
	}
	third := create(t, r, "run", "T3", 1)
	for _, wt := range []*Worktree{other, third} {
		if err := r.Remove(wt, true); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(r.Pooled()); n != 1 {
		t.Errorf("%d idle worktrees, want the pool's size 1", n)
	}
}

func TestClosePoolRemovesIdleWorktreesAndKillLeavesThemRemovable(t *testing.T) {
	r := newRepo(t)
	r.UsePool(4)
	var wts []*Worktree
	for _, id := range []string{"A", "B", "C"} {
		wts = append(wts, create(t, r, "run", id, 1))
	}
	var wg sync.WaitGroup
	for _, wt := range wts {
		wg.Go(func() {
			if err := r.Remove(wt, true); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := len(r.Pooled()); n != 3 {
		t.Fatalf("%d idle worktrees, want 3", n)
	}
	// As after kill -9: the idle worktrees are leftovers that lose nothing.
	left, err := r.Leftovers()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range left {
		if !l.Removable() || l.HoldsWork() {
			t.Errorf("idle pooled worktree is not a removable leftover: %s", l)
		}
	}
	if _, err := r.ClosePool(); err != nil {
		t.Fatal(err)
	}
	if out := gitT(t, r.Root(), "worktree", "list"); strings.Contains(out, worktreesDir) {
		t.Errorf("worktrees left after ClosePool:\n%s", out)
	}
	if exists(filepath.Join(r.Root(), filepath.FromSlash(worktreesDir), "run")) {
		t.Error("the run directory is still there")
	}
	// Pooling is off again: Remove deletes.
	wt := create(t, r, "run", "D", 1)
	if err := r.Remove(wt, true); err != nil || len(r.Pooled()) != 0 || exists(wt.Path) {
		t.Errorf("Remove after ClosePool: %v, pooled %v", err, r.Pooled())
	}
}

func TestPoolDoesNotTakeALockedWorktree(t *testing.T) {
	r := newRepo(t)
	r.UsePool(2)
	wt := create(t, r, "run", "T1", 1)
	writeFile(t, wt.Path, "wip.txt", "keep me\n")
	gitT(t, r.Root(), "worktree", "lock", wt.Path)
	if err := r.Remove(wt, true); err == nil {
		t.Error("Remove of a locked worktree succeeded")
	}
	if readFile(t, wt.Path, "wip.txt") != "keep me\n" || len(r.Pooled()) != 0 {
		t.Error("the locked worktree was touched or pooled")
	}
}

func TestCreateWaitsForAnAnnouncedRelease(t *testing.T) {
	r := newRepo(t)
	r.UsePool(1)
	r.currentPool().noteCheckout(time.Hour) // as if a checkout took that long: wait as long as it takes
	first := create(t, r, "run", "T1", 1)
	admin := adminDir(first.Path)
	done := r.Releasing()
	released := make(chan error, 1)
	go func() {
		defer done()
		released <- r.Remove(first, true)
	}()
	// Whether or not the release has run yet, the next attempt gets the
	// released worktree, not a new checkout.
	second := create(t, r, "run", "T2", 1)
	if err := <-released; err != nil {
		t.Fatal(err)
	}
	if got := adminDir(second.Path); got != admin {
		t.Errorf("second attempt's git dir %s, want the released worktree's %s", got, admin)
	}
}

func TestCreateDoesNotWaitForAReleaseThatDeletes(t *testing.T) {
	r := newRepo(t)
	r.UsePool(1)
	r.currentPool().noteCheckout(time.Hour)
	first := create(t, r, "run", "T1", 1)
	gitT(t, r.Root(), "worktree", "lock", first.Path)
	done := r.Releasing()
	go func() {
		defer done()
		_ = r.Remove(first, true) // locked: refused, nothing pooled
	}()
	second := create(t, r, "run", "T2", 1)
	if adminDir(second.Path) == adminDir(first.Path) || !exists(first.Path) {
		t.Error("the locked worktree was reused")
	}
}
