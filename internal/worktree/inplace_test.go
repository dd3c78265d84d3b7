package worktree

import (
	"slices"
	"strings"
	"testing"
)

// An agent working in place whose own commit failed: CommitSince commits
// what it changed, and only that. The user's edit from before the attempt,
// changed again by the agent, stays uncommitted and is reported; the user's
// staged file stays staged and out of the commit; the backlog is ignored.
func TestCommitSinceCommitsOnlyTheAttemptsChanges(t *testing.T) {
	r := newRepo(t)
	dir := r.Root()
	commitFiles(t, dir, "files", map[string]string{"b.txt": "b\n", "u.txt": "u\n", ".looper/todo.json": "{}\n"})
	writeFile(t, dir, "u.txt", "user's work\n")
	writeFile(t, dir, "s.txt", "staged by the user\n")
	gitT(t, dir, "add", "s.txt")
	writeFile(t, dir, "keep.txt", "user's untouched new file\n")

	cp, err := r.Checkpoint(".looper/todo.json")
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, dir, "a.txt", "agent's new file\n")
	writeFile(t, dir, "b.txt", "agent's edit\n")
	writeFile(t, dir, "u.txt", "user's work, then the agent's\n")
	writeFile(t, dir, ".looper/todo.json", `{"edited":true}`+"\n")

	committed, mixed, err := r.CommitSince(cp, "looper: T1")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(committed, []string{"a.txt", "b.txt"}) || !slices.Equal(mixed, []string{"u.txt"}) {
		t.Fatalf("committed %q, mixed %q; want [a.txt b.txt] and [u.txt]", committed, mixed)
	}
	files := strings.Fields(gitT(t, dir, "show", "--name-only", "--format=", "HEAD"))
	if !slices.Equal(files, []string{"a.txt", "b.txt"}) {
		t.Errorf("the commit holds %q, want only the agent's a.txt and b.txt", files)
	}
	status := gitT(t, dir, "status", "--porcelain")
	for _, want := range []string{"A  s.txt", " M u.txt", "?? keep.txt", "M .looper/todo.json"} {
		if !strings.Contains(status, want) {
			t.Errorf("status after the commit lacks %q:\n%s", want, status)
		}
	}

	// Nothing changed since: nothing to commit.
	cp, err = r.Checkpoint(".looper/todo.json")
	if err != nil {
		t.Fatal(err)
	}
	if committed, mixed, err := r.CommitSince(cp, "again"); err != nil || committed != nil || mixed != nil {
		t.Errorf("second CommitSince = %q, %q, %v; want nothing", committed, mixed, err)
	}
}
