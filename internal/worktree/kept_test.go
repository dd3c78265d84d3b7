package worktree

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// keepRun runs a "run" of the kept pool in r: UsePool(size) and KeepPool,
// one attempt per task (each leaves a file, is merged and released), then
// ClosePool. It returns how many worktrees the run adopted and kept.
func keepRun(t *testing.T, r *Repo, run string, size int, sparse []string, tasks ...string) (adopted, kept int) {
	t.Helper()
	r.UsePool(size)
	adopted = r.KeepPool(run, sparse)
	var wts []*Worktree
	for _, task := range tasks {
		wt, err := r.Create(t.Context(), run, task, 1, Options{Sparse: sparse})
		if err != nil {
			t.Fatal(err)
		}
		wts = append(wts, wt)
	}
	for _, wt := range wts {
		writeFile(t, wt.Path, strings.ToLower(filepath.Base(wt.Path))+".txt", "work\n")
		if ok, err := r.CommitAll(wt, "work"); !ok || err != nil {
			t.Fatalf("CommitAll = %v, %v", ok, err)
		}
		mustMerge(t, r, wt.Branch, "merge "+wt.Branch)
		if err := r.Remove(wt, true); err != nil {
			t.Fatal(err)
		}
	}
	kept, err := r.ClosePool()
	if err != nil {
		t.Fatal(err)
	}
	return adopted, kept
}

func keptPath(r *Repo, n string) string {
	return filepath.Join(r.Root(), filepath.FromSlash(worktreesDir), keptDir, n)
}

func TestKeptPoolCarriesWorktreesToTheNextRun(t *testing.T) {
	r := newRepo(t)
	if adopted, kept := keepRun(t, r, "run1", 2, nil, "A", "B"); adopted != 0 || kept != 2 {
		t.Fatalf("first run adopted %d and kept %d, want 0 and 2", adopted, kept)
	}
	if exists(filepath.Join(r.Root(), filepath.FromSlash(worktreesDir), "run1")) {
		t.Error("the first run's directory is still there")
	}
	left, err := r.Leftovers()
	if err != nil {
		t.Fatal(err)
	}
	if len(left) != 2 {
		t.Fatalf("Leftovers = %v, want the two kept worktrees", left)
	}
	for _, l := range left {
		if !l.Kept || !l.Removable() || l.HoldsWork() || !strings.Contains(l.String(), "kept for the next run") {
			t.Errorf("kept worktree listed as %+v (%s)", l, l)
		}
	}
	// Whatever happened there between the runs is not carried into an attempt.
	one := keptPath(r, "1")
	writeFile(t, one, "stray.txt", "written between runs\n")
	writeFile(t, one, "main.go", "edited between runs\n")

	r.UsePool(2)
	if n := r.KeepPool("run2", nil); n != 2 {
		t.Fatalf("second run adopted %d, want 2", n)
	}
	if exists(one) || len(r.Pooled()) != 2 {
		t.Fatalf("adopted worktrees not moved under the run: pooled %v", r.Pooled())
	}
	for _, task := range []string{"C", "D"} {
		wt := create(t, r, "run2", task, 1)
		head, _ := r.Head()
		if got := gitT(t, wt.Path, "rev-parse", "HEAD"); got != head {
			t.Errorf("%s at %s, want the tip %s", task, got, head)
		}
		if exists(filepath.Join(wt.Path, "stray.txt")) || readFile(t, wt.Path, "main.go") != readFile(t, r.Root(), "main.go") {
			t.Errorf("%s: a change made in the kept worktree survived its adoption", task)
		}
		if readFile(t, wt.Path, "a-1.txt") != "work\n" || readFile(t, wt.Path, "b-1.txt") != "work\n" {
			t.Errorf("%s: the first run's merged work is not in the worktree", task)
		}
		if out := gitT(t, wt.Path, "status", "--porcelain"); out != "" {
			t.Errorf("%s: reused worktree not clean:\n%s", task, out)
		}
	}
	if len(r.Pooled()) != 0 {
		t.Errorf("creates did not take the adopted worktrees: %v", r.Pooled())
	}
	if _, err := r.ClosePool(); err != nil {
		t.Fatal(err)
	}
}

func TestKeptWorktreeSomeoneCommittedInIsNotAdopted(t *testing.T) {
	r := newRepo(t)
	keepRun(t, r, "run1", 1, nil, "A")
	one := keptPath(r, "1")
	gitT(t, one, "checkout", "-q", "--detach")
	commitFiles(t, one, "work done in a kept worktree", map[string]string{"precious.txt": "x\n"})
	r.UsePool(1)
	if n := r.KeepPool("run2", nil); n != 0 {
		t.Fatalf("adopted %d, want 0: its HEAD moved since it was kept", n)
	}
	if _, err := r.ClosePool(); err != nil {
		t.Fatal(err)
	}
	left, err := r.Leftovers()
	if err != nil {
		t.Fatal(err)
	}
	if len(left) != 1 || left[0].Kept || left[0].State != StateUnmerged || left[0].Removable() {
		t.Fatalf("Leftovers = %v, want the touched worktree as unmerged work", left)
	}
	if _, kept, err := r.Clean(t.Context(), false); err != nil || len(kept) != 1 || readFile(t, one, "precious.txt") != "x\n" {
		t.Errorf("Clean = kept %v, %v: it must keep the commit", kept, err)
	}
}

