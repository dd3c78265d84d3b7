package worktree

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// State classifies what an attempt left behind by what its commits are
// worth, which decides whether Clean may delete it.
type State string

const (
	// StateEmpty means there are no commits beyond the base, so removing it
	// loses nothing.
	StateEmpty State = "empty"
	// StateMerged means every commit is already in the integration branch.
	StateMerged State = "merged"
	// StateUnmerged means it has commits the integration branch lacks, so
	// Clean keeps it unless forced.
	StateUnmerged State = "unmerged"
	// StateStray means a directory under .looper/worktrees that git does not
	// know as a worktree; Clean keeps it unless forced, since it may hold
	// anything.
	StateStray State = "stray"
)

// Leftover is an attempt worktree or branch found in the repository, from
// this run or an earlier one (interrupted, crashed, or kept for inspection).
type Leftover struct {
	// Worktree locates it. Path is empty when only the branch is left;
	// Branch is empty for a stray directory or a worktree whose branch was
	// deleted; Base is the commit the branch started from ("" if unknown).
	Worktree
	// Run, Task and Attempt are parsed from the names (the sanitized ids).
	Run, Task string
	Attempt   int
	// State says what its commits are worth.
	State State
	// Ahead counts the commits on the branch (or checked out in the
	// worktree) that the integration branch lacks.
	Ahead int
	// Missing is set when git has the worktree registered but its directory
	// is gone; Clean drops the registration whatever the State.
	Missing bool
	// Locked is set when the worktree was locked with git worktree lock.
	Locked bool
	// Changes lists uncommitted changes inside the worktree (relative to
	// Path); Clean keeps a worktree that has any unless forced.
	Changes []string
	// Unprepared is set when looper stopped (killed, crashed) while it was
	// still preparing the worktree, before any agent ran there: its Changes
	// are a half-done checkout or setup, not work, so no attempt resumes
	// from them and Clean removes it.
	Unprepared bool
	// Kept is set for an idle worktree a run parked for the next run's
	// pool (Repo.KeepPool). It holds no work; Clean removes it, which
	// only costs the next run its full checkout.
	Kept bool
}

// Removable reports whether Clean deletes it without force: nothing on it is
// missing from the integration branch, it has no uncommitted changes, and
// nobody locked it.
func (l Leftover) Removable() bool {
	return (l.State == StateEmpty || l.State == StateMerged) && (len(l.Changes) == 0 || l.Unprepared) && !l.Locked
}

