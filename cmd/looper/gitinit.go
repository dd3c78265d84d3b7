package main

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"

	"github.com/looper-go/looper/internal/worktree"
)

// gitInitPlan says what looper does about a directory that is in no git
// repository, before doing it: with git_init on, that it runs git init
// there; with it off, that it does not and what that costs. It returns ""
// for a directory inside a repository (or one git cannot look at: the
// command that needs git says so).
func gitInitPlan(dir string, on bool) (msg string, run bool) {
	if _, err := worktree.Open(dir); !errors.Is(err, worktree.ErrNotRepo) {
		return "", false
	}
	if !on {
		return fmt.Sprintf("%s is not in a git repository and git_init is off: looper works in place, without committing each task's work or running tasks in worktrees (run git init, or set git_init = true)", dir), false
	}
	return fmt.Sprintf("%s is not in a git repository: running git init there, so each task's work can be committed (git_init = true; --no-git-init or git_init = false skips it)", dir), true
}

// gitInit runs `git init` in dir.
func gitInit(ctx context.Context, dir string) error {
	cmd := exec.CommandContext(ctx, "git", "init", "--quiet")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("git init: %v: %s (set git_init = false to skip it)", err, strings.TrimSpace(string(out)))
	}
	return nil
}
