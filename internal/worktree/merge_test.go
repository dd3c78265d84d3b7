package worktree

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// mustMerge merges and fails the test on an error or conflict.
func mustMerge(t testing.TB, r *Repo, branch, msg string) MergeResult {
	t.Helper()
	res, err := r.Merge(context.Background(), branch, msg)
	if err != nil {
		t.Fatal(err)
	}
	if res.Conflicted() {
		t.Fatalf("merge %s: conflicts %v", branch, res.Conflicts)
	}
	return res
}

// parents returns the parent commits of rev.
func parents(t testing.TB, dir, rev string) []string {
	t.Helper()
	return strings.Fields(gitT(t, dir, "rev-list", "--parents", "-n", "1", rev))[1:]
}

// assertNoMergeInProgress fails if git has a merge in progress in the main
// worktree.
func assertNoMergeInProgress(t testing.TB, r *Repo) {
	t.Helper()
	for _, f := range []string{"MERGE_HEAD", "MERGE_MSG", "MERGE_MODE"} {
		if _, err := os.Stat(filepath.Join(r.Root(), ".git", f)); err == nil {
			t.Errorf(".git/%s exists: a merge was left in progress", f)
		}
	}
}

func TestMergeEight(t *testing.T) {
	t.Parallel()
	r := newRepo(t)
	root := r.Root()
	start, _ := r.Head()
	var wts []*Worktree
	for i := 1; i <= 8; i++ {
		wt := create(t, r, "eight", fmt.Sprintf("T-%d", i), 1)
		if wt.Base != start {
			t.Fatalf("worktree %d based on %s, want the tip %s", i, wt.Base, start)
		}
		commitFiles(t, wt.Path, fmt.Sprintf("task %d", i), map[string]string{fmt.Sprintf("task-%d.txt", i): fmt.Sprintf("work %d\n", i)})
		n, err := r.Commits(wt)
		if err != nil || n != 1 {
			t.Fatalf("Commits(%d) = %d, %v; want 1", i, n, err)
		}
		wts = append(wts, wt)
	}
	for i, wt := range wts {
		before, _ := r.Head()
		msg := fmt.Sprintf("looper: merge task T-%d", i+1)
		res := mustMerge(t, r, wt.Branch, msg)
		if res.Into != "main" || res.UpToDate {
			t.Errorf("merge %d: %+v", i+1, res)
		}
		head, _ := r.Head()
		if res.Commit != head {
			t.Errorf("merge %d: Commit %s, but main is at %s", i+1, res.Commit, head)
		}
		if i == 0 {
			if !res.FastForward || head != gitT(t, root, "rev-parse", wt.Branch) {
				t.Errorf("first merge should fast-forward main to the branch: %+v", res)
			}
			continue
		}
		if res.FastForward {
			t.Errorf("merge %d fast-forwarded, want a merge commit", i+1)
		}
		want := []string{before, gitT(t, root, "rev-parse", wt.Branch)}
		if diff := cmp.Diff(want, parents(t, root, "HEAD")); diff != "" {
			t.Errorf("merge %d parents (-want +got):\n%s", i+1, diff)
		}
		if got := gitT(t, root, "log", "-1", "--format=%s"); got != msg {
			t.Errorf("merge %d message %q, want %q", i+1, got, msg)
		}
	}
	for i := 1; i <= 8; i++ {
		if got := readFile(t, root, fmt.Sprintf("task-%d.txt", i)); got != fmt.Sprintf("work %d\n", i) {
			t.Errorf("task-%d.txt in the main worktree = %q", i, got)
		}
	}
	if d := mustDirty(t, r); len(d) != 0 {
		t.Errorf("main worktree dirty after merging: %v", d)
	}
	assertNoMergeInProgress(t, r)

	// Merging again changes nothing.
	head, _ := r.Head()
	res := mustMerge(t, r, wts[3].Branch, "")
	if !res.UpToDate || res.Commit != head {
		t.Errorf("re-merge: %+v, want UpToDate at %s", res, head)
	}

	// A worktree created now starts from the new tip and sees the work.
	next := create(t, r, "eight", "T-9", 1)
	if next.Base != head || readFile(t, next.Path, "task-8.txt") != "work 8\n" {
		t.Errorf("new worktree based on %s (want %s) or missing merged work", next.Base, head)
	}

	for _, wt := range append(wts, next) {
		if err := r.Remove(wt, true); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(wt.Path); !os.IsNotExist(err) {
			t.Errorf("%s still exists after Remove", wt.Path)
		}
	}
	if list, err := r.List(""); err != nil || len(list) != 0 {
		t.Errorf("List after removing everything = %v, %v", list, err)
	}
	if got := gitT(t, root, "branch", "--list", "looper/*"); got != "" {
		t.Errorf("looper branches left: %q", got)
	}
	if _, err := os.Stat(filepath.Join(root, ".looper", "worktrees", "eight")); !os.IsNotExist(err) {
		t.Errorf("empty run directory left behind (err %v)", err)
	}
}

