package worktree

import (
	"context"
	"fmt"
)

// Clean deletes leftovers: those that are Removable (merged or empty, no
// uncommitted changes, not locked) lose their worktree and branch, and the
// registrations of worktrees whose directory is gone are dropped whatever
// their state, which loses nothing. With force, everything else goes too,
// unmerged commits and stray directories included. It returns what it
// removed and what it kept. It must not run while a looper run is using the
// repository (the CLI guarantees that with the backlog lock), since a fresh
// attempt's worktree looks empty.
func (r *Repo) Clean(ctx context.Context, force bool) (removed, kept []Leftover, err error) {
	all, err := r.leftovers(ctx)
	if err != nil {
		return nil, nil, err
	}
	return r.cleanList(ctx, all, force)
}

// cleanList is Clean of the given leftovers.
func (r *Repo) cleanList(ctx context.Context, all []Leftover, force bool) (removed, kept []Leftover, err error) {
	for _, l := range all {
		if err := ctx.Err(); err != nil {
			return removed, kept, fmt.Errorf("clean worktrees: %w", err)
		}
		if force || l.Removable() {
			if err := r.remove(ctx, &l.Worktree, true, force); err != nil {
				return removed, kept, fmt.Errorf("clean %s: %w", l.String(), err)
			}
			removed = append(removed, l)
			continue
		}
		if l.Missing {
			// The directory is gone; drop git's record of it, keep the branch.
			wt := Worktree{Path: l.Path}
			if err := r.remove(ctx, &wt, false, true); err != nil {
				return removed, kept, fmt.Errorf("clean %s: %w", l.String(), err)
			}
			l.Path, l.Missing = "", false
		}
		kept = append(kept, l)
	}
	return removed, kept, nil
}
