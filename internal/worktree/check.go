package worktree

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Integrity is what Check found in an attempt's worktree after its agent
// ended: the state git was left in, which looper verifies itself rather
// than take the agent's word that the work is done. The zero value is a
// sound worktree.
type Integrity struct {
	// InProgress names operations the agent started and did not finish:
	// "merge", "rebase", "cherry-pick", "revert", "bisect".
	InProgress []string
	// Unmerged lists paths with unmerged (conflicted) index entries.
	Unmerged []string
	// Markers lists changed text files that gained conflict markers
	// (lines starting "<<<<<<< " and ">>>>>>> "), relative to the worktree.
	Markers []string
	// Head is the commit checked out in the worktree, and HeadBranch the
	// branch it is on ("" when HEAD is detached).
	Head, HeadBranch string
	// OffBranch is set when HEAD is not on the attempt's branch.
	OffBranch bool
	// BranchMissing is set when the attempt's branch no longer exists.
	BranchMissing bool
	// BelowBase is set when the attempt's branch no longer contains the
	// commit it was created from (reset below it, or rewritten).
	BelowBase bool
	// Adoptable is set when HEAD is off the branch but its commits can be
	// taken instead without losing anything: HEAD descends from the base
	// and from the branch's tip, so the branch can fast-forward to it, and
	// no operation is in progress.
	Adoptable bool
	// Base is the attempt's base, for messages.
	Base string
}

// Sound reports whether nothing is wrong: no operation in progress, no
// unmerged entries or conflict markers, HEAD on the attempt's branch and the
// branch descending from its base.
func (in Integrity) Sound() bool {
	return len(in.Problems()) == 0
}

// Problems describes each finding in one phrase naming what was found, for
// the attempt's reason and the task's blockers. An adoptable HEAD off the
// branch is not a problem (see Adopt).
func (in Integrity) Problems() []string {
	var out []string
	for _, op := range in.InProgress {
		where := ""
		if len(in.Unmerged) > 0 {
			where = " in " + strings.Join(in.Unmerged, ", ")
		}
		out = append(out, fmt.Sprintf("left an unfinished %s%s", op, where))
	}
	if len(in.InProgress) == 0 && len(in.Unmerged) > 0 {
		out = append(out, "left unmerged files in the index: "+strings.Join(in.Unmerged, ", "))
	}
	var markers []string
	for _, p := range in.Markers {
		if !slices.Contains(in.Unmerged, p) {
			markers = append(markers, p)
		}
	}
	if len(markers) > 0 {
		out = append(out, "left conflict markers in "+strings.Join(markers, ", "))
	}
	if in.OffBranch && !in.Adoptable {
		if in.HeadBranch != "" {
			out = append(out, fmt.Sprintf("committed on branch %s, not on the attempt's branch", in.HeadBranch))
		} else {
			out = append(out, fmt.Sprintf("left HEAD detached at %s, not on the attempt's branch", short(in.Head)))
		}
	}
	switch {
	case in.BranchMissing && !in.Adoptable:
		out = append(out, "deleted the attempt's branch")
	case in.BelowBase:
		out = append(out, fmt.Sprintf("reset the attempt's branch below its base %s", short(in.Base)))
	}
	return out
}

