package worktree

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// MergeResult says what Merge did with a branch.
type MergeResult struct {
	// Into is the integration branch merged into.
	Into string
	// Commit is the integration branch's tip after the merge (its unchanged
	// tip when UpToDate); empty when there were conflicts.
	Commit string
	// FastForward is set when the branch already contained the integration
	// tip, so the tip simply moved to the branch's commit.
	FastForward bool
	// UpToDate is set when the integration branch already contained every
	// commit of the branch, so nothing changed.
	UpToDate bool
	// Onto is the integration tip the merge was computed on: the commits
	// between it and the tip looper last saw were made by someone else.
	Onto string
	// Conflicts lists the paths (relative to Root, sorted) that could not be
	// merged. When it is not empty nothing was changed: the caller re-runs
	// the task on the new tip or gives up on it.
	Conflicts []string
}

// Conflicted reports whether the merge stopped on conflicts.
func (m MergeResult) Conflicted() bool { return len(m.Conflicts) > 0 }

// DirtyError is returned by Merge when the user has uncommitted changes in
// the main worktree at paths the merge would write. Nothing was changed; the
// caller can tell the user which files are in the way and merge again once
// they are committed, stashed or reverted.
type DirtyError struct {
	// Root is the main worktree.
	Root string
	// Branch is the branch being merged and Into the integration branch.
	Branch, Into string
	// Paths are the uncommitted paths (relative to Root, sorted) that the
	// merge would overwrite: modified, staged or untracked files, including
	// ignored files at paths the merge would create.
	Paths []string
}

// Error names the files, the branches and the fix.
func (e *DirtyError) Error() string {
	const show = 10
	paths := e.Paths
	more := ""
	if len(paths) > show {
		more = fmt.Sprintf(" and %d more", len(paths)-show)
		paths = paths[:show]
	}
	return fmt.Sprintf("merging %s into %s would overwrite uncommitted changes in %s: %s%s; commit, stash or revert those changes, then merge again",
		e.Branch, e.Into, e.Root, strings.Join(paths, ", "), more)
}

// mergeRetries bounds how often Merge starts over when the integration
// branch moves while it works (the user committed in the main worktree).
const mergeRetries = 3

// Merge merges branch (a local branch name such as Worktree.Branch) into the
// integration branch checked out in the main worktree, one merge at a time:
// a fast-forward when the branch contains the integration tip, otherwise a
// merge commit with message (a default naming both branches when empty).
//
// Conflicts are found before anything is touched, by merging in memory (git
// merge-tree --write-tree); they come back as MergeResult.Conflicts with a
// nil error, and the repository is as it was. A clean merge commit is built
// from that in-memory result, and the main worktree is then moved to it the
// way a fast-forward moves it, which keeps the user's uncommitted changes in
// every path the merge does not write (the backlog file, for one) and never
// leaves a half-done merge behind. If the user has uncommitted changes in a
// path the merge would write, Merge returns a *DirtyError and changes nothing.
//
// Once the main worktree starts moving, cancelling ctx no longer interrupts
// it, so the worktree is never left between two commits.
func (r *Repo) Merge(ctx context.Context, branch, message string) (MergeResult, error) {
	return r.MergeAfter(ctx, CheckoutState{}, Landing{Branch: branch, Message: message})
}

// MergeAfter is Merge for a caller that has just looked at the main
// worktree (st, from State): when HEAD is still where st saw it, the
// uncommitted changes st lists are the ones the merge must not overwrite,
// and git status is not run again. A change made after st was taken is
// still never overwritten: the fast-forward that moves the main worktree
// refuses to overwrite a modified or untracked file, and its refusal is
// answered with a fresh look (a *DirtyError, as Merge returns).
//
// The branch and message are l's; l.Base, when set, spares the merge-base
// lookup of a fast-forward (see Landing).
func (r *Repo) MergeAfter(ctx context.Context, st CheckoutState, l Landing) (MergeResult, error) {
	r.mergeMu.Lock()
	defer r.mergeMu.Unlock()
	return r.mergeOne(ctx, l, &st)
}