func TestKeptWorktreeWithOtherSparseDirectoriesIsNotAdopted(t *testing.T) {
	r := newRepo(t)
	commitFiles(t, r.Root(), "monorepo", map[string]string{"api/api.go": "package api\n", "web/web.go": "package web\n"})
	keepRun(t, r, "run1", 1, []string{"api/"}, "A")
	r.UsePool(1)
	if n := r.KeepPool("run2", nil); n != 0 {
		t.Fatalf("a run checking out every file adopted a sparse worktree")
	}
	wt := create(t, r, "run2", "B", 1)
	if !exists(filepath.Join(wt.Path, "web", "web.go")) {
		t.Error("the attempt lacks files outside the earlier run's sparse directories")
	}
	if err := r.Remove(wt, true); err != nil {
		t.Fatal(err)
	}
	if _, err := r.ClosePool(); err != nil {
		t.Fatal(err)
	}
	r.UsePool(2)
	if n := r.KeepPool("run3", []string{"./api"}); n != 1 {
		t.Errorf("a run with the same sparse directories adopted %d, want 1", n)
	}
	if _, err := r.ClosePool(); err != nil {
		t.Fatal(err)
	}
}

func TestCleanRemovesKeptWorktrees(t *testing.T) {
	r := newRepo(t)
	keepRun(t, r, "run1", 3, nil, "A", "B", "C")
	removed, kept, err := r.Clean(t.Context(), false)
	if err != nil || len(removed) != 3 || len(kept) != 0 {
		t.Fatalf("Clean = removed %v, kept %v, %v", removed, kept, err)
	}
	if out := gitT(t, r.Root(), "worktree", "list"); strings.Contains(out, worktreesDir) {
		t.Errorf("worktrees left after Clean:\n%s", out)
	}
	if exists(filepath.Join(r.Root(), filepath.FromSlash(worktreesDir), keptDir)) {
		t.Error("the kept pool's directory is still there")
	}
}

func TestTwoRunsNeverAdoptTheSameKeptWorktree(t *testing.T) {
	r := newRepo(t)
	keepRun(t, r, "run1", 3, nil, "A", "B", "C")
	other, err := Open(r.Root())
	if err != nil {
		t.Fatal(err)
	}
	var counts [2]int
	var wg sync.WaitGroup
	for i, repo := range []*Repo{r, other} {
		repo.UsePool(3)
		wg.Go(func() { counts[i] = repo.KeepPool("run"+string(rune('x'+i)), nil) })
	}
	wg.Wait()
	if counts[0]+counts[1] != 3 {
		t.Fatalf("the runs adopted %v, want 3 in all", counts)
	}
	seen := map[string]bool{}
	for _, repo := range []*Repo{r, other} {
		for _, p := range repo.Pooled() {
			if _, err := os.Stat(filepath.Join(p, ".git")); err != nil {
				t.Errorf("adopted worktree %s: %v", p, err)
			}
			admin := adminDir(p)
			if seen[admin] {
				t.Errorf("worktree %s adopted twice", admin)
			}
			seen[admin] = true
		}
	}
	if out := gitT(t, r.Root(), "worktree", "list", "--porcelain"); strings.Contains(out, "prunable") {
		t.Errorf("a worktree's record lost its directory:\n%s", out)
	}
	for _, repo := range []*Repo{r, other} {
		if _, err := repo.ClosePool(); err != nil {
			t.Fatal(err)
		}
	}
}

func TestAdoptedWorktreesOfAKilledRunAreRemovableLeftovers(t *testing.T) {
	r := newRepo(t)
	keepRun(t, r, "run1", 2, nil, "A", "B")
	r.UsePool(2)
	if n := r.KeepPool("run2", nil); n != 2 {
		t.Fatalf("adopted %d, want 2", n)
	}
	// run2 is killed here: no ClosePool. The next run's view:
	next, err := Open(r.Root())
	if err != nil {
		t.Fatal(err)
	}
	left, err := next.Leftovers()
	if err != nil {
		t.Fatal(err)
	}
	if len(left) != 2 {
		t.Fatalf("Leftovers = %v, want run2's two adopted worktrees", left)
	}
	for _, l := range left {
		if l.Kept || l.Run != "run2" || !l.Removable() || l.HoldsWork() {
			t.Errorf("adopted worktree of a killed run listed as %s (%+v)", l, l)
		}
	}
	next.UsePool(2)
	if n := next.KeepPool("run3", nil); n != 0 {
		t.Errorf("a later run adopted %d of a killed run's worktrees; they are its leftovers", n)
	}
	if removed, _, err := next.Clean(t.Context(), false); err != nil || len(removed) != 2 {
		t.Errorf("Clean removed %d, %v; want both", len(removed), err)
	}
}
