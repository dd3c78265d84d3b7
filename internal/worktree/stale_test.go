package worktree

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// TestStaleTellsOldLeftoversFromRecentOnes ages a worktree by the times
// git records for it, and a branch by its reflog, and checks that Stale
// and CleanOlder act only on the old ones.
func TestStaleTellsOldLeftoversFromRecentOnes(t *testing.T) {
	ctx := context.Background()
	r := newRepo(t)
	oldWT, err := r.Create(ctx, "r1", "T1", 1, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Create(ctx, "r2", "T2", 1, Options{}); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("git", "branch", "looper/r0/T3/1")
	cmd.Dir = r.Root()
	cmd.Env = append(os.Environ(), "GIT_COMMITTER_DATE=2001-02-03T04:05:06Z")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git branch: %v\n%s", err, out)
	}
	long := time.Now().Add(-10 * 24 * time.Hour)
	admin := adminDir(oldWT.Path)
	for _, p := range []string{oldWT.Path, filepath.Join(admin, "index"), filepath.Join(admin, "HEAD"), filepath.Join(admin, "logs", "HEAD")} {
		if err := os.Chtimes(p, long, long); err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
	}
	all, err := r.Leftovers()
	if err != nil || len(all) != 3 {
		t.Fatalf("leftovers %v, %v", all, err)
	}
	for _, l := range all {
		when, err := r.LastActive(ctx, l)
		if err != nil {
			t.Fatal(err)
		}
		switch l.Branch {
		case "looper/r0/T3/1":
			if want := time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC); !when.Equal(want) {
				t.Errorf("branch-only leftover last active %s, want its reflog's %s", when, want)
			}
		case oldWT.Branch:
			if when.Sub(long).Abs() > time.Second {
				t.Errorf("aged worktree last active %s, want %s", when, long)
			}
		}
	}
	removed, kept, fresh, err := r.CleanOlder(ctx, false, time.Now().Add(-7*24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(removed) != 2 || len(kept) != 0 || len(fresh) != 1 || fresh[0].Run != "r2" {
		t.Errorf("removed %v, kept %v, fresh %v", removed, kept, fresh)
	}
	if _, err := os.Stat(oldWT.Path); !os.IsNotExist(err) {
		t.Errorf("the old worktree is still there: %v", err)
	}
}
