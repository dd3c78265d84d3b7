package worktree

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// headOf sets in.Head and in.HeadBranch and returns the tip of the
// attempt's branch ("" with in.BranchMissing set when it is gone). In the
// usual case, HEAD on the attempt's branch, git status (st) has said it
// all: the branch's tip is HEAD. Anything else asks git one question at a
// time, whose answers tell the cases apart.
func headOf(ctx context.Context, wt *Worktree, st porcelain, in *Integrity) (tip string, err error) {
	if st.Head != "" && !st.Unsure && st.Branch == wt.Branch {
		in.Head, in.HeadBranch = st.Head, st.Branch
		return st.Head, nil
	}
	branchRef := "refs/heads/" + wt.Branch
	out, err := gitRead(ctx, wt.Path, "rev-parse", "--verify", "--quiet", "HEAD^{commit}")
	if err != nil {
		return "", fmt.Errorf("read HEAD: %w", err)
	}
	in.Head = firstLine(out)
	out, err = gitRead(ctx, wt.Path, "symbolic-ref", "--quiet", "HEAD")
	switch {
	case err == nil:
		in.HeadBranch = strings.TrimPrefix(firstLine(out), "refs/heads/")
	case exitCode(err) == 1: // detached
	default:
		return "", fmt.Errorf("read the checked-out branch: %w", err)
	}
	out, err = gitRead(ctx, wt.Path, "rev-parse", "--verify", "--quiet", branchRef+"^{commit}")
	switch {
	case err == nil:
		return firstLine(out), nil
	case exitCode(err) == 1:
		in.BranchMissing = true
		return "", nil
	default:
		return "", fmt.Errorf("read branch %s: %w", wt.Branch, err)
	}
}

// worktreeGitDir returns a worktree's own git directory (where a merge or
// rebase in progress leaves its files): read from the .git file git writes
// in a linked worktree, or asked of git when that file is not the usual one.
func worktreeGitDir(ctx context.Context, path string) (string, error) {
	if data, err := os.ReadFile(filepath.Join(path, ".git")); err == nil {
		if dir, ok := strings.CutPrefix(strings.TrimSpace(string(data)), "gitdir: "); ok && !strings.Contains(dir, "\n") {
			if !filepath.IsAbs(dir) {
				dir = filepath.Join(path, dir)
			}
			if fi, err := os.Stat(dir); err == nil && fi.IsDir() {
				return dir, nil
			}
		}
	}
	out, err := gitRead(ctx, path, "rev-parse", "--absolute-git-dir")
	if err != nil {
		return "", err
	}
	return firstLine(out), nil
}
