package worktree

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// releaseAfterCommitAll makes an attempt whose work CommitAll committed,
// lands it and releases it to the pool, returning the worktree as it was
// and the pooled directory.
func releaseAfterCommitAll(t *testing.T, r *Repo, task string, before func(wt *Worktree)) (*Worktree, string) {
	t.Helper()
	wt := create(t, r, "run", task, 1)
	writeFile(t, wt.Path, task+".txt", task+"\n")
	if ok, err := r.CommitAll(wt, "work"); err != nil || !ok {
		t.Fatalf("CommitAll = %v, %v", ok, err)
	}
	if !wt.committed {
		t.Fatal("CommitAll committed everything but did not say so")
	}
	mustMerge(t, r, wt.Branch, "merge "+task)
	if before != nil {
		before(wt)
	}
	if err := r.Remove(wt, true); err != nil {
		t.Fatal(err)
	}
	idle := r.Pooled()
	if len(idle) != 1 {
		t.Fatalf("Pooled() = %v, want one", idle)
	}
	return wt, idle[0]
}

// checkReleased checks what git says of a released attempt: its branch and
// reflog are gone, the pooled worktree is detached at the attempt's tip
// with nothing uncommitted, and the repository is sound.
func checkReleased(t *testing.T, r *Repo, wt *Worktree, pooled, tip string) {
	t.Helper()
	if out := gitT(t, r.Root(), "branch", "--list", wt.Branch); out != "" {
		t.Errorf("branch %s still exists", wt.Branch)
	}
	if out := gitT(t, r.Root(), "for-each-ref", "refs/heads/looper/"); out != "" {
		t.Errorf("refs left: %s", out)
	}
	if exists(filepath.Join(r.commonDir, "logs", "refs", "heads", filepath.FromSlash(wt.Branch))) {
		t.Errorf("the reflog of %s is left", wt.Branch)
	}
	if exists(filepath.Join(r.commonDir, "refs", "heads", "looper")) {
		t.Errorf("the directories of the deleted branch's name are left")
	}
	if _, err := gitRun(pooled, "symbolic-ref", "-q", "HEAD"); err == nil {
		t.Error("the pooled worktree is still on a branch")
	}
	if got := gitT(t, pooled, "rev-parse", "HEAD"); got != tip {
		t.Errorf("the pooled worktree is at %s, want the attempt's tip %s", got, tip)
	}
	if out := gitT(t, pooled, "status", "--porcelain", "--ignored"); out != "" {
		t.Errorf("the pooled worktree is not clean:\n%s", out)
	}
	gitT(t, r.Root(), "fsck", "--no-progress")
}

// gitRun runs git in dir and returns its error (gitT fails the test).
func gitRun(dir string, args ...string) (string, error) {
	out, err := git(context.Background(), dir, args...)
	return string(out), err
}

// TestReleaseAfterCommitAllDetachesWithoutGit: an attempt CommitAll left
// clean is released by writing its HEAD and deleting its branch's ref file,
// with the result git's checkout --detach and branch --delete give.
func TestReleaseAfterCommitAllDetachesWithoutGit(t *testing.T) {
	r := newRepo(t)
	r.UsePool(1)
	var tip string
	var commands func() string
	wt, pooled := releaseAfterCommitAll(t, r, "T1", func(wt *Worktree) {
		tip = gitT(t, wt.Path, "rev-parse", "HEAD")
		writeFile(t, wt.Path, "build/out.bin", "ignored output\n")
		commands = logGit(t)
	})
	if ran := commands(); strings.Contains(ran, "checkout") || strings.Contains(ran, "branch") {
		t.Errorf("the release ran git checkout or git branch:\n%s", ran)
	}
	checkReleased(t, r, wt, pooled, tip)
	next := create(t, r, "run", "T2", 1)
	if head, _ := r.Head(); gitT(t, next.Path, "rev-parse", "HEAD") != head || readFile(t, next.Path, "T1.txt") != "T1\n" {
		t.Errorf("the reused worktree is not at the new tip %s", head)
	}
}

// TestReleaseLeavesPackedAndConfiguredBranchesToGit: a branch in
// packed-refs, or with a config section (a resumed attempt's base), is
// deleted by git, which removes those too.
func TestReleaseLeavesPackedAndConfiguredBranchesToGit(t *testing.T) {
	for name, before := range map[string]func(t *testing.T, r *Repo, wt *Worktree){
		"packed": func(t *testing.T, r *Repo, wt *Worktree) { gitT(t, r.Root(), "pack-refs", "--all") },
		"config": func(t *testing.T, r *Repo, wt *Worktree) {
			if err := r.setBranchBase(context.Background(), wt.Branch, wt.Base); err != nil {
				t.Fatal(err)
			}
		},
	} {
		t.Run(name, func(t *testing.T) {
			r := newRepo(t)
			r.UsePool(1)
			var tip string
			wt, pooled := releaseAfterCommitAll(t, r, "T1", func(wt *Worktree) {
				tip = gitT(t, wt.Path, "rev-parse", "HEAD")
				before(t, r, wt)
			})
			if name == "packed" {
				// git keeps the directories of packed names; only what the
				// name says must be gone.
				if out := gitT(t, r.Root(), "branch", "--list", wt.Branch); out != "" {
					t.Errorf("branch %s still exists", wt.Branch)
				}
			} else {
				checkReleased(t, r, wt, pooled, tip)
			}
			if cfg, _ := os.ReadFile(filepath.Join(r.commonDir, "config")); strings.Contains(string(cfg), wt.Branch) {
				t.Errorf("the config still names %s:\n%s", wt.Branch, cfg)
			}
		})
	}
}

// TestDeleteBranchRefusesWhatItCannotDoLikeGit: a ref whose content is not
// the expected commit, or whose lock is taken, is left alone.
func TestDeleteBranchRefusesWhatItCannotDoLikeGit(t *testing.T) {
	r := newRepo(t)
	head, _ := r.Head()
	gitT(t, r.Root(), "branch", "looper/r/T/1")
	if r.refs.deleteBranch("looper/r/T/1", strings.Repeat("0", 40)) {
		t.Error("deleted a branch that is not at the expected commit")
	}
	lock := filepath.Join(r.commonDir, "refs", "heads", "looper", "r", "T", "1.lock")
	if err := os.WriteFile(lock, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if r.refs.deleteBranch("looper/r/T/1", head) {
		t.Error("deleted a branch whose lock another process holds")
	}
	if err := os.Remove(lock); err != nil {
		t.Fatal(err)
	}
	if !r.refs.deleteBranch("looper/r/T/1", head) {
		t.Error("did not delete a plain loose branch")
	}
	if out := gitT(t, r.Root(), "branch", "--list", "looper/*"); out != "" {
		t.Errorf("git still lists %s", out)
	}
}
