package worktree

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// HoldsWork reports whether a leftover has work a new attempt of its task
// can start from: commits the integration branch lacks, or uncommitted
// changes, on a branch that still exists. The changes of a worktree looper
// never finished preparing are not work (see Leftover.Unprepared).
func (l Leftover) HoldsWork() bool {
	if l.Branch == "" || l.Missing || l.Locked || l.State == StateStray {
		return false
	}
	return l.State == StateUnmerged && l.Ahead > 0 || l.Path != "" && len(l.Changes) > 0 && !l.Unprepared
}

// ResumePoints picks, for each task id, the leftover its next attempt
// starts from: the most recent one (by run, then attempt) that holds work.
// Tasks without one are absent from the map.
func ResumePoints(left []Leftover, ids []string) map[string]Leftover {
	byName := map[string]string{}
	for _, id := range ids {
		byName[safeName(id)] = id
	}
	points := map[string]Leftover{}
	for _, l := range left {
		id, ok := byName[l.Task]
		if !ok || !l.HoldsWork() {
			continue
		}
		if prev, seen := points[id]; seen && cmp.Or(cmp.Compare(prev.Run, l.Run), cmp.Compare(prev.Attempt, l.Attempt)) > 0 {
			continue
		}
		points[id] = l
	}
	return points
}

// resumeStart prepares a leftover to be a new attempt's starting point: its
// uncommitted changes are committed on its branch (after Check finds its
// worktree sound; copies lists the files Options.Copy brings in, which are
// not committed), and it returns the commit to start from and the base the
// leftover's work is measured against.
func (r *Repo) resumeStart(ctx context.Context, lo *Leftover, copies []string) (start, base string, err error) {
	if lo.Branch == "" {
		return "", "", errors.New("it has no branch")
	}
	tip, err := r.resolve(ctx, "refs/heads/"+lo.Branch)
	if err != nil {
		return "", "", err
	}
	base = lo.Base
	if base == "" {
		if base, err = r.mergeBase(ctx, "HEAD", tip); err != nil || base == "" {
			return "", "", fmt.Errorf("it shares no history with the integration branch (%v)", err)
		}
	}
	if lo.Path == "" || len(lo.Changes) == 0 || lo.Unprepared {
		return tip, base, nil
	}
	old := &Worktree{Path: lo.Path, Branch: lo.Branch, Base: base}
	in, err := r.Check(ctx, old)
	if err != nil {
		return "", "", err
	}
	problems := in.Problems()
	if in.OffBranch && len(problems) == 0 {
		problems = []string{"HEAD is off its branch"}
	}
	if len(problems) > 0 {
		return "", "", fmt.Errorf("its worktree is not in a state to continue from: %s", strings.Join(problems, "; "))
	}
	for _, c := range copies {
		if _, err := os.Lstat(filepath.Join(lo.Path, filepath.FromSlash(c))); err == nil {
			old.Copied = append(old.Copied, c)
		}
	}
	if _, err := r.CommitAll(old, "looper: work left uncommitted by an interrupted attempt"); err != nil {
		return "", "", err
	}
	if tip, err = r.resolve(ctx, "refs/heads/"+lo.Branch); err != nil {
		return "", "", err
	}
	return tip, base, nil
}

// baseConfigKey is the git config key that records a resumed branch's
// base; git removes it with the branch.
func baseConfigKey(branch string) string { return "branch." + branch + ".looperbase" }

// setBranchBase records base as branch's base in the repository's config,
// under the admin lock (git config takes a lock on the whole file).
func (r *Repo) setBranchBase(ctx context.Context, branch, base string) error {
	r.adminMu.Lock()
	defer r.adminMu.Unlock()
	if _, err := git(ctx, r.root, "config", baseConfigKey(branch), base); err != nil {
		return fmt.Errorf("record the base of %s: %w", branch, err)
	}
	return nil
}