// mergeOne does Merge, going by seen (when not nil) as MergeAfter does;
// the caller holds mergeMu.
func (r *Repo) mergeOne(ctx context.Context, l Landing, seen *CheckoutState) (MergeResult, error) {
	branch, message := l.Branch, l.Message
	if branch == "" || strings.HasPrefix(branch, "-") {
		return MergeResult{}, fmt.Errorf("merge: %q is not a branch name", branch)
	}
	ref := branch
	if !strings.HasPrefix(ref, "refs/") {
		ref = "refs/heads/" + branch
	}
	for try := 1; ; try++ {
		if err := ctx.Err(); err != nil {
			return MergeResult{}, fmt.Errorf("merge %s: %w", branch, err)
		}
		into, head, tips, err := r.checkedOut(ctx, ref)
		if err != nil {
			return MergeResult{}, fmt.Errorf("merge %s: %w", branch, err)
		}
		res := MergeResult{Into: into, Onto: head}
		tip := tips[0]
		base, err := r.landingBase(ctx, head, tip, l.Base)
		if err != nil {
			return res, fmt.Errorf("merge %s into %s: %w", branch, into, err)
		}
		if base == tip {
			res.UpToDate, res.Commit = true, head
			return res, nil
		}
		res.FastForward = base == head
		target := tip
		if !res.FastForward {
			tree, conflicts, err := r.mergeTree(ctx, head, tip)
			if err != nil {
				return res, fmt.Errorf("merge %s into %s: %w", branch, into, err)
			}
			if len(conflicts) > 0 {
				res.Conflicts = conflicts
				return res, nil
			}
			msg := message
			if strings.TrimSpace(msg) == "" {
				msg = fmt.Sprintf("Merge branch '%s' into %s", branch, into)
			}
			out, err := git(ctx, r.root, "commit-tree", tree, "-p", head, "-p", tip, "-m", msg)
			if err != nil {
				return res, fmt.Errorf("merge %s into %s: write the merge commit: %w", branch, into, err)
			}
			target = firstLine(out)
		}
		var known []change
		if res.FastForward {
			known, _ = l.Diff.writes(head, target)
		}
		if err := r.checkOverwrite(ctx, head, target, branch, into, seen, known); err != nil {
			return res, err
		}
		if err := ctx.Err(); err != nil {
			return res, fmt.Errorf("merge %s into %s: %w", branch, into, err)
		}
		err = r.fastForward(ctx, branch, target)
		if err == nil {
			res.Commit = target
			return res, nil
		}
		seen = nil // from here on, only a fresh look will do
		if now, herr := r.head(ctx); herr == nil && now != head && try < mergeRetries {
			continue // the user committed meanwhile; merge onto the new tip
		}
		if derr := r.checkOverwrite(ctx, head, target, branch, into, nil, nil); derr != nil {
			return res, derr
		}
		return res, fmt.Errorf("merge %s into %s: %w", branch, into, err)
	}
}

// fastForward moves the main worktree and its branch from head to target,
// a merge whose first parent is head, for label's landing. A fast-forward
// refuses rather than overwrite local changes and never leaves a merge in
// progress; it is not cancelled midway, which could leave index.lock.
func (r *Repo) fastForward(ctx context.Context, label, target string) error {
	if r.beforeMove != nil {
		r.beforeMove()
	}
	_, err := gitWithEnv(context.WithoutCancel(ctx), r.root,
		[]string{"GIT_REFLOG_ACTION=looper merge " + label},
		"merge", "--ff-only", "--no-autostash", "--quiet", target)
	return err
}

// landingBase is mergeBase for a branch created from known (when not
// ""): the branch descends from it, so when the integration tip is still
// known, the tip is the merge base, and no git command is needed.
func (r *Repo) landingBase(ctx context.Context, head, tip, known string) (string, error) {
	if known != "" && head == known && isObjectID(head) {
		return head, nil
	}
	return r.mergeBase(ctx, head, tip)
}

// mergeBase returns a best common ancestor of commits a and b, or "" when
// they share no history. When one contains the other it is the contained
// one, which is all Merge needs to tell fast-forwards and no-ops apart.
func (r *Repo) mergeBase(ctx context.Context, a, b string) (string, error) {
	if a == b {
		return a, nil
	}
	out, err := gitRead(ctx, r.root, "merge-base", a, b)
	if err != nil {
		if exitCode(err) == 1 {
			return "", nil // unrelated histories; merge-tree will say so
		}
		return "", err
	}
	return firstLine(out), nil
}

// mergeTree merges ours and theirs in memory and returns the resulting tree,
// or the conflicted paths.
func (r *Repo) mergeTree(ctx context.Context, ours, theirs string) (string, []string, error) {
	out, err := gitRead(ctx, r.root, "merge-tree", "--write-tree", "--name-only", "-z", "--no-messages", ours, theirs)
	code := exitCode(err)
	if err != nil && code != 1 {
		return "", nil, err
	}
	tree, paths, perr := parseMergeTree(out)
	if perr != nil {
		return "", nil, fmt.Errorf("git merge-tree: %w", perr)
	}
	if code == 1 {
		if len(paths) == 0 {
			return "", nil, fmt.Errorf("git merge-tree reported a conflict without naming a path; merge by hand to see it: %w", err)
		}
		return "", paths, nil
	}
	return tree, nil, nil
}