func TestMergeConflict(t *testing.T) {
	t.Parallel()
	r := newRepo(t)
	root := r.Root()
	a := create(t, r, "c", "A", 1)
	b := create(t, r, "c", "B", 1)
	commitFiles(t, a.Path, "a", map[string]string{"main.go": "package main\n\nfunc main() {\n\tprintln(\"two\")\n}\n", "a.txt": "a\n"})
	commitFiles(t, b.Path, "b", map[string]string{"main.go": "package main\n\nfunc main() {\n\tprintln(\"three\")\n}\n", "b.txt": "b\n"})
	first := mustMerge(t, r, a.Branch, "")
	res, err := r.Merge(t.Context(), b.Branch, "merge b")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"main.go"}, res.Conflicts); diff != "" {
		t.Errorf("Conflicts (-want +got):\n%s", diff)
	}
	if res.Commit != "" || !res.Conflicted() {
		t.Errorf("conflicted result %+v", res)
	}
	if head, _ := r.Head(); head != first.Commit {
		t.Errorf("main moved to %s on conflict, want %s", head, first.Commit)
	}
	if d := mustDirty(t, r); len(d) != 0 {
		t.Errorf("main worktree dirty after a conflict: %v", d)
	}
	if got := readFile(t, root, "main.go"); !strings.Contains(got, "two") || strings.Contains(got, "<<<<") {
		t.Errorf("main.go after the conflict = %q", got)
	}
	if got := readFile(t, root, "b.txt"); got != "<missing>" {
		t.Errorf("b.txt leaked into main: %q", got)
	}
	assertNoMergeInProgress(t, r)

	// A modify/delete conflict names the path too.
	c := create(t, r, "c", "C", 1)
	d := create(t, r, "c", "D", 1)
	gitT(t, c.Path, "rm", "--quiet", "a.txt")
	gitT(t, c.Path, "commit", "--quiet", "-m", "rm a")
	commitFiles(t, d.Path, "edit a", map[string]string{"a.txt": "edited\n"})
	mustMerge(t, r, c.Branch, "")
	res, err = r.Merge(t.Context(), d.Branch, "")
	if err != nil || !slices.Equal(res.Conflicts, []string{"a.txt"}) {
		t.Errorf("modify/delete: %+v, %v", res, err)
	}
}