// short abbreviates a commit id for messages.
func short(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

// inProgressFiles maps the files git keeps in a worktree's git directory
// during an operation to the operation's name.
var inProgressFiles = []struct{ file, op string }{
	{"MERGE_HEAD", "merge"},
	{"rebase-merge", "rebase"},
	{"rebase-apply", "rebase"},
	{"CHERRY_PICK_HEAD", "cherry-pick"},
	{"REVERT_HEAD", "revert"},
	{"BISECT_LOG", "bisect"},
}

// markerScanLimit bounds how much of one file Check reads for conflict
// markers; a larger file is read up to this size.
const markerScanLimit = 4 << 20

// Check inspects an attempt's worktree as its agent left it, before looper
// commits or merges anything: operations in progress, unmerged index
// entries, conflict markers in changed text files, whether HEAD is on the
// attempt's branch, and whether that branch still descends from its base.
// It changes no content. What it saw of the worktree's changes is kept with
// wt, so that CommitAll, right after, need not ask git again.
//
// One git status answers most of it; an agent that committed costs a diff
// against the base and an ancestry check more, and one that left HEAD off
// its branch the separate questions that tell those cases apart. The
// status may rewrite the worktree's index with fresher file times (see
// readOwnStatus); what the index holds stays the same.
func (r *Repo) Check(ctx context.Context, wt *Worktree) (Integrity, error) {
	in := Integrity{Base: wt.Base}
	wt.seen, wt.committed = nil, false
	if wt.Base == "" || strings.HasPrefix(wt.Base, "-") {
		return in, fmt.Errorf("check %s: the attempt's base commit is unknown", wt.Path)
	}
	gitDir, err := worktreeGitDir(ctx, wt.Path)
	if err != nil {
		return in, fmt.Errorf("check %s: %w", wt.Path, err)
	}
	for _, f := range inProgressFiles {
		if _, err := os.Lstat(filepath.Join(gitDir, f.file)); err == nil && !slices.Contains(in.InProgress, f.op) {
			in.InProgress = append(in.InProgress, f.op)
		}
	}
	wt.settle()
	st, err := readOwnStatus(ctx, wt.Path)
	if err != nil {
		return in, fmt.Errorf("check %s: %w", wt.Path, err)
	}
	in.Unmerged = st.unmerged()
	tip, err := headOf(ctx, wt, st, &in)
	if err != nil {
		return in, fmt.Errorf("check %s: %w", wt.Path, err)
	}
	changed, untracked, err := changes(ctx, wt, in.Head, st)
	if err != nil {
		return in, fmt.Errorf("check %s: %w", wt.Path, err)
	}
	if in.Markers, err = markerFiles(ctx, wt, changed, untracked); err != nil {
		return in, fmt.Errorf("check %s: %w", wt.Path, err)
	}
	if err := r.checkHead(ctx, wt, &in, tip); err != nil {
		return in, fmt.Errorf("check %s: %w", wt.Path, err)
	}
	if len(in.InProgress) > 0 || len(in.Unmerged) > 0 {
		in.Adoptable = false // HEAD is off the branch because of the operation
	}
	wt.seen = &seen{uncommitted: st.Entries}
	return in, nil
}

// checkHead fills the HEAD and ancestry findings from HEAD (in.Head,
// in.HeadBranch) and the tip of the attempt's branch.
func (r *Repo) checkHead(ctx context.Context, wt *Worktree, in *Integrity, tip string) error {
	in.OffBranch = in.HeadBranch != wt.Branch
	headFromBase, err := isAncestor(ctx, wt.Path, wt.Base, in.Head)
	if err != nil {
		return err
	}
	if in.OffBranch || in.BranchMissing {
		tipInHead := tip == ""
		if tip != "" {
			if tipInHead, err = isAncestor(ctx, wt.Path, tip, in.Head); err != nil {
				return err
			}
		}
		in.Adoptable = headFromBase && tipInHead
	}
	switch {
	case in.Adoptable:
	case tip == in.Head:
		in.BelowBase = !headFromBase
	case tip != "":
		tipFromBase, err := isAncestor(ctx, wt.Path, wt.Base, tip)
		if err != nil {
			return err
		}
		in.BelowBase = !tipFromBase
	case !in.BranchMissing:
		in.BelowBase = !headFromBase
	}
	return nil
}

// isAncestor reports whether commit a is an ancestor of (or equal to) b.
// A commit is its own ancestor: that takes no git command.
func isAncestor(ctx context.Context, dir, a, b string) (bool, error) {
	if a == b && isObjectID(a) {
		return true, nil
	}
	_, err := gitRead(ctx, dir, "merge-base", "--is-ancestor", a, b)
	switch {
	case err == nil:
		return true, nil
	case exitCode(err) == 1:
		return false, nil
	}
	return false, fmt.Errorf("compare %s with %s: %w", short(a), short(b), err)
}

// markerFiles lists the files among changed (paths that differ from the
// base, committed or not) and untracked that hold more conflict-marker
// lines than they did at the base, so a file that documents markers is
// not flagged.
func markerFiles(ctx context.Context, wt *Worktree, changed, untracked []string) ([]string, error) {
	var found []string
	for _, p := range append(slices.Clip(changed), untracked...) {
		n, err := countMarkers(filepath.Join(wt.Path, filepath.FromSlash(p)))
		if err != nil || n == 0 {
			continue // deleted, unreadable now (a directory, a dangling link): nothing to flag
		}
		if !slices.Contains(untracked, p) {
			if old, err := gitRead(ctx, wt.Path, "show", wt.Base+":"+p); err == nil && markerCount(old) >= n {
				continue
			}
		}
		found = append(found, p)
	}
	slices.Sort(found)
	return slices.Compact(found), nil
}

// countMarkers counts conflict-marker lines in a regular text file; binary
// files (a NUL byte in what is read) count none.
func countMarkers(path string) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		return 0, errors.New("not a regular file")
	}
	data, err := io.ReadAll(io.LimitReader(f, markerScanLimit))
	if err != nil {
		return 0, err
	}
	return markerCount(data), nil
}

