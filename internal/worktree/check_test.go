package worktree

import (
	"context"
	"slices"
	"strings"
	"testing"
)

// checkT is Check failing the test on error.
func checkT(t *testing.T, r *Repo, wt *Worktree) Integrity {
	t.Helper()
	in, err := r.Check(context.Background(), wt)
	if err != nil {
		t.Fatal(err)
	}
	return in
}

// TestCheckFindsWhatAnAgentLeft runs each misbehaviour in its own worktree
// and checks that Check names it, and that a sound attempt passes.
func TestCheckFindsWhatAnAgentLeft(t *testing.T) {
	t.Parallel()
	r := newRepo(t)
	commitFiles(t, r.Root(), "second", map[string]string{"notes.md": "notes\n"})
	cases := []struct {
		name    string
		do      func(t *testing.T, wt *Worktree)
		want    string // a phrase of one problem; "" for a sound attempt
		adopted bool
	}{
		{"sound", func(t *testing.T, wt *Worktree) {
			commitFiles(t, wt.Path, "work", map[string]string{"a.txt": "a\n"})
			writeFile(t, wt.Path, "uncommitted.txt", "fine\n")
		}, "", false},
		{"unfinished merge", func(t *testing.T, wt *Worktree) {
			gitT(t, wt.Path, "checkout", "-q", "-b", "theirs-"+wt.Branch[len(wt.Branch)-3:])
			commitFiles(t, wt.Path, "theirs", map[string]string{"conflict.txt": "theirs\n"})
			gitT(t, wt.Path, "checkout", "-q", "-")
			commitFiles(t, wt.Path, "ours", map[string]string{"conflict.txt": "ours\n"})
			if _, err := gitRead(context.Background(), wt.Path, "merge", "theirs-"+wt.Branch[len(wt.Branch)-3:]); err == nil {
				t.Fatal("the merge did not conflict")
			}
		}, "left an unfinished merge in conflict.txt", false},
		{"markers committed", func(t *testing.T, wt *Worktree) {
			commitFiles(t, wt.Path, "bad", map[string]string{"x.go": "<<<<<<< HEAD\na\n=======\nb\n>>>>>>> other\n"})
		}, "left conflict markers in x.go", false},
		{"markers untracked", func(t *testing.T, wt *Worktree) {
			writeFile(t, wt.Path, "new.txt", "<<<<<<< ours\n=======\n>>>>>>> theirs\n")
		}, "left conflict markers in new.txt", false},
		{"one marker kind is prose", func(t *testing.T, wt *Worktree) {
			commitFiles(t, wt.Path, "quote", map[string]string{"q.md": ">>>>>>> deeply quoted\n=======\n"})
		}, "", false},
		{"rebase in progress", func(t *testing.T, wt *Worktree) {
			commitFiles(t, wt.Path, "one", map[string]string{"README.md": "one\n"})
			gitT(t, wt.Path, "checkout", "-q", "-b", "rb-"+wt.Branch[len(wt.Branch)-3:], "HEAD~1")
			commitFiles(t, wt.Path, "two", map[string]string{"README.md": "two\n"})
			_, _ = gitRead(context.Background(), wt.Path, "rebase", wt.Branch)
		}, "left an unfinished rebase", false},
		{"side branch from the base is taken", func(t *testing.T, wt *Worktree) {
			gitT(t, wt.Path, "checkout", "-q", "-b", "side-"+wt.Branch[len(wt.Branch)-3:])
			commitFiles(t, wt.Path, "side", map[string]string{"side.txt": "side\n"})
		}, "", true},
		{"unrelated branch", func(t *testing.T, wt *Worktree) {
			gitT(t, wt.Path, "checkout", "-q", "--orphan", "orphan-"+wt.Branch[len(wt.Branch)-3:])
			commitFiles(t, wt.Path, "orphan", map[string]string{"o.txt": "o\n"})
		}, "committed on branch orphan-", false},
		{"detached", func(t *testing.T, wt *Worktree) {
			gitT(t, wt.Path, "checkout", "-q", "--detach", "HEAD~1")
		}, "left HEAD detached at", false},
		{"reset below base", func(t *testing.T, wt *Worktree) {
			gitT(t, wt.Path, "reset", "-q", "--hard", "HEAD~1")
		}, "reset the attempt's branch below its base", false},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			wt := create(t, r, "chk", "T", i+1)
			c.do(t, wt)
			in := checkT(t, r, wt)
			problems := in.Problems()
			if c.want == "" && len(problems) > 0 {
				t.Fatalf("sound attempt flagged: %q", problems)
			}
			if c.want != "" && !slices.ContainsFunc(problems, func(p string) bool { return strings.Contains(p, c.want) }) {
				t.Fatalf("problems %q do not say %q (%+v)", problems, c.want, in)
			}
			if in.Adoptable != c.adopted {
				t.Fatalf("adoptable = %v, want %v (%+v)", in.Adoptable, c.adopted, in)
			}
			if !c.adopted {
				return
			}
			head := in.Head
			if err := r.Adopt(context.Background(), wt, in); err != nil {
				t.Fatal(err)
			}
			if got := gitT(t, wt.Path, "symbolic-ref", "--short", "HEAD"); got != wt.Branch {
				t.Errorf("HEAD on %s after Adopt, want %s", got, wt.Branch)
			}
			if got := gitT(t, r.Root(), "rev-parse", wt.Branch); got != head {
				t.Errorf("branch at %s after Adopt, want %s", got, head)
			}
			if again := checkT(t, r, wt); !again.Sound() || again.OffBranch {
				t.Errorf("after Adopt: %+v", again)
			}
		})
	}
}

// TestCheckKeepsMarkersTheBaseHad does not flag a file that documents
// conflict markers and was edited elsewhere.
func TestCheckKeepsMarkersTheBaseHad(t *testing.T) {
	t.Parallel()
	r := newRepo(t)
	doc := "How a conflict looks:\n<<<<<<< ours\n=======\n>>>>>>> theirs\n"
	commitFiles(t, r.Root(), "doc", map[string]string{"conflicts.md": doc})
	wt := create(t, r, "chk", "D", 1)
	commitFiles(t, wt.Path, "edit", map[string]string{"conflicts.md": doc + "More prose.\n"})
	if in := checkT(t, r, wt); !in.Sound() {
		t.Fatalf("flagged: %q", in.Problems())
	}
}
