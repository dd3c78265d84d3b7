package worktree

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// CheckoutState is a picture of the main worktree (the user's checkout):
// what looper compares during a run to notice changes it did not make.
type CheckoutState struct {
	// Branch is the checked-out branch ("" when HEAD is detached).
	Branch string
	// Head is the checked-out commit.
	Head string
	// Status maps each changed path (relative to Root, slash-separated) to
	// its two-letter git status code ("M ", " M", "??", ...). Paths below
	// .looper/worktrees and those State was told to ignore are left out.
	Status map[string]string
}

// State reads the main worktree's branch, HEAD and status. Paths equal to
// or below an ignore entry (absolute, or relative to Root) are left out, as
// for Dirty. It runs one git command (git status); when HEAD is anything
// but a branch with commits, or its name is unclear, it asks git about HEAD
// as well, whose answer (or error) decides.
func (r *Repo) State(ctx context.Context, ignore ...string) (CheckoutState, error) {
	var st CheckoutState
	ps, err := readStatus(ctx, r.root)
	if err != nil {
		return st, err
	}
	st.Head, st.Branch = ps.Head, ps.Branch
	if st.Head == "" || ps.Unsure {
		if st.Head, err = r.head(ctx); err != nil {
			return st, err
		}
		out, err := gitRead(ctx, r.root, "symbolic-ref", "--quiet", "--short", "HEAD")
		switch {
		case err == nil:
			st.Branch = firstLine(out)
		case exitCode(err) != 1:
			return st, fmt.Errorf("%s: read the checked-out branch: %w", r.root, err)
		}
	}
	skip := []string{worktreesDir}
	for _, p := range ignore {
		if rel, err := r.relPath(p); err == nil && rel != "." {
			skip = append(skip, rel)
		}
	}
	st.Status = map[string]string{}
	for p, c := range ps.codes() {
		if !underAny(p, skip) {
			st.Status[p] = c
		}
	}
	return st, nil
}

// Commit is one commit in a listing: its abbreviated id and subject.
type Commit struct {
	ID, Subject string
}

// String is "abc1234 subject".
func (c Commit) String() string { return c.ID + " " + c.Subject }

// CommitsSince lists, newest first, the commits reachable from tip but from
// none of not (commit ids or branch names): what arrived on a branch
// between two looks at it, less what looper put there itself.
func (r *Repo) CommitsSince(ctx context.Context, tip string, not ...string) ([]Commit, error) {
	args := []string{"log", "-z", "--format=%h%x00%s", tip}
	for _, n := range not {
		if n == "" || strings.HasPrefix(n, "-") {
			return nil, fmt.Errorf("%s: %q is not a revision", r.root, n)
		}
		args = append(args, "^"+n)
	}
	if isObjectID(tip) && slices.Contains(not, tip) {
		return nil, nil // nothing is reachable from tip but not from itself
	}
	out, err := gitRead(ctx, r.root, append(args, "--")...)
	if err != nil {
		return nil, fmt.Errorf("%s: list new commits: %w", r.root, err)
	}
	recs := splitNUL(out)
	var commits []Commit
	for i := 0; i+1 < len(recs); i += 2 {
		commits = append(commits, Commit{ID: strings.TrimSpace(recs[i]), Subject: recs[i+1]})
	}
	return slices.Clip(commits), nil
}