// parseMergeTree reads `git merge-tree --write-tree --name-only -z
// --no-messages`: the tree id, then one record per conflicted path. It
// returns the paths sorted and without duplicates.
func parseMergeTree(out []byte) (string, []string, error) {
	recs := splitNUL(out)
	if len(recs) == 0 {
		return "", nil, errors.New("no output")
	}
	if !isObjectID(recs[0]) {
		return "", nil, fmt.Errorf("expected a tree id, got %q", recs[0])
	}
	var paths []string
	for _, p := range recs[1:] {
		if p == "" {
			return "", nil, fmt.Errorf("empty path in output %q", out)
		}
		paths = append(paths, p)
	}
	slices.Sort(paths)
	return recs[0], slices.Compact(paths), nil
}

// isObjectID reports whether s is a full SHA-1 or SHA-256 object id.
func isObjectID(s string) bool {
	if len(s) != 40 && len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// checkOverwrite returns a *DirtyError when moving the main worktree from
// commit from to commit to would write a path that has uncommitted changes,
// or create a path where an untracked or ignored file already is. The
// uncommitted changes are seen's when it was taken at from (see
// MergeAfter), else git status's; the paths the move writes are known's
// when it is not nil (a Landing's Diff of exactly from..to), else git
// diff's.
func (r *Repo) checkOverwrite(ctx context.Context, from, to, branch, into string, seen *CheckoutState, known []change) error {
	changes := known
	if changes == nil {
		out, err := gitRead(ctx, r.root, "diff", "--name-status", "-z", "--no-renames", from, to, "--")
		if err != nil {
			return fmt.Errorf("merge %s into %s: list the paths it changes: %w", branch, into, err)
		}
		if changes, err = parseNameStatus(out); err != nil {
			return fmt.Errorf("merge %s into %s: git diff --name-status: %w", branch, into, err)
		}
	}
	if len(changes) == 0 {
		return nil
	}
	dirty, ok := seen.changesAt(from)
	if ok && missingTracked(r.root, changes) {
		// A file the merge writes is gone: deleted since the look (git
		// would quietly bring it back), or outside a sparse checkout.
		// Only git status tells which.
		ok = false
	}
	if !ok {
		var err error
		if dirty, err = statusPaths(ctx, r.root, "--untracked-files=all"); err != nil {
			return fmt.Errorf("merge %s into %s: %w", branch, into, err)
		}
	}
	var hit []string
	for _, c := range changes {
		for _, d := range dirty {
			if under(d, c.Path) || under(c.Path, d) {
				hit = append(hit, d)
			}
		}
		if c.Status == 'A' {
			if _, err := os.Lstat(filepath.Join(r.root, filepath.FromSlash(c.Path))); err == nil {
				hit = append(hit, c.Path) // an ignored (or untracked) file is in the way
			}
		}
	}
	if len(hit) == 0 {
		return nil
	}
	slices.Sort(hit)
	return &DirtyError{Root: r.root, Branch: branch, Into: into, Paths: slices.Compact(hit)}
}

// missingTracked reports whether a path that changes and exists before the
// change (it is not added) is missing from the files in root.
func missingTracked(root string, changes []change) bool {
	for _, c := range changes {
		if c.Status == 'A' {
			continue
		}
		if _, err := os.Lstat(filepath.Join(root, filepath.FromSlash(c.Path))); err != nil {
			return true
		}
	}
	return false
}

// change is one entry of `git diff --name-status`.
type change struct {
	Status byte // A, D, M, T, U, X (renames and copies are disabled)
	Path   string
}

// parseNameStatus reads `git diff --name-status -z`: a status record, then
// the path; renames and copies (R or C followed by a score) carry two paths,
// the old one and the new one. A rename becomes a deletion and an addition,
// a copy an addition of the new path (its source is unchanged).
func parseNameStatus(out []byte) ([]change, error) {
	recs := splitNUL(out)
	var changes []change
	for i := 0; i < len(recs); i++ {
		st := recs[i]
		if st == "" || strings.IndexByte("ACDMRTUX", st[0]) < 0 {
			return nil, fmt.Errorf("unknown status %q", st)
		}
		n := 1
		if st[0] == 'R' || st[0] == 'C' {
			n = 2
		}
		for k := 0; k < n; k++ {
			i++
			if i >= len(recs) || recs[i] == "" {
				return nil, fmt.Errorf("status %q lacks its path", st)
			}
			switch {
			case n == 1:
				changes = append(changes, change{Status: st[0], Path: recs[i]})
			case k == 1:
				changes = append(changes, change{Status: 'A', Path: recs[i]})
			case st[0] == 'R':
				changes = append(changes, change{Status: 'D', Path: recs[i]})
			}
		}
	}
	return changes, nil
}