// markerCount counts the lines of data that open or close a conflict
// ("<<<<<<< " and ">>>>>>> "), but only when both kinds occur: either
// alone is more likely prose or a quote than a conflict. Binary data
// counts none.
func markerCount(data []byte) int {
	if bytes.IndexByte(data, 0) >= 0 {
		return 0
	}
	opens, closes := 0, 0
	for line := range bytes.Lines(data) {
		switch {
		case bytes.HasPrefix(line, []byte("<<<<<<< ")):
			opens++
		case bytes.HasPrefix(line, []byte(">>>>>>> ")):
			closes++
		}
	}
	if opens == 0 || closes == 0 {
		return 0
	}
	return opens + closes
}

// Adopt takes the commits an agent made off the attempt's branch (Check
// found them Adoptable): the branch is fast-forwarded to HEAD (created
// there if the agent deleted it) and HEAD is put back on it. Files, index
// and the other branch are left as they are.
func (r *Repo) Adopt(ctx context.Context, wt *Worktree, in Integrity) error {
	if !in.Adoptable || in.Head == "" {
		return fmt.Errorf("adopt %s: HEAD cannot be taken onto %s", wt.Path, wt.Branch)
	}
	ref := "refs/heads/" + wt.Branch
	args := []string{"update-ref", "-m", "looper: take the agent's commits off the attempt branch", ref, in.Head}
	if !in.BranchMissing {
		out, err := gitRead(ctx, wt.Path, "rev-parse", "--verify", "--quiet", ref+"^{commit}")
		if err != nil {
			return fmt.Errorf("adopt %s: %w", wt.Path, err)
		}
		args = append(args, firstLine(out))
	}
	if _, err := git(ctx, wt.Path, args...); err != nil {
		return fmt.Errorf("adopt %s: %w", wt.Path, err)
	}
	if _, err := git(ctx, wt.Path, "symbolic-ref", "HEAD", ref); err != nil {
		return fmt.Errorf("adopt %s: %w", wt.Path, err)
	}
	return nil
}

// HoldsWork reports whether an attempt's worktree holds anything that
// removing it would lose: commits beyond its base, or uncommitted changes
// (untracked files included; ignored ones are not work). A stopped run
// removes the worktrees of the attempts it killed when they hold none.
func (r *Repo) HoldsWork(ctx context.Context, wt *Worktree) (bool, error) {
	n, err := r.Commits(wt)
	if err != nil || n > 0 {
		return true, err
	}
	changes, err := statusPaths(ctx, wt.Path, "--untracked-files=all")
	if err != nil {
		return true, err
	}
	return len(changes) > 0, nil
}
