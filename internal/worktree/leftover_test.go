package worktree

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// leftoverKey names a leftover in test expectations: run/task.
func leftoverKey(l Leftover) string { return l.Run + "/" + l.Task }

func keys(ls []Leftover) []string {
	var out []string
	for _, l := range ls {
		out = append(out, leftoverKey(l))
	}
	slices.Sort(out)
	return out
}

// TestLeftoversAndClean builds every kind of leftover an interrupted or
// finished run can leave, checks how Leftovers classifies each, and what
// Clean removes without and with force.
func TestLeftoversAndClean(t *testing.T) {
	t.Parallel()
	r := newRepo(t)
	root := r.Root()
	work := func(wt *Worktree, name string) {
		commitFiles(t, wt.Path, "work on "+name, map[string]string{name + ".txt": name + "\n"})
	}

	merged := create(t, r, "old", "merged", 1)
	work(merged, "merged")
	mustMerge(t, r, merged.Branch, "")

	create(t, r, "old", "empty", 1)

	unmerged := create(t, r, "old", "unmerged", 1)
	work(unmerged, "unmerged")
	commitFiles(t, unmerged.Path, "second", map[string]string{"more.txt": "more\n"})

	missingEmpty := create(t, r, "old", "missing-empty", 1)
	os.RemoveAll(missingEmpty.Path)

	missingUnmerged := create(t, r, "old", "missing-unmerged", 1)
	work(missingUnmerged, "missing-unmerged")
	os.RemoveAll(missingUnmerged.Path)

	dirty := create(t, r, "old", "dirty", 1)
	writeFile(t, dirty.Path, "half-done.txt", "agent crashed here\n")

	locked := create(t, r, "old", "locked", 1)
	gitT(t, root, "worktree", "lock", "--reason", "inspecting", locked.Path)

	branchOnly := create(t, r, "old", "branch-only", 1)
	work(branchOnly, "branch-only")
	if err := r.Remove(branchOnly, false); err != nil {
		t.Fatal(err)
	}

	branchMerged := create(t, r, "old", "branch-merged", 1)
	work(branchMerged, "branch-merged")
	mustMerge(t, r, branchMerged.Branch, "")
	if err := r.Remove(branchMerged, false); err != nil {
		t.Fatal(err)
	}

	detached := create(t, r, "old", "detached", 1)
	gitT(t, detached.Path, "switch", "--quiet", "--detach")
	work(detached, "detached")

	switched := create(t, r, "old", "switched", 1)
	gitT(t, switched.Path, "switch", "--quiet", "-c", "agent-feature")
	work(switched, "switched")

	// A looper branch the user checked out elsewhere to look at is not a leftover.
	inspected := create(t, r, "old", "inspected", 1)
	work(inspected, "inspected")
	if err := r.Remove(inspected, false); err != nil {
		t.Fatal(err)
	}
	gitT(t, root, "worktree", "add", "--quiet", filepath.Join(filepath.Dir(root), "inspect"), inspected.Branch)

	writeFile(t, root, ".looper/worktrees/old/stray-1/file.txt", "who knows\n")

	create(t, r, "new", "fresh", 2)

	// A user's branch that merely starts with looper/ is not an attempt.
	gitT(t, root, "branch", "looper/experiment")

	// Someone else's worktree outside .looper/worktrees is never touched.
	foreign := filepath.Join(filepath.Dir(root), "foreign")
	gitT(t, root, "worktree", "add", "--quiet", "-b", "feature", foreign)

	ls, err := r.Leftovers()
	if err != nil {
		t.Fatal(err)
	}
	type summary struct {
		State                   State
		Ahead                   int
		Missing, Locked, Dirty  bool
		HasPath, HasBranch, Rem bool
	}
	got := map[string]summary{}
	for _, l := range ls {
		got[leftoverKey(l)] = summary{l.State, l.Ahead, l.Missing, l.Locked, len(l.Changes) > 0, l.Path != "", l.Branch != "", l.Removable()}
		if l.Branch != "" && l.Base == "" {
			t.Errorf("%s: no Base", l)
		}
	}
	want := map[string]summary{
		"old/merged":           {State: StateMerged, HasPath: true, HasBranch: true, Rem: true},
		"old/empty":            {State: StateEmpty, HasPath: true, HasBranch: true, Rem: true},
		"old/unmerged":         {State: StateUnmerged, Ahead: 2, HasPath: true, HasBranch: true},
		"old/missing-empty":    {State: StateEmpty, Missing: true, HasPath: true, HasBranch: true, Rem: true},
		"old/missing-unmerged": {State: StateUnmerged, Ahead: 1, Missing: true, HasPath: true, HasBranch: true},
		"old/dirty":            {State: StateEmpty, Dirty: true, HasPath: true, HasBranch: true},
		"old/locked":           {State: StateEmpty, Locked: true, HasPath: true, HasBranch: true},
		"old/branch-only":      {State: StateUnmerged, Ahead: 1, HasBranch: true},
		"old/branch-merged":    {State: StateMerged, HasBranch: true, Rem: true},
		"old/detached":         {State: StateUnmerged, Ahead: 1, HasPath: true, HasBranch: true},
		"old/stray":            {State: StateStray, HasPath: true},
		"old/switched":         {State: StateUnmerged, Ahead: 1, HasPath: true, HasBranch: true},
		"new/fresh":            {State: StateEmpty, HasPath: true, HasBranch: true, Rem: true},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Leftovers (-want +got):\n%s", diff)
	}
	for _, l := range ls {
		if leftoverKey(l) == "old/missing-unmerged" {
			if s := l.String(); !strings.Contains(s, "unmerged (1 commit), directory missing") {
				t.Errorf("String() = %q", s)
			}
		}
		if leftoverKey(l) == "old/unmerged" {
			if s := l.String(); !strings.Contains(s, "unmerged (2 commits), at "+unmerged.Path) {
				t.Errorf("String() = %q", s)
			}
		}
	}

	list, err := r.List("old")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, wt := range list {
		names = append(names, filepath.Base(wt.Path))
	}
	if diff := cmp.Diff([]string{"detached-1", "dirty-1", "empty-1", "locked-1", "merged-1", "missing-empty-1", "missing-unmerged-1", "switched-1", "unmerged-1"}, names); diff != "" {
		t.Errorf("List(old) (-want +got):\n%s", diff)
	}
	if all, _ := r.List(""); len(all) != len(list)+1 {
		t.Errorf("List(\"\") has %d worktrees, want %d", len(all), len(list)+1)
	}

	// Without force: only what loses nothing goes.
	removed, kept, err := r.Clean(t.Context(), false)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"new/fresh", "old/branch-merged", "old/empty", "old/merged", "old/missing-empty"}, keys(removed)); diff != "" {
		t.Errorf("Clean removed (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"old/branch-only", "old/detached", "old/dirty", "old/locked", "old/missing-unmerged", "old/stray", "old/switched", "old/unmerged"}, keys(kept)); diff != "" {
		t.Errorf("Clean kept (-want +got):\n%s", diff)
	}
	wtList := gitT(t, root, "worktree", "list", "--porcelain")
	for _, gone := range []string{"merged-1", "empty-1", "missing-empty-1", "missing-unmerged-1", "fresh-2"} {
		if strings.Contains(wtList, "/"+gone+"\n") {
			t.Errorf("worktree %s still registered", gone)
		}
	}
	branches := gitT(t, root, "branch", "--list", "looper/*/*/*", "--format=%(refname:short)")
	if diff := cmp.Diff([]string{
		"looper/old/branch-only/1", "looper/old/detached/1", "looper/old/dirty/1", "looper/old/inspected/1",
		"looper/old/locked/1", "looper/old/missing-unmerged/1", "looper/old/switched/1", "looper/old/unmerged/1",
	}, strings.Fields(branches)); diff != "" {
		t.Errorf("branches after Clean (-want +got):\n%s", diff)
	}
	if readFile(t, dirty.Path, "half-done.txt") == "<missing>" || readFile(t, root, ".looper/worktrees/old/stray-1/file.txt") == "<missing>" {
		t.Errorf("Clean without force deleted uncommitted work or a stray directory")
	}
	// Kept leftovers are found again, unchanged, by the next run.
	ls, err = r.Leftovers()
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(keys(kept), keys(ls)); diff != "" {
		t.Errorf("Leftovers after Clean (-want +got):\n%s", diff)
	}

	// With force: everything goes; the merged work stays on main.
	removed, kept, err = r.Clean(t.Context(), true)
	if err != nil {
		t.Fatal(err)
	}
	if len(kept) != 0 || len(removed) != 8 {
		t.Errorf("Clean(force) removed %v, kept %v", keys(removed), keys(kept))
	}
	if got := gitT(t, root, "branch", "--list", "looper/*/*/*", "--format=%(refname:short)"); got != inspected.Branch {
		t.Errorf("looper branches left: %q, want only the one checked out elsewhere", got)
	}
	if gitT(t, root, "branch", "--list", "looper/experiment") == "" {
		t.Errorf("Clean deleted the user's branch looper/experiment")
	}
	if got := gitT(t, root, "branch", "--list", "agent-feature"); got == "" {
		t.Errorf("Clean deleted the agent's own branch agent-feature")
	}
	if ls, _ := r.Leftovers(); len(ls) != 0 {
		t.Errorf("leftovers after Clean(force): %v", keys(ls))
	}
	if entries, _ := os.ReadDir(filepath.Join(root, ".looper", "worktrees")); len(entries) != 0 {
		t.Errorf(".looper/worktrees not empty: %v", entries)
	}
	if !strings.Contains(gitT(t, root, "worktree", "list"), foreign) || gitT(t, root, "branch", "--list", "feature") == "" {
		t.Errorf("Clean touched a worktree outside .looper/worktrees")
	}
	if readFile(t, root, "merged.txt") != "merged\n" || readFile(t, root, "branch-merged.txt") != "branch-merged\n" {
		t.Errorf("merged work lost")
	}
	if d := mustDirty(t, r); len(d) != 0 {
		t.Errorf("main worktree dirty after Clean: %v", d)
	}
}

