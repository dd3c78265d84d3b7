package worktree

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// What an attempt's branch holds, and committing what an agent left
// uncommitted in its worktree.

// Commits counts the commits on the attempt's branch that the integration
// branch (HEAD) does not have: zero means the attempt holds no work to land
// (see CommitAll for agents that edit without committing).
func (r *Repo) Commits(wt *Worktree) (int, error) {
	ctx := context.Background()
	// Counted against the integration branch, not only the base: a base
	// that is wrong (a branch resumed from another's tip) must never make
	// unmerged work look empty, which would mark its task done unmerged.
	out, err := gitRead(ctx, r.root, "rev-list", "--count", "refs/heads/"+wt.Branch, "^HEAD", "--")
	if err != nil {
		return 0, fmt.Errorf("count commits on %s: %w", wt.Branch, err)
	}
	n, err := strconv.Atoi(firstLine(out))
	if err != nil {
		return 0, fmt.Errorf("count commits on %s: git rev-list printed %q", wt.Branch, out)
	}
	return n, nil
}

// MayHoldWork reports whether the attempt's branch may hold work to land.
// A branch whose tip has moved from its base is taken to (reading the tip
// from the ref files costs no git command): a merge then finds out whether
// the integration branch has it all already and says so (UpToDate). Any
// other branch is asked of git, as Commits.
func (r *Repo) MayHoldWork(wt *Worktree) (bool, error) {
	if tip, ok := r.refs.resolve("refs/heads/" + wt.Branch); ok && isObjectID(wt.Base) && tip != wt.Base {
		return true, nil
	}
	n, err := r.Commits(wt)
	return n > 0, err
}

// CommitAll stages every change in the worktree (modified, deleted and new
// files that are not ignored, except the files Create copied in) and commits
// them on the attempt branch with message, for agents that edited files but
// did not commit. It reports whether there was anything to commit. The
// repository's commit hooks run as they would for the user.
//
// Right after Check it goes by what Check saw: nothing to commit costs no
// git command, and a change that is sure to be committed spares the
// question whether anything is staged.
func (r *Repo) CommitAll(wt *Worktree, message string) (bool, error) {
	ctx := context.Background()
	if strings.TrimSpace(message) == "" {
		message = "looper: uncommitted work of " + wt.Branch
	}
	wt.committed = false
	wt.settle()
	know := pendingUnknown
	if wt.seen != nil {
		know = wt.seen.pending(wt.Copied)
		wt.seen = nil // used once: from here on git is asked again
	}
	if know == pendingNone {
		wt.committed = true
		return false, nil
	}
	args := []string{"add", "--all", "--", "."}
	for _, c := range notIgnored(ctx, wt.Path, wt.Copied) {
		args = append(args, ":(exclude,literal)"+c)
	}
	if _, err := git(ctx, wt.Path, args...); err != nil {
		return false, fmt.Errorf("stage changes in %s: %w", wt.Path, err)
	}
	if know == pendingUnknown {
		if staged, err := hasStaged(ctx, wt.Path); err != nil || !staged {
			wt.committed = err == nil
			return false, err
		}
	}
	if _, err := git(ctx, wt.Path, "commit", "--quiet", "--no-edit", "-m", message); err != nil {
		if staged, serr := hasStaged(ctx, wt.Path); know == pendingSome && serr == nil && !staged {
			wt.committed = true
			return false, nil // the change was undone meanwhile: nothing to commit after all
		}
		return false, fmt.Errorf("commit in %s: %w", wt.Path, err)
	}
	wt.committed = true
	return true, nil
}

// hasStaged reports whether the index in dir differs from HEAD.
func hasStaged(ctx context.Context, dir string) (bool, error) {
	_, err := gitRead(ctx, dir, "diff", "--cached", "--quiet")
	switch {
	case err == nil:
		return false, nil
	case exitCode(err) == 1:
		return true, nil
	}
	return false, fmt.Errorf("check staged changes in %s: %w", dir, err)
}

// DropPaths puts the given paths on the attempt branch back to their content
// at base (the worktree's Base when base is ""), removing files that did not
// exist there, and commits that as one commit, so a later merge leaves those
// paths alone: the run loop strips an agent's edits to the backlog file this
// way. Uncommitted edits to the paths in the worktree are discarded too.
// Paths may be absolute or relative to Root, files or directories; paths
// outside the repository are skipped. It reports whether a commit was made.
func (r *Repo) DropPaths(wt *Worktree, base string, paths ...string) (bool, error) {
	ctx := context.Background()
	wt.committed = false
	if base == "" {
		base = wt.Base
	}
	if base == "" || strings.HasPrefix(base, "-") {
		return false, fmt.Errorf("drop paths on %s: %q is not a base commit", wt.Branch, base)
	}
	rels := make([]string, 0, len(paths))
	for _, p := range paths {
		rel, err := r.relPath(p)
		if errors.Is(err, errOutside) {
			continue // not in the repository, so not on the branch either
		}
		if err != nil {
			return false, fmt.Errorf("drop paths on %s: %w", wt.Branch, err)
		}
		if rel == "." {
			return false, fmt.Errorf("drop paths on %s: refusing to drop the whole tree", wt.Branch)
		}
		rels = append(rels, rel)
	}
	if len(rels) == 0 {
		return false, nil
	}
	// Paths that differ between base and the worktree (committed, staged or not).
	out, err := gitRead(ctx, wt.Path, append([]string{"diff", "--name-only", "-z", "--no-renames", base, "--"}, literals(rels)...)...)
	if err != nil {
		return false, fmt.Errorf("drop paths on %s: %w", wt.Branch, err)
	}
	changed := splitNUL(out)
	if len(changed) == 0 {
		return false, nil
	}
	if _, err := git(ctx, wt.Path, append([]string{"restore", "--source=" + base, "--staged", "--worktree", "--"}, literals(changed)...)...); err != nil {
		return false, fmt.Errorf("drop paths on %s: %w", wt.Branch, err)
	}
	// Of those, the ones the branch itself changed need a commit.
	out, err = gitRead(ctx, wt.Path, append([]string{"diff", "--name-only", "-z", "--no-renames", base, "HEAD", "--"}, literals(changed)...)...)
	if err != nil {
		return false, fmt.Errorf("drop paths on %s: %w", wt.Branch, err)
	}
	committed := splitNUL(out)
	if len(committed) == 0 {
		return false, nil
	}
	slices.Sort(committed)
	msg := fmt.Sprintf("looper: drop changes to %s\n\nRestored to %s so that merging %s leaves them alone.", strings.Join(committed, ", "), base, wt.Branch)
	if _, err := git(ctx, wt.Path, append([]string{"commit", "--quiet", "--no-verify", "--no-edit", "-m", msg, "--only", "--"}, literals(committed)...)...); err != nil {
		return false, fmt.Errorf("drop paths on %s: %w", wt.Branch, err)
	}
	return true, nil
}
