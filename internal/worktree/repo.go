package worktree

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
)

// ErrNotRepo is returned (wrapped, with the directory and the fix) by Open
// when the directory is not inside a git repository, so that the caller can
// fall back to running in place.
var ErrNotRepo = errors.New("not a git repository")

// worktreesDir is where attempt worktrees live, relative to the repository
// root; it is also the line looper adds to .git/info/exclude.
const worktreesDir = ".looper/worktrees"

// Repo is a git repository seen from its main worktree: the tree the user
// works in, whose checked-out branch is the integration branch that attempt
// branches are created from and merged back into.
//
// A Repo is safe for concurrent use. Worktree administration (creating and
// removing worktrees and branches) is serialized inside the Repo, and so are
// merges, which are applied one at a time; the slow parts (checking out files,
// copying, setup) run concurrently.
type Repo struct {
	root      string   // toplevel of the main worktree, symlinks resolved
	commonDir string   // the repository's git directory, absolute
	refs      refFiles // reads HEAD and branches without git when it can

	adminMu  sync.Mutex // worktree add/remove, branch -D, info/exclude
	excluded bool       // info/exclude checked by this Repo (under adminMu)
	pool     *pool      // worktrees kept for reuse (UsePool), nil when off; under adminMu

	mergeMu sync.Mutex // one merge into the main worktree at a time

	bulkOnce sync.Once
	bulkRuns chan struct{} // git commands over every file under way (see bulkSlots)

	// beforeMove, when set (by tests), runs in Merge after the checks and
	// before the main worktree moves: the window in which the user may
	// commit or edit.
	beforeMove func()
}

