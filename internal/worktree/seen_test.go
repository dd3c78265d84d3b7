package worktree

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestCommitAllAfterCheck runs Check and then CommitAll, which goes by what
// Check saw, on every kind of leftover change, and checks that what is
// committed, and whether CommitAll says so, is what git finds.
func TestCommitAllAfterCheck(t *testing.T) {
	t.Parallel()
	r := newRepo(t)
	writeFile(t, r.Root(), ".env", "SECRET=1\n") // untracked in the main tree, copied in
	cases := []struct {
		name      string
		copy      bool
		do        func(t *testing.T, wt *Worktree)
		committed bool
		files     []string // files the new commit changes
	}{
		{"nothing", false, func(*testing.T, *Worktree) {}, false, nil},
		{"a new file", false, func(t *testing.T, wt *Worktree) { writeFile(t, wt.Path, "new.txt", "n\n") }, true, []string{"new.txt"}},
		{"a modified file", false, func(t *testing.T, wt *Worktree) { writeFile(t, wt.Path, "README.md", "changed\n") }, true, []string{"README.md"}},
		{"a deleted file", false, func(t *testing.T, wt *Worktree) {
			if err := os.Remove(filepath.Join(wt.Path, "main.go")); err != nil {
				t.Fatal(err)
			}
		}, true, []string{"main.go"}},
		{"staged, then undone in the file", false, func(t *testing.T, wt *Worktree) {
			writeFile(t, wt.Path, "README.md", "changed\n")
			gitT(t, wt.Path, "add", "README.md")
			writeFile(t, wt.Path, "README.md", "# test\n")
		}, false, nil},
		{"only an ignored file", false, func(t *testing.T, wt *Worktree) { writeFile(t, wt.Path, "x.log", "log\n") }, false, nil},
		{"only the copied file", true, func(t *testing.T, wt *Worktree) {}, false, nil},
		{"the copied file and a new one", true, func(t *testing.T, wt *Worktree) { writeFile(t, wt.Path, "w.txt", "w\n") }, true, []string{"w.txt"}},
		{"committed by the agent, nothing left", false, func(t *testing.T, wt *Worktree) {
			commitFiles(t, wt.Path, "agent", map[string]string{"a.txt": "a\n"})
		}, false, nil},
		{"committed by the agent, more left", false, func(t *testing.T, wt *Worktree) {
			commitFiles(t, wt.Path, "agent", map[string]string{"a.txt": "a\n"})
			writeFile(t, wt.Path, "b.txt", "b\n")
		}, true, []string{"b.txt"}},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			opt := Options{}
			if c.copy {
				opt.Copy = []string{".env"}
			}
			wt, err := r.Create(context.Background(), "seen", "T", i+1, opt)
			if err != nil {
				t.Fatal(err)
			}
			c.do(t, wt)
			before := gitT(t, wt.Path, "rev-parse", "HEAD")
			if in := checkT(t, r, wt); !in.Sound() {
				t.Fatalf("unsound: %q", in.Problems())
			}
			ok, err := r.CommitAll(wt, "left over")
			if err != nil || ok != c.committed {
				t.Fatalf("CommitAll = %v, %v; want %v", ok, err, c.committed)
			}
			after := gitT(t, wt.Path, "rev-parse", "HEAD")
			if (after != before) != c.committed {
				t.Fatalf("HEAD %s → %s, committed %v", before, after, ok)
			}
			if c.committed {
				got := strings.Fields(gitT(t, wt.Path, "diff", "--name-only", before, after))
				if !slices.Equal(got, c.files) {
					t.Errorf("the commit changes %q, want %q", got, c.files)
				}
			}
			if again, err := r.CommitAll(wt, "again"); err != nil || again {
				t.Errorf("a second CommitAll = %v, %v", again, err)
			}
			writeFile(t, wt.Path, "later.txt", "l\n")
			if later, err := r.CommitAll(wt, "later"); err != nil || !later {
				t.Errorf("CommitAll of a change made after the first = %v, %v; want it committed", later, err)
			}
		})
	}
}

// TestCheckReadsUncommittedState covers what git status alone tells Check
// when the agent committed nothing: conflict markers in a tracked file it
// left modified, and unmerged index entries without a merge in progress.
func TestCheckReadsUncommittedState(t *testing.T) {
	t.Parallel()
	r := newRepo(t)
	wt := create(t, r, "seen", "M", 1)
	writeFile(t, wt.Path, "README.md", "<<<<<<< ours\na\n=======\nb\n>>>>>>> theirs\n")
	in := checkT(t, r, wt)
	if !slices.Equal(in.Markers, []string{"README.md"}) || in.OffBranch || in.BelowBase {
		t.Errorf("markers in a modified tracked file: %+v", in)
	}

	wt = create(t, r, "seen", "U", 1)
	gitT(t, wt.Path, "checkout", "-q", "-b", "side-U")
	commitFiles(t, wt.Path, "theirs", map[string]string{"README.md": "theirs\n"})
	gitT(t, wt.Path, "checkout", "-q", wt.Branch)
	commitFiles(t, wt.Path, "ours", map[string]string{"README.md": "ours\n"})
	if _, err := gitRead(context.Background(), wt.Path, "merge", "side-U"); err == nil {
		t.Fatal("the merge did not conflict")
	}
	gitDir, err := worktreeGitDir(context.Background(), wt.Path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(gitDir, "MERGE_HEAD")); err != nil {
		t.Fatal(err)
	}
	in = checkT(t, r, wt)
	if len(in.InProgress) != 0 || !slices.Equal(in.Unmerged, []string{"README.md"}) {
		t.Fatalf("unmerged entries: %+v", in)
	}
	if p := in.Problems(); len(p) == 0 || !strings.Contains(p[0], "left unmerged files in the index: README.md") {
		t.Errorf("problems %q", p)
	}
}
