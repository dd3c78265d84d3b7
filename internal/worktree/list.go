package worktree

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
)

// List returns the attempt worktrees git has registered for run (all runs
// when run is ""), sorted by path, with their Base. It is cheap compared with
// Leftovers: commits and changes are not examined.
func (r *Repo) List(run string) ([]Worktree, error) {
	ctx := context.Background()
	entries, _, err := r.worktreeEntries(ctx)
	if err != nil {
		return nil, err
	}
	runName := ""
	if run != "" {
		runName = safeName(run)
	}
	var out []Worktree
	for _, e := range entries {
		if e.Run == "" || (runName != "" && e.Run != runName) {
			continue
		}
		wt := Worktree{Path: e.Path, Branch: e.Branch}
		if wt.Branch != "" {
			wt.Base = r.branchBase(ctx, wt.Branch, "")
		}
		out = append(out, wt)
	}
	return out, nil
}

// worktreeEntry is a registered worktree below .looper/worktrees.
type worktreeEntry struct {
	worktreeRecord
	Run, Task string
	Attempt   int
}

// worktreeEntries lists the registered worktrees below .looper/worktrees,
// sorted by path, and the branches checked out in any other worktree (the
// main one included), which are never treated as leftovers.
func (r *Repo) worktreeEntries(ctx context.Context) ([]worktreeEntry, map[string]bool, error) {
	out, err := gitRead(ctx, r.root, "worktree", "list", "--porcelain", "-z")
	if err != nil {
		return nil, nil, fmt.Errorf("list worktrees of %s: %w", r.root, err)
	}
	recs, err := parseWorktreeList(out)
	if err != nil {
		return nil, nil, fmt.Errorf("list worktrees of %s: git worktree list: %w", r.root, err)
	}
	dir := filepath.Join(r.root, filepath.FromSlash(worktreesDir))
	var entries []worktreeEntry
	elsewhere := map[string]bool{}
	for _, rec := range recs {
		rel, err := filepath.Rel(dir, rec.Path)
		if err != nil || !r.inWorktreesDir(rec.Path) {
			if rec.Branch != "" {
				elsewhere[rec.Branch] = true
			}
			continue
		}
		e := worktreeEntry{worktreeRecord: rec}
		if run, task, attempt, ok := parseDir(filepath.ToSlash(rel)); ok {
			e.Run, e.Task, e.Attempt = run, task, attempt
		} else if run, task, attempt, ok := parseBranch(rec.Branch); ok {
			e.Run, e.Task, e.Attempt = run, task, attempt
		} else {
			e.Run, _, _ = strings.Cut(filepath.ToSlash(rel), "/")
		}
		entries = append(entries, e)
	}
	slices.SortFunc(entries, func(a, b worktreeEntry) int { return strings.Compare(a.Path, b.Path) })
	return entries, elsewhere, nil
}

// branchBase returns the commit a looper branch was created from: the oldest
// entry of its reflog, or, when the reflog is gone, its merge base with
// integration ("" when neither is known).
func (r *Repo) branchBase(ctx context.Context, branch, integration string) string {
	if out, err := gitRead(ctx, r.root, "config", "--get", baseConfigKey(branch)); err == nil && isObjectID(firstLine(out)) {
		return firstLine(out) // a resumed branch: its reflog starts at the earlier tip
	}
	out, err := gitRead(ctx, r.root, "reflog", "show", "--format=%H", "refs/heads/"+branch, "--")
	if err == nil {
		lines := strings.Fields(string(out))
		if n := len(lines); n > 0 && isObjectID(lines[n-1]) {
			return lines[n-1]
		}
	}
	if integration == "" {
		return ""
	}
	out, err = gitRead(ctx, r.root, "merge-base", integration, "refs/heads/"+branch)
	if err != nil {
		return ""
	}
	return firstLine(out)
}