// Open finds the repository containing dir and returns it rooted at its main
// worktree, even when dir is inside a linked worktree (looper may be started
// from one of its own attempt worktrees). Outside a repository it returns an
// error wrapping ErrNotRepo; a bare repository is an error too, since there is
// no working tree to merge into.
func Open(dir string) (*Repo, error) {
	ctx := context.Background()
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("open repository at %s: %w", dir, err)
	}
	if _, err := os.Stat(abs); err != nil {
		return nil, fmt.Errorf("open repository at %s: %w", dir, err)
	}
	if err := checkGitVersion(ctx); err != nil {
		return nil, err
	}
	out, err := gitRead(ctx, abs, "rev-parse", "--path-format=absolute", "--git-common-dir", "--is-bare-repository")
	if err != nil {
		var ge *GitError
		if errors.As(err, &ge) && strings.Contains(ge.Stderr, "not a git repository") {
			return nil, fmt.Errorf("%s: %w (run looper inside a git repository, or create one with git init)", abs, ErrNotRepo)
		}
		return nil, fmt.Errorf("open repository at %s: %w", abs, err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != 2 {
		return nil, fmt.Errorf("open repository at %s: unexpected output from git rev-parse: %q", abs, out)
	}
	if lines[1] == "true" {
		return nil, fmt.Errorf("%s is a bare repository: there is no working tree to merge attempts into; run looper in a clone with a working tree", abs)
	}
	commonDir := lines[0]
	out, err = gitRead(ctx, abs, "worktree", "list", "--porcelain", "-z")
	if err != nil {
		return nil, fmt.Errorf("open repository at %s: %w", abs, err)
	}
	entries, err := parseWorktreeList(out)
	if err != nil {
		return nil, fmt.Errorf("open repository at %s: git worktree list: %w", abs, err)
	}
	if len(entries) == 0 || entries[0].Bare {
		return nil, fmt.Errorf("%s: the repository has no main working tree to merge attempts into; run looper in a clone with a working tree", abs)
	}
	root, err := filepath.EvalSymlinks(entries[0].Path)
	if err != nil {
		return nil, fmt.Errorf("open repository at %s: main worktree %s: %w", abs, entries[0].Path, err)
	}
	if cd, err := filepath.EvalSymlinks(commonDir); err == nil {
		commonDir = cd
	}
	return &Repo{root: root, commonDir: commonDir, refs: newRefFiles(commonDir)}, nil
}

// minGit is the oldest git Open accepts: merge-tree --write-tree arrived in
// 2.38.
var minGit = [2]int{2, 38}

// checkGitVersion fails early, with the fix, when git is missing or too old
// for the commands this package runs.
func checkGitVersion(ctx context.Context) error {
	out, err := gitRead(ctx, "", "version")
	if err != nil {
		return fmt.Errorf("run git: %w", err)
	}
	v, ok := parseGitVersion(string(out))
	if !ok {
		return fmt.Errorf("cannot read the git version from %q; looper needs git %d.%d or newer", strings.TrimSpace(string(out)), minGit[0], minGit[1])
	}
	if v[0] < minGit[0] || v[0] == minGit[0] && v[1] < minGit[1] {
		return fmt.Errorf("git %d.%d is too old: looper needs git %d.%d or newer (for git merge-tree --write-tree); upgrade git", v[0], v[1], minGit[0], minGit[1])
	}
	return nil
}

// parseGitVersion reads the major and minor version from `git version`
// output such as "git version 2.39.5" or "git version 2.45.1.windows.1".
func parseGitVersion(out string) ([2]int, bool) {
	rest, ok := strings.CutPrefix(strings.TrimSpace(out), "git version ")
	if !ok {
		return [2]int{}, false
	}
	parts := strings.SplitN(rest, ".", 3)
	if len(parts) < 2 {
		return [2]int{}, false
	}
	var v [2]int
	for i := range v {
		end := 0
		for end < len(parts[i]) && parts[i][end] >= '0' && parts[i][end] <= '9' {
			end++
		}
		if end == 0 || end > 6 {
			return [2]int{}, false
		}
		v[i], _ = strconv.Atoi(parts[i][:end])
	}
	return v, true
}

// Root returns the absolute path of the main worktree's top directory; the
// backlog, .looper/ and the attempt worktrees all live below it.
func (r *Repo) Root() string { return r.root }

// Branch returns the integration branch: the branch checked out in the main
// worktree right now (read on every call, so it follows the user). A detached
// HEAD is an error, because merges need a branch to advance.
func (r *Repo) Branch() (string, error) {
	out, err := gitRead(context.Background(), r.root, "symbolic-ref", "--quiet", "--short", "HEAD")
	if err != nil {
		if exitCode(err) == 1 {
			return "", fmt.Errorf("%s: HEAD is detached, so there is no integration branch to create attempts from and merge them into; check out the branch looper should work on (git -C %s switch <branch>)", r.root, r.root)
		}
		return "", fmt.Errorf("%s: read the checked-out branch: %w", r.root, err)
	}
	return firstLine(out), nil
}

// Head returns the commit id checked out in the main worktree, the tip of the
// integration branch. An empty repository is an error, since attempts need a
// commit to start from.
func (r *Repo) Head() (string, error) {
	return r.head(context.Background())
}

func (r *Repo) head(ctx context.Context) (string, error) {
	out, err := gitRead(ctx, r.root, "rev-parse", "--verify", "--quiet", "HEAD^{commit}")
	if err != nil {
		if exitCode(err) == 1 {
			return "", fmt.Errorf("%s: the repository has no commits yet; make a first commit (git commit --allow-empty -m init) so attempts have something to start from", r.root)
		}
		return "", fmt.Errorf("%s: read HEAD: %w", r.root, err)
	}
	return firstLine(out), nil
}

// checkedOut returns, in one git call, the integration branch, the commit
// checked out in the main worktree and the commits the given revisions name.
// When anything is amiss (detached HEAD, no commits, a missing revision) it
// falls back to the separate lookups, whose errors explain the problem.
func (r *Repo) checkedOut(ctx context.Context, revs ...string) (branch, head string, commits []string, err error) {
	args := []string{"rev-parse", "HEAD^{commit}"}
	for _, rev := range revs {
		if rev == "" || strings.HasPrefix(rev, "-") {
			return "", "", nil, fmt.Errorf("%s: %q is not a revision", r.root, rev)
		}
		args = append(args, rev+"^{commit}")
	}
	if branch, head, commits, ok := r.checkedOutFiles(revs); ok {
		return branch, head, commits, nil
	}
	args = append(args, "--symbolic-full-name", "HEAD")
	out, gerr := gitRead(ctx, r.root, args...)
	lines := strings.Fields(string(out))
	if gerr == nil && len(lines) == len(revs)+2 {
		name, isBranch := strings.CutPrefix(lines[len(lines)-1], "refs/heads/")
		if isBranch && isObjectID(lines[0]) {
			return name, lines[0], lines[1 : len(lines)-1], nil
		}
	}
	if ctx.Err() != nil {
		return "", "", nil, fmt.Errorf("%s: %w", r.root, ctx.Err())
	}
	if branch, err = r.Branch(); err != nil {
		return "", "", nil, err
	}
	if head, err = r.head(ctx); err != nil {
		return "", "", nil, err
	}
	for _, rev := range revs {
		c, err := r.resolve(ctx, rev)
		if err != nil {
			return "", "", nil, err
		}
		commits = append(commits, c)
	}
	if gerr != nil {
		return "", "", nil, fmt.Errorf("%s: %w", r.root, gerr)
	}
	return branch, head, commits, nil
}

// checkedOutFiles is checkedOut read from the ref files, without git; ok
// is false when any answer needs git (see refFiles).
func (r *Repo) checkedOutFiles(revs []string) (branch, head string, commits []string, ok bool) {
	branch, head, ok = r.refs.head(filepath.Join(r.commonDir, "HEAD"))
	if !ok {
		return "", "", nil, false
	}
	commits = make([]string, len(revs))
	for i, rev := range revs {
		if commits[i], ok = r.refs.resolve(rev); !ok {
			return "", "", nil, false
		}
	}
	return branch, head, commits, true
}

// resolve returns the commit id a revision names, or an error naming it.
func (r *Repo) resolve(ctx context.Context, rev string) (string, error) {
	if rev == "" || strings.HasPrefix(rev, "-") {
		return "", fmt.Errorf("%s: %q is not a revision", r.root, rev)
	}
	out, err := gitRead(ctx, r.root, "rev-parse", "--verify", "--quiet", rev+"^{commit}")
	if err != nil {
		if exitCode(err) == 1 {
			return "", fmt.Errorf("%s: %s does not name a commit (deleted branch? run git -C %s branch --list 'looper/*' to see what exists)", r.root, rev, r.root)
		}
		return "", fmt.Errorf("%s: resolve %s: %w", r.root, rev, err)
	}
	return firstLine(out), nil
}
