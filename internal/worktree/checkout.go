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
// for Dirty.
func (r *Repo) State(ctx context.Context, ignore ...string) (CheckoutState, error) {
	var st CheckoutState
	head, err := r.head(ctx)
	if err != nil {
		return st, err
	}
	st.Head = head
	out, err := gitRead(ctx, r.root, "symbolic-ref", "--quiet", "--short", "HEAD")
	switch {
	case err == nil:
		st.Branch = firstLine(out)
	case exitCode(err) != 1:
		return st, fmt.Errorf("%s: read the checked-out branch: %w", r.root, err)
	}
	skip := []string{worktreesDir}
	for _, p := range ignore {
		if rel, err := r.relPath(p); err == nil && rel != "." {
			skip = append(skip, rel)
		}
	}
	out, err = gitRead(ctx, r.root, "status", "--porcelain=v1", "-z", "--untracked-files=all", "--ignore-submodules=none", "--no-renames")
	if err != nil {
		return st, fmt.Errorf("list uncommitted changes in %s: %w", r.root, err)
	}
	codes, err := parseStatusCodes(out)
	if err != nil {
		return st, fmt.Errorf("list uncommitted changes in %s: git status: %w", r.root, err)
	}
	st.Status = map[string]string{}
	for p, c := range codes {
		if !underAny(p, skip) {
			st.Status[p] = c
		}
	}
	return st, nil
}

// parseStatusCodes reads `git status --porcelain=v1 -z` into path → code;
// a rename's or copy's original path gets the same code.
func parseStatusCodes(out []byte) (map[string]string, error) {
	recs := splitNUL(out)
	codes := map[string]string{}
	for i := 0; i < len(recs); i++ {
		rec := recs[i]
		if len(rec) < 4 || rec[2] != ' ' || !statusCode(rec[0]) || !statusCode(rec[1]) {
			return nil, fmt.Errorf("malformed status record %q", rec)
		}
		codes[rec[3:]] = rec[:2]
		if x, y := rec[0], rec[1]; x == 'R' || x == 'C' || y == 'R' || y == 'C' {
			i++
			if i >= len(recs) || recs[i] == "" {
				return nil, fmt.Errorf("rename record %q lacks its original path", rec)
			}
			codes[recs[i]] = rec[:2]
		}
	}
	return codes, nil
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