// String describes it in one line for listings, such as
// "looper/r1/T-3/1 unmerged (2 commits), directory missing".
func (l Leftover) String() string {
	if l.Kept {
		return l.Path + " idle, kept for the next run's pool (no work in it)"
	}
	var b strings.Builder
	switch {
	case l.Branch != "":
		b.WriteString(l.Branch)
	default:
		b.WriteString(l.Path)
	}
	b.WriteString(" ")
	b.WriteString(string(l.State))
	if l.State == StateUnmerged {
		fmt.Fprintf(&b, " (%d commit%s)", l.Ahead, plural(l.Ahead))
	}
	switch {
	case l.Missing:
		b.WriteString(", directory missing")
	case l.Path == "" && l.State != StateStray:
		b.WriteString(", branch only")
	case l.Branch == "" && l.State != StateStray:
		b.WriteString(", branch deleted")
	}
	switch {
	case l.Unprepared:
		b.WriteString(", left half-prepared (no agent ran there)")
	case len(l.Changes) > 0:
		fmt.Fprintf(&b, ", %d uncommitted change%s", len(l.Changes), plural(len(l.Changes)))
	}
	if l.Locked {
		b.WriteString(", locked")
	}
	if l.Path != "" && l.Branch != "" {
		b.WriteString(", at ")
		b.WriteString(l.Path)
	}
	return b.String()
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// Leftovers finds every attempt worktree and branch in the repository, from
// any run: registered worktrees below .looper/worktrees (present or with
// their directory gone), looper/ branches without a worktree, and stray
// directories there that git does not know. Each is classified against the
// integration branch (HEAD when it is detached): merged, unmerged, empty or
// stray, with its uncommitted changes. Sorted by run, task and attempt.
func (r *Repo) Leftovers() ([]Leftover, error) {
	return r.leftovers(context.Background())
}

func (r *Repo) leftovers(ctx context.Context) ([]Leftover, error) {
	integration := "HEAD"
	if b, err := r.Branch(); err == nil {
		integration = "refs/heads/" + b
	}
	if _, err := r.head(ctx); err != nil {
		return nil, fmt.Errorf("find leftover worktrees: %w", err)
	}
	entries, elsewhere, err := r.worktreeEntries(ctx)
	if err != nil {
		return nil, err
	}
	branches, err := r.looperBranches(ctx)
	if err != nil {
		return nil, err
	}
	for b := range elsewhere {
		delete(branches, b) // checked out in the main or a foreign worktree: not ours to judge
	}
	// A worktree owns the branch it has checked out; one that moved off its
	// branch (detached, or switched) still owns the branch named after it.
	claimed := map[string]bool{}
	for _, e := range entries {
		if branches[e.Branch] != "" {
			claimed[e.Branch] = true
		}
	}
	var out []Leftover
	known := map[string]bool{}
	for _, e := range entries {
		known[e.Path] = true
		if r.isKeptPath(e.Path) && !e.Prunable && kept(e.Path) {
			// Parked by KeepPool, untouched since: no git status of a
			// whole tree for a worktree known to hold nothing.
			out = append(out, keptLeftover(e.Path))
			continue
		}
		l := Leftover{
			Worktree: Worktree{Path: e.Path},
			Run:      e.Run, Task: e.Task, Attempt: e.Attempt,
			Missing: e.Prunable, Locked: e.Locked,
		}
		var tips []string
		if branches[e.Branch] != "" {
			l.Branch = e.Branch
		} else if b := branchName(e.Run, e.Task, e.Attempt); e.Task != "" && branches[b] != "" && !claimed[b] {
			l.Branch = b
			claimed[b] = true
		}
		if l.Branch != "" {
			tips = append(tips, branches[l.Branch])
		}
		if isObjectID(e.Head) && strings.Trim(e.Head, "0") != "" && !slices.Contains(tips, e.Head) {
			tips = append(tips, e.Head) // detached, or moved off its branch
		}
		if err := r.classify(ctx, &l, tips, integration); err != nil {
			return nil, err
		}
		if !l.Missing {
			changes, err := statusPaths(ctx, l.Path, "--untracked-files=all")
			if err != nil {
				return nil, err
			}
			l.Changes = changes
			l.Unprepared = unprepared(l.Path)
		}
		out = append(out, l)
	}
	for branch, tip := range branches {
		if claimed[branch] {
			continue
		}
		l := Leftover{Worktree: Worktree{Branch: branch}}
		l.Run, l.Task, l.Attempt, _ = parseBranch(branch)
		if err := r.classify(ctx, &l, []string{tip}, integration); err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	strays, err := r.strayDirs(known)
	if err != nil {
		return nil, err
	}
	out = append(out, strays...)
	slices.SortFunc(out, func(a, b Leftover) int {
		if c := strings.Compare(a.Run, b.Run); c != 0 {
			return c
		}
		if c := strings.Compare(a.Task, b.Task); c != 0 {
			return c
		}
		if a.Attempt != b.Attempt {
			return a.Attempt - b.Attempt
		}
		if c := strings.Compare(a.Branch, b.Branch); c != 0 {
			return c
		}
		return strings.Compare(a.Path, b.Path)
	})
	return out, nil
}

// looperBranches maps every attempt branch (looper/<run>/<task>/<attempt>)
// to its tip.
func (r *Repo) looperBranches(ctx context.Context) (map[string]string, error) {
	out, err := gitRead(ctx, r.root, "for-each-ref", "--format=%(objectname) %(refname)", "refs/heads/"+BranchPrefix)
	if err != nil {
		return nil, fmt.Errorf("list looper branches in %s: %w", r.root, err)
	}
	branches := map[string]string{}
	for line := range strings.SplitSeq(strings.TrimSpace(string(out)), "\n") {
		if line == "" {
			continue
		}
		oid, ref, ok := strings.Cut(line, " ")
		name, isBranch := strings.CutPrefix(ref, "refs/heads/")
		if !ok || !isBranch || !isObjectID(oid) {
			return nil, fmt.Errorf("list looper branches in %s: unexpected line %q from git for-each-ref", r.root, line)
		}
		if _, _, _, attempt := parseBranch(name); attempt {
			branches[name] = oid // others, like a user's looper/experiment, are not ours
		}
	}
	return branches, nil
}

// classify sets Base, Ahead and State from the commits tips point at.
func (r *Repo) classify(ctx context.Context, l *Leftover, tips []string, integration string) error {
	if l.Branch != "" {
		l.Base = r.branchBase(ctx, l.Branch, integration)
	}
	if len(tips) == 0 {
		l.State = StateEmpty
		return nil
	}
	args := append([]string{"rev-list", "--count"}, tips...)
	args = append(args, "^"+integration, "--")
	out, err := gitRead(ctx, r.root, args...)
	if err != nil {
		return fmt.Errorf("classify %s: %w", l.String(), err)
	}
	l.Ahead, err = strconv.Atoi(firstLine(out))
	if err != nil {
		return fmt.Errorf("classify %s: git rev-list printed %q", l.String(), out)
	}
	switch {
	case l.Ahead > 0:
		l.State = StateUnmerged
	case l.Base != "" && !slices.ContainsFunc(tips, func(t string) bool { return t != l.Base }):
		l.State = StateEmpty
	default:
		l.State = StateMerged
	}
	return nil
}

// strayDirs lists directories .looper/worktrees/<run>/<leaf> that are not
// registered worktrees.
func (r *Repo) strayDirs(known map[string]bool) ([]Leftover, error) {
	dir := filepath.Join(r.root, filepath.FromSlash(worktreesDir))
	runs, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("find leftover worktrees: %w", err)
	}
	var out []Leftover
	for _, run := range runs {
		if !run.IsDir() {
			continue
		}
		leaves, err := os.ReadDir(filepath.Join(dir, run.Name()))
		if err != nil {
			return nil, fmt.Errorf("find leftover worktrees: %w", err)
		}
		for _, leaf := range leaves {
			p := filepath.Join(dir, run.Name(), leaf.Name())
			if known[p] {
				continue
			}
			l := Leftover{Worktree: Worktree{Path: p}, State: StateStray, Run: run.Name()}
			if _, task, attempt, ok := parseDir(run.Name() + "/" + leaf.Name()); ok {
				l.Task, l.Attempt = task, attempt
			}
			out = append(out, l)
		}
	}
	return out, nil
}
