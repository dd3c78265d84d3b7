package worktree

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// attemptsWith creates one attempt per file, each committing its file.
func attemptsWith(t *testing.T, r *Repo, files ...string) []Landing {
	t.Helper()
	var ls []Landing
	for i, f := range files {
		wt := create(t, r, "batch", fmt.Sprintf("T%d", i+1), 1)
		commitFiles(t, wt.Path, "work on "+f, map[string]string{f: fmt.Sprintf("T%d\n", i+1)})
		ls = append(ls, Landing{Branch: wt.Branch, Message: fmt.Sprintf("looper: merge T%d", i+1)})
	}
	return ls
}

// firstParents lists the subjects along main's first-parent history.
func firstParents(t *testing.T, r *Repo) []string {
	t.Helper()
	return strings.Split(gitT(t, r.Root(), "log", "--first-parent", "--format=%s", "main"), "\n")
}

func TestMergeAllLandsABatchAsOneAtATimeWould(t *testing.T) {
	r := newRepo(t)
	ls := attemptsWith(t, r, "a.txt", "b.txt", "c.txt", "d.txt")
	moves := 0
	r.beforeMove = func() { moves++ }
	results, errs, err := r.MergeAll(t.Context(), ls)
	if err != nil {
		t.Fatal(err)
	}
	if moves != 1 {
		t.Errorf("the main tree moved %d times, want once for the batch", moves)
	}
	for i, res := range results {
		if errs[i] != nil || res.Conflicted() || res.Commit == "" {
			t.Errorf("landing %d: %+v, %v", i, res, errs[i])
		}
	}
	if !results[0].FastForward || results[1].FastForward {
		t.Errorf("want the first to fast-forward and the rest to be merge commits: %+v", results)
	}
	head, _ := r.Head()
	if results[3].Commit != head {
		t.Errorf("main at %s, the last landing says %s", head, results[3].Commit)
	}
	got := firstParents(t, r)
	want := []string{"looper: merge T4", "looper: merge T3", "looper: merge T2", "work on a.txt", "initial"}
	if !slices.Equal(got, want) {
		t.Errorf("first-parent history %q, want %q", got, want)
	}
	for _, f := range []string{"a.txt", "b.txt", "c.txt", "d.txt"} {
		if readFile(t, r.Root(), f) == "<missing>" {
			t.Errorf("%s did not land in the main tree", f)
		}
	}
	if d := mustDirty(t, r); len(d) > 0 {
		t.Errorf("main tree not clean after the batch: %v", d)
	}
}

func TestMergeAllLeavesAConflictOutAndLandsTheRest(t *testing.T) {
	r := newRepo(t)
	ls := attemptsWith(t, r, "a.txt", "main.go", "c.txt")
	commitFiles(t, r.Root(), "user edits main.go", map[string]string{"main.go": "package main // user\n"})
	results, errs, err := r.MergeAll(t.Context(), ls)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(results[1].Conflicts, []string{"main.go"}) || errs[1] != nil {
		t.Errorf("landing 1: %+v, %v; want a conflict in main.go", results[1], errs[1])
	}
	if results[0].Conflicted() || results[2].Conflicted() {
		t.Errorf("the others conflicted: %+v", results)
	}
	if readFile(t, r.Root(), "a.txt") != "T1\n" || readFile(t, r.Root(), "c.txt") != "T3\n" || readFile(t, r.Root(), "main.go") != "package main // user\n" {
		t.Errorf("main tree is not the user's main.go with a.txt and c.txt")
	}
	assertNoMergeInProgress(t, r)
}

func TestMergeAllComputesAgainOnATipThatMoved(t *testing.T) {
	r := newRepo(t)
	ls := attemptsWith(t, r, "a.txt", "b.txt")
	calls := 0
	r.beforeMove = func() {
		calls++
		if calls == 1 {
			commitFiles(t, r.Root(), "user commit", map[string]string{"user.txt": "u\n"})
		}
	}
	results, errs, err := r.MergeAll(t.Context(), ls)
	if err != nil || errs[0] != nil || errs[1] != nil {
		t.Fatalf("MergeAll: %v %v", err, errs)
	}
	if calls != 2 {
		t.Errorf("beforeMove ran %d times; want a second computation on the moved tip", calls)
	}
	user := gitT(t, r.Root(), "rev-parse", "main~2")
	if results[0].Onto != user || results[0].FastForward {
		t.Errorf("first landing %+v; want a merge onto the user's commit %s", results[0], user)
	}
	if readFile(t, r.Root(), "user.txt") != "u\n" || readFile(t, r.Root(), "a.txt") != "T1\n" || readFile(t, r.Root(), "b.txt") != "T2\n" {
		t.Errorf("the user's commit or an attempt was lost")
	}
}

func TestMergeAllFallsBackToOneAtATimeForUncommittedChanges(t *testing.T) {
	r := newRepo(t)
	ls := attemptsWith(t, r, "a.txt", "b.txt", "c.txt")
	writeFile(t, r.Root(), "b.txt", "mine\n") // untracked, where landing 1 writes
	results, errs, err := r.MergeAll(t.Context(), ls)
	if err != nil {
		t.Fatal(err)
	}
	var de *DirtyError
	if !errors.As(errs[1], &de) || !slices.Equal(de.Paths, []string{"b.txt"}) {
		t.Errorf("landing 1: %v; want a *DirtyError for b.txt", errs[1])
	}
	if errs[0] != nil || errs[2] != nil || results[0].Commit == "" || results[2].Commit == "" {
		t.Errorf("the others did not land: %+v %v", results, errs)
	}
	if readFile(t, r.Root(), "b.txt") != "mine\n" || readFile(t, r.Root(), "c.txt") != "T3\n" {
		t.Errorf("the user's file was touched or c.txt did not land")
	}
}

func TestMergeAllRefusesAnOptionForABranch(t *testing.T) {
	r := newRepo(t)
	if _, _, err := r.MergeAll(t.Context(), []Landing{{Branch: "--force"}}); err == nil {
		t.Error("MergeAll accepted --force as a branch")
	}
}