func TestLeftoversNone(t *testing.T) {
	t.Parallel()
	r := newRepo(t)
	ls, err := r.Leftovers()
	if err != nil || len(ls) != 0 {
		t.Errorf("Leftovers in a fresh repository = %v, %v", ls, err)
	}
	removed, kept, err := r.Clean(t.Context(), true)
	if err != nil || len(removed)+len(kept) != 0 {
		t.Errorf("Clean in a fresh repository = %v, %v, %v", removed, kept, err)
	}
}

func TestParseWorktreeList(t *testing.T) {
	t.Parallel()
	out := "worktree /r\x00HEAD " + strings.Repeat("a", 40) + "\x00branch refs/heads/main\x00\x00" +
		"worktree /r/.looper/worktrees/x/t-1\x00HEAD " + strings.Repeat("b", 40) + "\x00detached\x00locked why\nnot\x00prunable gitdir file points to non-existent location\x00newattr\x00\x00" +
		"worktree /bare\x00bare\x00\x00"
	got, err := parseWorktreeList([]byte(out))
	if err != nil {
		t.Fatal(err)
	}
	want := []worktreeRecord{
		{Path: "/r", Head: strings.Repeat("a", 40), Branch: "main"},
		{Path: "/r/.looper/worktrees/x/t-1", Head: strings.Repeat("b", 40), Detached: true, Locked: true, Prunable: true},
		{Path: "/bare", Bare: true},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("parseWorktreeList (-want +got):\n%s", diff)
	}
	for _, bad := range []string{"worktree /r", "worktree /r\x00", "HEAD x\x00\x00", "\x00", "worktree \x00\x00", "worktree /r\x00branch main\x00\x00", "worktree /a\x00worktree /b\x00\x00"} {
		if _, err := parseWorktreeList([]byte(bad)); err == nil {
			t.Errorf("parseWorktreeList(%q): no error", bad)
		}
	}
}

func FuzzParseWorktreeList(f *testing.F) {
	f.Add([]byte("worktree /r\x00HEAD abc\x00branch refs/heads/main\x00\x00"))
	f.Add([]byte("worktree /x\x00detached\x00locked\x00prunable\x00\x00worktree /b\x00bare\x00\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		list, err := parseWorktreeList(data)
		if err != nil {
			return
		}
		for _, w := range list {
			if w.Path == "" {
				t.Errorf("parseWorktreeList(%q): entry without a path", data)
			}
		}
	})
}
