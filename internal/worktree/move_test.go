package worktree

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// listedPaths returns the worktree paths git lists, and fails the test on a
// worktree git thinks prunable (its record does not point at a directory).
func listedPaths(t *testing.T, r *Repo) []string {
	t.Helper()
	out, err := gitRead(context.Background(), r.Root(), "worktree", "list", "--porcelain", "-z")
	if err != nil {
		t.Fatal(err)
	}
	recs, err := parseWorktreeList(out)
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, rec := range recs {
		if rec.Prunable {
			t.Errorf("git finds %s prunable", rec.Path)
		}
		paths = append(paths, rec.Path)
	}
	return paths
}

// TestMoveWorktreeAsGitDoes moves a worktree without git and checks that
// git sees it where it went, works in it, and prunes nothing; then that
// each layout looper does not handle itself is left to git, which moves it
// or refuses as it always does.
func TestMoveWorktreeAsGitDoes(t *testing.T) {
	t.Parallel()
	r := newRepo(t)
	ctx := context.Background()
	wt := create(t, r, "mv", "T", 1)
	to := filepath.Join(filepath.Dir(wt.Path), ".pool-1")
	if err := moveFiles(r.commonDir, wt.Path, to); err != nil {
		t.Fatalf("moveFiles: %v", err)
	}
	if exists(wt.Path) || !exists(filepath.Join(to, "README.md")) {
		t.Fatal("the directory did not move")
	}
	paths := listedPaths(t, r)
	if len(paths) != 2 || paths[1] != to {
		t.Errorf("git lists %q, want %s", paths, to)
	}
	if got := gitT(t, to, "symbolic-ref", "--short", "HEAD"); got != wt.Branch {
		t.Errorf("HEAD in the moved worktree: %s", got)
	}
	writeFile(t, to, "w.txt", "w\n")
	if out := gitT(t, to, "status", "--porcelain"); out != "?? w.txt" {
		t.Errorf("status in the moved worktree: %q", out)
	}
	gitT(t, r.Root(), "worktree", "prune")
	if len(listedPaths(t, r)) != 2 {
		t.Error("git pruned the moved worktree")
	}
	back := filepath.Join(filepath.Dir(wt.Path), "U-1")
	r.adminMu.Lock()
	err := r.moveWorktree(ctx, to, back)
	r.adminMu.Unlock()
	if err != nil || listedPaths(t, r)[1] != back {
		t.Fatalf("moveWorktree back: %v, %q", err, listedPaths(t, r))
	}

	// Layouts left to git: moveFiles changes nothing and says so.
	other := filepath.Join(filepath.Dir(back), "V-1")
	for _, c := range []struct {
		name  string
		setup func() (undo func())
		to    string
	}{
		{"outside the worktrees directory", func() func() { return func() {} }, filepath.Join(t.TempDir(), "elsewhere")},
		{"a relative path", func() func() { return func() {} }, "V-1"},
		{"a taken destination", func() func() {
			if err := os.Mkdir(other, 0o755); err != nil {
				t.Fatal(err)
			}
			return func() { os.Remove(other) }
		}, other},
		{"locked", func() func() {
			gitT(t, r.Root(), "worktree", "lock", back)
			return func() { gitT(t, r.Root(), "worktree", "unlock", back) }
		}, other},
		{"submodules", func() func() {
			writeFile(t, back, ".gitmodules", "")
			return func() { os.Remove(filepath.Join(back, ".gitmodules")) }
		}, other},
		{"a relative link", func() func() {
			link := filepath.Join(back, ".git")
			data, _ := os.ReadFile(link)
			rel, _ := filepath.Rel(back, strings.TrimSpace(strings.TrimPrefix(string(data), "gitdir: ")))
			if err := os.WriteFile(link, []byte("gitdir: "+rel+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			return func() { os.WriteFile(link, data, 0o644) }
		}, other},
		{"a record pointing elsewhere", func() func() {
			data, _ := os.ReadFile(filepath.Join(back, ".git"))
			record := filepath.Join(strings.TrimSpace(strings.TrimPrefix(string(data), "gitdir: ")), "gitdir")
			old, _ := os.ReadFile(record)
			if err := os.WriteFile(record, []byte("/somewhere/else/.git\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			return func() { os.WriteFile(record, old, 0o644) }
		}, other},
	} {
		undo := c.setup()
		if err := moveFiles(r.commonDir, back, c.to); !errors.Is(err, errAskGit) {
			t.Errorf("%s: moveFiles = %v, want errAskGit", c.name, err)
		}
		undo()
		if !exists(filepath.Join(back, "README.md")) {
			t.Fatalf("%s: the worktree moved", c.name)
		}
	}
	// With a .gitmodules file the move is git's, through moveWorktree's
	// fallback (git refuses only when there are submodules; there are none).
	writeFile(t, back, ".gitmodules", "")
	r.adminMu.Lock()
	err = r.moveWorktree(ctx, back, other)
	r.adminMu.Unlock()
	if err != nil || listedPaths(t, r)[1] != other {
		t.Errorf("moveWorktree through git: %v, %q", err, listedPaths(t, r))
	}
}