// TestMergeDirty covers the policy for the user's uncommitted changes: in a
// path the merge writes they stop it with a *DirtyError and stay as they
// are; anywhere else they survive the merge.
func TestMergeDirty(t *testing.T) {
	t.Parallel()
	edit := map[string]string{"main.go": "package main\n\nfunc main() {}\n"}
	for _, tc := range []struct {
		name       string
		mergeNeeds bool              // make main move first, so a merge commit is needed
		branch     map[string]string // what the attempt commits
		branchRm   string            // a path the attempt deletes
		dirty      func(t *testing.T, root string)
		want       []string
	}{
		{name: "modified, fast-forward", branch: edit, want: []string{"main.go"},
			dirty: func(t *testing.T, root string) { writeFile(t, root, "main.go", "mine\n") }},
		{name: "modified, merge commit", mergeNeeds: true, branch: edit, want: []string{"main.go"},
			dirty: func(t *testing.T, root string) { writeFile(t, root, "main.go", "mine\n") }},
		{name: "staged", branch: edit, want: []string{"main.go"},
			dirty: func(t *testing.T, root string) {
				writeFile(t, root, "main.go", "mine\n")
				gitT(t, root, "add", "main.go")
			}},
		{name: "untracked where the branch adds", branch: map[string]string{"new.txt": "theirs\n"}, want: []string{"new.txt"},
			dirty: func(t *testing.T, root string) { writeFile(t, root, "new.txt", "mine\n") }},
		{name: "untracked file where the branch adds a directory", mergeNeeds: true, branch: map[string]string{"conf/x.txt": "theirs\n"}, want: []string{"conf"},
			dirty: func(t *testing.T, root string) { writeFile(t, root, "conf", "mine\n") }},
		{name: "ignored file where the branch adds", branch: map[string]string{"secret.log": "theirs\n"}, want: []string{"secret.log"},
			dirty: func(t *testing.T, root string) { writeFile(t, root, "secret.log", "mine\n") }},
		{name: "modified where the branch deletes", branchRm: "README.md", want: []string{"README.md"},
			dirty: func(t *testing.T, root string) { writeFile(t, root, "README.md", "mine\n") }},
		{name: "deleted where the branch modifies", mergeNeeds: true, branch: edit, want: []string{"main.go"},
			dirty: func(t *testing.T, root string) { os.Remove(filepath.Join(root, "main.go")) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := newRepo(t)
			root := r.Root()
			wt := create(t, r, "d", "T", 1)
			if tc.branch != nil {
				for name, content := range tc.branch {
					writeFile(t, wt.Path, name, content)
				}
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
			tc.dirty(t, root)
			before, _ := r.Head()
			snapshot := map[string]string{}
			for _, p := range tc.want {
				snapshot[p] = readFile(t, root, p)
			}
			res, err := r.Merge(t.Context(), wt.Branch, "")
			var de *DirtyError
			if !errors.As(err, &de) {
				t.Fatalf("Merge = %+v, %v; want a *DirtyError", res, err)
			}
			if diff := cmp.Diff(tc.want, de.Paths); diff != "" {
				t.Errorf("DirtyError.Paths (-want +got):\n%s", diff)
			}
			if de.Branch != wt.Branch || de.Into != "main" || !strings.Contains(err.Error(), "commit, stash or revert") {
				t.Errorf("DirtyError %q lacks the branches or the fix", err)
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

// TestMergeKeepsUnrelatedChanges: uncommitted changes outside the paths a
// merge writes (the backlog file above all) survive a fast-forward and a
// merge commit, staged or not.
func TestMergeKeepsUnrelatedChanges(t *testing.T) {
	t.Parallel()
	r := newRepo(t)
	root := r.Root()
	a := create(t, r, "k", "A", 1)
	b := create(t, r, "k", "B", 1)
	commitFiles(t, a.Path, "a", map[string]string{"a.txt": "a\n", "main.go": "package main\n"})
	commitFiles(t, b.Path, "b", map[string]string{"b.txt": "b\n"})

	gitT(t, root, "config", "merge.autoStash", "true") // must not stash the user's changes
	backlog := "{\"tasks\": [{\"id\": \"A\", \"status\": \"done\"}]}\n"
	writeFile(t, root, ".looper/todo.json", backlog)   // the backlog, unstaged
	writeFile(t, root, "README.md", "staged edit\n")   // staged
	gitT(t, root, "add", "README.md")                  //
	writeFile(t, root, "notes.txt", "my own notes\n")  // untracked
	writeFile(t, root, "debug.log", "ignored stuff\n") // ignored
	check := func(stage string) {
		t.Helper()
		for name, want := range map[string]string{".looper/todo.json": backlog, "README.md": "staged edit\n", "notes.txt": "my own notes\n", "debug.log": "ignored stuff\n"} {
			if got := readFile(t, root, name); got != want {
				t.Errorf("after %s: %s = %q, want %q", stage, name, got, want)
			}
		}
		if got := gitT(t, root, "diff", "--cached", "--name-only"); got != "README.md" {
			t.Errorf("after %s: staged = %q, want README.md", stage, got)
		}
		if diff := cmp.Diff([]string{"notes.txt"}, mustDirty(t, r, ".looper/todo.json", "README.md")); diff != "" {
			t.Errorf("after %s: other dirty paths (-want +got):\n%s", stage, diff)
		}
	}
	if res := mustMerge(t, r, a.Branch, ""); !res.FastForward {
		t.Errorf("first merge should fast-forward")
	}
	check("a fast-forward")
	if got := readFile(t, root, "main.go"); got != "package main\n" {
		t.Errorf("merged main.go = %q", got)
	}
	res := mustMerge(t, r, b.Branch, "")
	if res.FastForward {
		t.Errorf("second merge should need a merge commit")
	}
	if want := fmt.Sprintf("Merge branch '%s' into main", b.Branch); gitT(t, root, "log", "-1", "--format=%s") != want {
		t.Errorf("default merge message %q, want %q", gitT(t, root, "log", "-1", "--format=%s"), want)
	}
	check("a merge commit")
	if readFile(t, root, "b.txt") != "b\n" {
		t.Errorf("b.txt not merged")
	}
	// The merge commit holds the branches' content, not the user's changes.
	if got := gitT(t, root, "show", "HEAD:README.md"); got != "# test" {
		t.Errorf("merge commit picked up the staged README: %q", got)
	}
}

// TestMergeRace covers the user acting between Merge's checks and the move
// of the main worktree: a commit makes Merge start over on the new tip; an
// edit in a path the merge writes makes git refuse, which becomes a
// *DirtyError with the edit intact.
func TestMergeRace(t *testing.T) {
	t.Parallel()
	t.Run("user commits", func(t *testing.T) {
		t.Parallel()
		r := newRepo(t)
		root := r.Root()
		wt := create(t, r, "race", "T", 1)
		commitFiles(t, wt.Path, "attempt", map[string]string{"a.txt": "a\n"})
		calls := 0
		r.beforeMove = func() {
			calls++
			if calls == 1 {
				commitFiles(t, root, "user commit", map[string]string{"user.txt": "u\n"})
			}
		}
		res := mustMerge(t, r, wt.Branch, "merge after retry")
		if calls != 2 || res.FastForward {
			t.Errorf("calls = %d, result %+v; want a retry ending in a merge commit", calls, res)
		}
		if readFile(t, root, "user.txt") != "u\n" || readFile(t, root, "a.txt") != "a\n" {
			t.Errorf("user's commit or the attempt lost")
		}
		if p := parents(t, root, "HEAD"); len(p) != 2 || gitT(t, root, "log", "-1", "--format=%s", "HEAD^1") != "user commit" {
			t.Errorf("merge commit parents %v", p)
		}
	})
	t.Run("user edits", func(t *testing.T) {
		t.Parallel()
		r := newRepo(t)
		root := r.Root()
		wt := create(t, r, "race", "T", 1)
		commitFiles(t, wt.Path, "attempt", map[string]string{"main.go": "package main\n"})
		r.beforeMove = func() { writeFile(t, root, "main.go", "mine\n") }
		before, _ := r.Head()
		_, err := r.Merge(t.Context(), wt.Branch, "")
		var de *DirtyError
		if !errors.As(err, &de) || !slices.Equal(de.Paths, []string{"main.go"}) {
			t.Fatalf("Merge = %v, want a *DirtyError for main.go", err)
		}
		if head, _ := r.Head(); head != before || readFile(t, root, "main.go") != "mine\n" {
			t.Errorf("main moved or the user's edit was lost")
		}
		assertNoMergeInProgress(t, r)
	})
}

func TestMergeErrors(t *testing.T) {
	t.Parallel()
	r := newRepo(t)
	for _, b := range []string{"", "-x", "looper/none/t/1"} {
		if _, err := r.Merge(t.Context(), b, ""); err == nil {
			t.Errorf("Merge(%q): no error", b)
		}
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	wt := create(t, r, "e", "T", 1)
	commitFiles(t, wt.Path, "w", map[string]string{"w.txt": "w\n"})
	if _, err := r.Merge(ctx, wt.Branch, ""); !errors.Is(err, context.Canceled) {
		t.Errorf("Merge with a cancelled context: %v", err)
	}
	if got := readFile(t, r.Root(), "w.txt"); got != "<missing>" {
		t.Errorf("cancelled merge landed")
	}
}

// TestConcurrentCreateMerge runs the whole attempt cycle from several
// goroutines at once (run it with -race): Create, commit, Merge, Remove.
func TestConcurrentCreateMerge(t *testing.T) {
	t.Parallel()
	r := newRepo(t)
	const n = 6
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			wt, err := r.Create(context.Background(), "conc", fmt.Sprintf("T%d", i), 1, Options{})
			if err != nil {
				t.Error(err)
				return
			}
			name := fmt.Sprintf("f%d.txt", i)
			if err := os.WriteFile(filepath.Join(wt.Path, name), []byte(name), 0o644); err != nil {
				t.Error(err)
				return
			}
			if ok, err := r.CommitAll(wt, "work "+name); err != nil || !ok {
				t.Errorf("CommitAll: %v, %v", ok, err)
				return
			}
			if _, err := r.Dirty(); err != nil {
				t.Error(err)
			}
			res, err := r.Merge(context.Background(), wt.Branch, "merge "+name)
			if err != nil || res.Conflicted() {
				t.Errorf("Merge: %+v, %v", res, err)
				return
			}
			if err := r.Remove(wt, true); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	for i := range n {
		if got := readFile(t, r.Root(), fmt.Sprintf("f%d.txt", i)); got != fmt.Sprintf("f%d.txt", i) {
			t.Errorf("f%d.txt = %q", i, got)
		}
	}
	if d := mustDirty(t, r); len(d) != 0 {
		t.Errorf("dirty after concurrent merges: %v", d)
	}
	if list, _ := r.List("conc"); len(list) != 0 {
		t.Errorf("worktrees left: %v", list)
	}
}

func TestParseMergeTree(t *testing.T) {
	t.Parallel()
	oid := strings.Repeat("a", 40)
	tree, paths, err := parseMergeTree([]byte(oid + "\x00b c\x00a\x00a\x00"))
	if err != nil || tree != oid || !slices.Equal(paths, []string{"a", "b c"}) {
		t.Errorf("parseMergeTree = %q %q %v", tree, paths, err)
	}
	for _, bad := range []string{"", "xyz\x00", oid + "\x00\x00a\x00", strings.Repeat("g", 40) + "\x00"} {
		if _, _, err := parseMergeTree([]byte(bad)); err == nil {
			t.Errorf("parseMergeTree(%q): no error", bad)
		}
	}
}

func FuzzParseMergeTree(f *testing.F) {
	f.Add([]byte(strings.Repeat("a", 40) + "\x00b c\x00a\x00"))
	f.Add([]byte(strings.Repeat("0", 64) + "\x00"))
	f.Add([]byte("\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		tree, paths, err := parseMergeTree(data)
		if err != nil {
			return
		}
		if !isObjectID(tree) || !slices.IsSorted(paths) || slices.Contains(paths, "") {
			t.Errorf("parseMergeTree(%q) = %q %q", data, tree, paths)
		}
	})
}

func TestParseNameStatus(t *testing.T) {
	t.Parallel()
	got, err := parseNameStatus([]byte("M\x00a\x00R087\x00old\x00new\x00C100\x00src\x00dst\x00A\x00n m\x00"))
	if err != nil {
		t.Fatal(err)
	}
	want := []change{{'M', "a"}, {'D', "old"}, {'A', "new"}, {'A', "dst"}, {'A', "n m"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("parseNameStatus (-want +got):\n%s", diff)
	}
	for _, bad := range []string{"M\x00", "Q\x00a\x00", "R100\x00old\x00", "\x00a\x00"} {
		if _, err := parseNameStatus([]byte(bad)); err == nil {
			t.Errorf("parseNameStatus(%q): no error", bad)
		}
	}
}

func FuzzParseNameStatus(f *testing.F) {
	f.Add([]byte("M\x00a\x00R087\x00old\x00new\x00"))
	f.Add([]byte("D\x00x\x00T\x00y\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		changes, err := parseNameStatus(data)
		if err != nil {
			return
		}
		for _, c := range changes {
			if c.Path == "" || !strings.ContainsRune("ADMTUX", rune(c.Status)) {
				t.Errorf("parseNameStatus(%q) gave %+v", data, c)
			}
		}
	})
}
