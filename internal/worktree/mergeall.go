package worktree

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
)

// Landing is one branch for MergeAll to land, with the message of its merge
// commit (a default naming both branches when empty).
type Landing struct {
	Branch, Message string
	// Base, when set, is the commit the branch was created from and
	// descends from (Check verified it for an attempt, and looper's own
	// commits only add to it): when the integration tip is still there,
	// landing the branch is a fast-forward, known without asking git.
	Base string
	// Diff, when set, is the attempt's DiffStat from Base: a fast-forward
	// to the very commit it measured writes the paths it lists, so the
	// landing checks them against the user's changes without another
	// git diff.
	Diff DiffStat
}

// mergeBaseWorkers bounds the merge-base lookups MergeAll runs at once.
const mergeBaseWorkers = 4

// MergeAll lands several branches on the integration branch in one go, so
// that a burst of finished attempts costs about as much as one: the merges
// are computed in memory, each on top of the previous one (git merge-tree
// and commit-tree; the merge bases are looked up concurrently), the paths
// the user's uncommitted changes might be in the way of are checked once,
// and the main worktree moves once, to the last commit, as a fast-forward
// that fails rather than overwrite anything when the tip moved meanwhile
// (then the batch is computed again on the new tip). The history is the
// same as landing them one at a time with Merge, in order.
//
// results[i] says what became of ls[i]: a branch with conflicts is left
// out of the chain and reported with its paths, the others still land.
// errs[i] is set, for one branch, when the batch had to fall back to one
// Merge per branch (the user's changes are in the way of one of them): a
// *DirtyError for the branches that must wait, nil for those that landed.
// The error is for what stops every merge.
func (r *Repo) MergeAll(ctx context.Context, ls []Landing) (results []MergeResult, errs []error, err error) {
	return r.MergeAllAfter(ctx, CheckoutState{}, ls)
}

// MergeAllAfter is MergeAll for a caller that has just looked at the main
// worktree (st, from State), as MergeAfter is for Merge.
func (r *Repo) MergeAllAfter(ctx context.Context, st CheckoutState, ls []Landing) (results []MergeResult, errs []error, err error) {
	seen := &st
	r.mergeMu.Lock()
	defer r.mergeMu.Unlock()
	results, errs = make([]MergeResult, len(ls)), make([]error, len(ls))
	refs := make([]string, len(ls))
	for i, l := range ls {
		if l.Branch == "" || strings.HasPrefix(l.Branch, "-") {
			return nil, nil, fmt.Errorf("merge: %q is not a branch name", l.Branch)
		}
		refs[i] = l.Branch
		if !strings.HasPrefix(refs[i], "refs/") {
			refs[i] = "refs/heads/" + l.Branch
		}
	}
	for try := 1; ; try++ {
		if err := ctx.Err(); err != nil {
			return nil, nil, fmt.Errorf("merge %d branches: %w", len(ls), err)
		}
		into, head, tips, err := r.checkedOut(ctx, refs...)
		if err != nil {
			return nil, nil, fmt.Errorf("merge %d branches: %w", len(ls), err)
		}
		target, err := r.chain(ctx, into, head, tips, ls, results)
		if err != nil {
			return nil, nil, err
		}
		if target == head {
			return results, errs, nil
		}
		label := fmt.Sprintf("%d branches", len(ls))
		err = r.checkOverwrite(ctx, head, target, label, into, seen, nil)
		seen = nil // used once: a second try looks afresh
		if err != nil {
			if _, ok := errors.AsType[*DirtyError](err); ok {
				return r.mergeEach(ctx, ls)
			}
			return nil, nil, err
		}
		if err := r.fastForward(ctx, label, target); err == nil {
			return results, errs, nil
		}
		if now, herr := r.head(ctx); herr == nil && now != head && try < mergeRetries {
			continue // the user committed meanwhile; compute again on the new tip
		}
		return r.mergeEach(ctx, ls)
	}
}

// chain computes the merges of ls (at tips) on top of head, one after the
// other, fills results and returns the last commit. Only merge commits are
// written; nothing moves.
func (r *Repo) chain(ctx context.Context, into, head string, tips []string, ls []Landing, results []MergeResult) (string, error) {
	bases := make([]string, len(tips))
	errs := make([]error, len(tips))
	var wg sync.WaitGroup
	sem := make(chan struct{}, mergeBaseWorkers)
	for i, tip := range tips {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			bases[i], errs[i] = r.landingBase(ctx, head, tip, ls[i].Base)
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return "", fmt.Errorf("merge into %s: %w", into, err)
	}
	c := head
	for i, tip := range tips {
		res := MergeResult{Into: into, Onto: head}
		switch {
		case bases[i] == tip:
			res.UpToDate, res.Commit = true, c
		case c == head && bases[i] == head:
			res.FastForward, res.Commit = true, tip
			c = tip
		default:
			tree, conflicts, err := r.mergeTree(ctx, c, tip)
			if err != nil {
				return "", fmt.Errorf("merge %s into %s: %w", ls[i].Branch, into, err)
			}
			if len(conflicts) > 0 {
				res.Conflicts = conflicts
				break
			}
			msg := ls[i].Message
			if strings.TrimSpace(msg) == "" {
				msg = fmt.Sprintf("Merge branch '%s' into %s", ls[i].Branch, into)
			}
			out, err := git(ctx, r.root, "commit-tree", tree, "-p", c, "-p", tip, "-m", msg)
			if err != nil {
				return "", fmt.Errorf("merge %s into %s: write the merge commit: %w", ls[i].Branch, into, err)
			}
			c = firstLine(out)
			res.Commit = c
		}
		results[i] = res
	}
	return c, nil
}

// mergeEach lands ls one Merge at a time, for a batch that cannot move the
// main worktree in one step; the caller holds mergeMu. A *DirtyError is
// that branch's; any other error stops the batch.
func (r *Repo) mergeEach(ctx context.Context, ls []Landing) ([]MergeResult, []error, error) {
	results, errs := make([]MergeResult, len(ls)), make([]error, len(ls))
	for i, l := range ls {
		res, err := r.mergeOne(ctx, l, nil)
		if _, ok := errors.AsType[*DirtyError](err); !ok && err != nil {
			return nil, nil, err
		}
		results[i], errs[i] = res, err
	}
	return results, errs, nil
}
