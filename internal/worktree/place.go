package worktree

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// place makes wt.Path a worktree on the new branch wt.Branch at start: an
// idle pooled worktree moved there and switched (checked is true: its
// files are in place), or a new one without files.
func (r *Repo) place(ctx context.Context, wt *Worktree, start string, sparse []string) (checked bool, err error) {
	if p := r.currentPool(); p != nil {
		if from := p.take(ctx); from != "" {
			err := r.reuse(ctx, from, wt, start)
			if err == nil {
				return true, nil
			}
			// Whatever went wrong, that one is not reused: delete it
			// wherever it ended up, and start afresh.
			for _, path := range []string{wt.Path, from} {
				_ = r.remove(context.WithoutCancel(ctx), &Worktree{Path: path}, false, false)
			}
		}
	}
	if err := r.addWorktree(ctx, wt, start); err != nil {
		return false, err
	}
	if err := setSparse(ctx, wt.Path, sparse); err != nil {
		if rmErr := r.remove(context.WithoutCancel(ctx), wt, true, false); rmErr != nil {
			err = errors.Join(err, fmt.Errorf("and removing the half-made worktree failed: %w", rmErr))
		}
		return false, err
	}
	return false, nil
}

// addWorktree registers the worktree and its branch without checking files
// out. Only this step touches shared repository state, so only it holds the
// admin lock; the checkout runs afterwards with the worktree's own index.
func (r *Repo) addWorktree(ctx context.Context, wt *Worktree, start string) error {
	r.adminMu.Lock()
	defer r.adminMu.Unlock()
	if err := r.ensureExcluded(); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(wt.Path), 0o755); err != nil {
		return err
	}
	_, err := git(ctx, r.root, "worktree", "add", "--quiet", "--no-checkout", "-b", wt.Branch, "--", wt.Path, start)
	return err
}
