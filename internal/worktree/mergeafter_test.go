package worktree

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// mustState is State failing the test on error.
func mustState(t *testing.T, r *Repo) CheckoutState {
	t.Helper()
	st, err := r.State(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// TestMergeAfterALook runs TestMergeDirty's cases through MergeAfter, given
// a look taken after the user's change (it must find the change there) and
// one taken before it (the change must still never be overwritten: git's
// fast-forward refuses, or a file the merge writes is missing, and the
// merge looks again).
func TestMergeAfterALook(t *testing.T) {
	t.Parallel()
	edit := map[string]string{"main.go": "package main\n\nfunc main() {}\n"}
	mine := func(path string) func(t *testing.T, root string) {
		return func(t *testing.T, root string) { writeFile(t, root, path, "mine\n") }
	}
	for _, tc := range []struct {
		name       string
		mergeNeeds bool
		branch     map[string]string
		branchRm   string
		dirty      func(t *testing.T, root string)
		want       []string
	}{
		{"modified, fast-forward", false, edit, "", mine("main.go"), []string{"main.go"}},
		{"modified, merge commit", true, edit, "", mine("main.go"), []string{"main.go"}},
		{"staged", false, edit, "", func(t *testing.T, root string) {
			writeFile(t, root, "main.go", "mine\n")
			gitT(t, root, "add", "main.go")
		}, []string{"main.go"}},
		{"untracked where the branch adds", false, map[string]string{"new.txt": "theirs\n"}, "", mine("new.txt"), []string{"new.txt"}},
		{"untracked file where the branch adds a directory", true, map[string]string{"conf/x.txt": "theirs\n"}, "", mine("conf"), []string{"conf"}},
		{"ignored file where the branch adds", false, map[string]string{"secret.log": "theirs\n"}, "", mine("secret.log"), []string{"secret.log"}},
		{"modified where the branch deletes", false, nil, "README.md", mine("README.md"), []string{"README.md"}},
		{"deleted where the branch modifies", true, edit, "", func(t *testing.T, root string) { os.Remove(filepath.Join(root, "main.go")) }, []string{"main.go"}},
	} {
		for _, stale := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/stale %v", tc.name, stale), func(t *testing.T) {
				t.Parallel()
				r := newRepo(t)
				root := r.Root()
				wt := create(t, r, "d", "T", 1)
				for name, content := range tc.branch {
					writeFile(t, wt.Path, name, content)
				}
				if tc.branch != nil {
					gitT(t, wt.Path, "add", "--force", "--all")
				}
				if tc.branchRm != "" {
					gitT(t, wt.Path, "rm", "--quiet", tc.branchRm)
				}
				gitT(t, wt.Path, "commit", "--quiet", "-m", "attempt")
				if tc.mergeNeeds {
					other := create(t, r, "d", "other", 1)
					commitFiles(t, other.Path, "other", map[string]string{"other.txt": "o\n"})
					mustMerge(t, r, other.Branch, "")
				}
				var look CheckoutState
				if stale {
					look = mustState(t, r)
				}
				tc.dirty(t, root)
				if !stale {
					look = mustState(t, r)
				}
				before, _ := r.Head()
				snapshot := map[string]string{}
				for _, p := range tc.want {
					snapshot[p] = readFile(t, root, p)
				}
				res, err := r.MergeAfter(t.Context(), look, Landing{Branch: wt.Branch, Base: wt.Base})
				var de *DirtyError
				if !errors.As(err, &de) {
					t.Fatalf("MergeAfter = %+v, %v; want a *DirtyError", res, err)
				}
				if diff := cmp.Diff(tc.want, de.Paths); diff != "" {
					t.Errorf("DirtyError.Paths (-want +got):\n%s", diff)
				}
				if head, _ := r.Head(); head != before {
					t.Errorf("main moved despite the dirty tree")
				}
				for p, content := range snapshot {
					if got := readFile(t, root, p); got != content {
						t.Errorf("the user's %s changed from %q to %q", p, content, got)
					}
				}
				assertNoMergeInProgress(t, r)
			})
		}
	}
}

// TestMergeAllAfterAStaleLook: a tracked file the user modified after the
// look, where one branch of a batch writes, stops that branch only (the
// batch's fast-forward is refused and each branch is merged with a fresh
// look); the others land.
func TestMergeAllAfterAStaleLook(t *testing.T) {
	t.Parallel()
	r := newRepo(t)
	ls := attemptsWith(t, r, "a.txt", "README.md", "c.txt")
	look := mustState(t, r)
	writeFile(t, r.Root(), "README.md", "mine\n")
	results, errs, err := r.MergeAllAfter(t.Context(), look, ls)
	if err != nil {
		t.Fatal(err)
	}
	var de *DirtyError
	if !errors.As(errs[1], &de) || !slices.Equal(de.Paths, []string{"README.md"}) {
		t.Errorf("landing 1: %v; want a *DirtyError for README.md", errs[1])
	}
	if errs[0] != nil || errs[2] != nil || results[0].Commit == "" || results[2].Commit == "" {
		t.Errorf("the others did not land: %+v %v", results, errs)
	}
	if readFile(t, r.Root(), "README.md") != "mine\n" || readFile(t, r.Root(), "c.txt") != "T3\n" {
		t.Errorf("the user's file was touched or c.txt did not land")
	}
	if !strings.Contains(gitT(t, r.Root(), "status", "--porcelain"), "M README.md") {
		t.Error("the user's change is no longer uncommitted")
	}
}

// TestMergeWithAKnownBase lands a branch whose base is given as a
// fast-forward while the integration tip is that base, and as a merge
// commit once the tip has moved: the same results as without the base.
func TestMergeWithAKnownBase(t *testing.T) {
	t.Parallel()
	r := newRepo(t)
	first := create(t, r, "kb", "A", 1)
	second := create(t, r, "kb", "B", 1)
	commitFiles(t, first.Path, "A", map[string]string{"a.txt": "a\n"})
	commitFiles(t, second.Path, "B", map[string]string{"b.txt": "b\n"})
	res, err := r.MergeAfter(t.Context(), CheckoutState{}, Landing{Branch: first.Branch, Base: first.Base})
	if err != nil || !res.FastForward || res.Commit != gitT(t, r.Root(), "rev-parse", first.Branch) {
		t.Fatalf("first = %+v, %v; want a fast-forward to its branch", res, err)
	}
	res, err = r.MergeAfter(t.Context(), CheckoutState{}, Landing{Branch: second.Branch, Base: second.Base})
	if err != nil || res.FastForward || res.Conflicted() || len(parents(t, r.Root(), res.Commit)) != 2 {
		t.Fatalf("second = %+v, %v; want a merge commit", res, err)
	}
	again, err := r.MergeAfter(t.Context(), CheckoutState{}, Landing{Branch: second.Branch, Base: second.Base})
	if err != nil || !again.UpToDate {
		t.Errorf("merging it again = %+v, %v; want up to date", again, err)
	}
}
