package worktree

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Worktree is one attempt's isolated checkout: its own directory, index and
// branch, so that parallel attempts never see each other's edits.
type Worktree struct {
	// Path is the absolute directory, Root/.looper/worktrees/<run>/<task>-<attempt>.
	Path string
	// Branch is the attempt branch, looper/<run>/<task>/<attempt>.
	Branch string
	// Base is the commit the branch was created from (the integration tip at
	// creation); commits beyond it are the attempt's work.
	Base string
	// Copied lists the files Create copied in from the main worktree
	// (Options.Copy), relative to Path; CommitAll never stages them, so a
	// secret like .env does not end up in a commit. Worktrees found by List
	// and Leftovers leave it nil.
	Copied []string
	// ResumedFrom names the branch of the earlier attempt whose work this
	// one starts from (Options.Resume), "" for a fresh start; ResumeErr
	// says why a requested resume fell back to a fresh start.
	ResumedFrom string
	ResumeErr   error

	seen *seen // what Check last found, for CommitAll; nil when unknown
	// committed is set when CommitAll left nothing uncommitted (and no
	// check or change came since): the files are the branch tip's, so a
	// release to the pool detaches HEAD without git.
	committed bool
	// refresh is the refresh of a fresh checkout's index running while
	// the agent works (see refreshLater); Check, CommitAll and Remove
	// settle it.
	refresh *indexRefresh
}

// Options controls what Create prepares in a new worktree besides the
// checkout. The zero value prepares nothing.
type Options struct {
	// Copy lists files or directories, relative to the repository root, to
	// copy from the main worktree into the new one when they exist there,
	// typically untracked configuration such as ".env". Files the checkout
	// already has are not overwritten, symlinks are followed only inside the
	// repository, and paths that would leave it (absolute, "..", or into .git
	// or .looper/worktrees) are an error.
	Copy []string
	// Setup is a command (argv, never passed through a shell; use
	// {"sh", "-c", "..."} for one) run in the new worktree after copying,
	// for example to install dependencies. Its environment adds
	// LOOPER_REPO_ROOT, LOOPER_WORKTREE, LOOPER_BRANCH and LOOPER_BASE. It
	// runs in its own process group, and anything it leaves running is
	// killed when it exits.
	Setup []string
	// SetupTimeout bounds Setup; zero means 10 minutes.
	SetupTimeout time.Duration
	// SetupEnv adds KEY=VALUE entries to Setup's environment.
	SetupEnv []string
	// SetupOutput, when set, receives everything Setup prints (stdout and
	// stderr interleaved). The tail of the output is in the error either way.
	SetupOutput io.Writer
	// Resume, when set, starts the attempt from the work an earlier,
	// interrupted attempt of the task left (see ResumePoints) instead of
	// the integration tip: its uncommitted changes are committed on its
	// branch, the new branch starts at that branch's tip with the earlier
	// base, and the earlier worktree and branch are removed once the new
	// one holds their work. When that cannot be done safely the attempt
	// starts fresh and Worktree.ResumeErr says why.
	Resume *Leftover
	// Sparse, when set, checks out only these directories (relative to
	// the repository root, slash-separated) and the files at the top
	// level: git's sparse checkout in cone mode, for monorepos where an
	// attempt needs a part of the tree. The patterns belong to the
	// worktree alone (git keeps them per worktree); the main worktree and
	// merges see the whole tree.
	Sparse []string
}

// DefaultSetupTimeout is the Setup time limit when Options.SetupTimeout is 0.
const DefaultSetupTimeout = 10 * time.Minute

// Create makes the worktree for one attempt of a task: a new branch
// looper/<run>/<task>/<attempt> at the integration branch's current tip,
// checked out at Root/.looper/worktrees/<run>/<task>-<attempt>, then copies
// opt.Copy in and runs opt.Setup there. The run and task ids are sanitized
// (see the package documentation) so that no id can escape that directory or
// inject an option. On any failure nothing is left behind: the worktree and
// branch are removed again and the error says what failed. Create also adds
// .looper/worktrees/ to .git/info/exclude, so the main worktree never shows
// the attempts as untracked files. Several Creates may run at once.
//
// attempt counts from 1; a smaller value is a programming error and panics.
func (r *Repo) Create(ctx context.Context, run, task string, attempt int, opt Options) (*Worktree, error) {
	if attempt < 1 {
		panic("worktree: Create: attempt must be 1 or more, got " + strconv.Itoa(attempt))
	}
	if run == "" || task == "" {
		return nil, fmt.Errorf("create worktree: empty run id (%q) or task id (%q); every task in the backlog needs an id", run, task)
	}
	copies, err := r.checkCopyPaths(opt.Copy)
	if err != nil {
		return nil, err
	}
	if _, err := sparseDirs(opt.Sparse); err != nil {
		return nil, fmt.Errorf("create worktree for task %q: %w", task, err)
	}
	_, base, _, err := r.checkedOut(ctx)
	if err != nil {
		return nil, fmt.Errorf("create worktree for task %q: %w", task, err)
	}
	runName, taskName := safeName(run), safeName(task)
	wt := &Worktree{
		Path:   filepath.Join(r.root, filepath.FromSlash(worktreesDir), runName, dirName(taskName, attempt)),
		Branch: branchName(runName, taskName, attempt),
		Base:   base,
	}
	start := base
	if opt.Resume != nil {
		from, earlier, err := r.resumeStart(ctx, opt.Resume, r.withIncluded(ctx, copies))
		if err != nil {
			wt.ResumeErr = fmt.Errorf("cannot continue from %s: %w", opt.Resume.Branch, err)
		} else {
			start, wt.Base, wt.ResumedFrom = from, earlier, opt.Resume.Branch
		}
	}
	checked, err := r.place(ctx, wt, start, opt.Sparse)
	if err != nil {
		return nil, fmt.Errorf("create worktree for task %q attempt %d: %w", task, attempt, err)
	}
	err = markPreparing(wt.Path)
	if err == nil {
		err = r.prepare(ctx, wt, start, !checked, copies, opt)
	}
	if err != nil {
		if rmErr := r.remove(context.WithoutCancel(ctx), wt, true, false); rmErr != nil {
			err = errors.Join(err, fmt.Errorf("and removing the half-made worktree failed: %w", rmErr))
		}
		return nil, fmt.Errorf("create worktree for task %q attempt %d: %w", task, attempt, err)
	}
	if wt.ResumedFrom != "" {
		// The new branch starts at the earlier branch's tip, so its reflog
		// no longer tells its base: record the base with the branch, or a
		// second interruption would resume from the wrong base and its
		// work would look empty.
		if err := r.setBranchBase(ctx, wt.Branch, wt.Base); err != nil {
			if rmErr := r.remove(context.WithoutCancel(ctx), wt, true, false); rmErr != nil {
				err = errors.Join(err, rmErr)
			}
			return nil, fmt.Errorf("create worktree for task %q attempt %d: %w", task, attempt, err)
		}
		// The new branch holds the earlier one's commits; drop the old copy
		// so that the work is not resumed twice. If that fails the next run
		// lists it, and its commits are merged or empty by then.
		old := opt.Resume.Worktree
		_ = r.remove(context.WithoutCancel(ctx), &old, true, false)
	}
	if err := donePreparing(wt.Path); err != nil {
		if rmErr := r.remove(context.WithoutCancel(ctx), wt, true, false); rmErr != nil {
			err = errors.Join(err, rmErr)
		}
		return nil, fmt.Errorf("create worktree for task %q attempt %d: %w", task, attempt, err)
	}
	return wt, nil
}

// prepare checks the files out at start (when checkout is set), copies and
// runs setup.
func (r *Repo) prepare(ctx context.Context, wt *Worktree, start string, checkout bool, copies []string, opt Options) error {
	if checkout {
		took, err := r.checkOutAll(ctx, wt.Path, start)
		if err != nil {
			return err
		}
		if took >= refreshAfterCheckout {
			r.refreshLater(wt)
		}
	}
	copied, err := r.copyInto(wt.Path, copies)
	if err != nil {
		return err
	}
	provisioned, err := r.provision(ctx, wt.Path)
	if err != nil {
		return err
	}
	wt.Copied = append(copied, provisioned...)
	if len(opt.Setup) > 0 {
		env := append([]string{
			"LOOPER_REPO_ROOT=" + r.root,
			"LOOPER_WORKTREE=" + wt.Path,
			"LOOPER_BRANCH=" + wt.Branch,
			"LOOPER_BASE=" + wt.Base,
		}, opt.SetupEnv...)
		timeout := opt.SetupTimeout
		if timeout <= 0 {
			timeout = DefaultSetupTimeout
		}
		if err := runSetup(ctx, wt.Path, opt.Setup, env, timeout, opt.SetupOutput); err != nil {
			return err
		}
	}
	return nil
}

// ensureExcluded adds "/.looper/worktrees/" to the repository's
// info/exclude once. The caller holds adminMu.
func (r *Repo) ensureExcluded() error {
	if r.excluded {
		return nil
	}
	const line = "/" + worktreesDir + "/"
	path := filepath.Join(r.commonDir, "info", "exclude")
	data, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("read %s: %w", path, err)
	}
	for l := range strings.SplitSeq(string(data), "\n") {
		if strings.TrimSpace(l) == line {
			r.excluded = true
			return nil
		}
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("add %s to %s: %w", line, path, err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("add %s to %s: %w", line, path, err)
	}
	add := "# looper: per-attempt worktrees\n" + line + "\n"
	if len(data) > 0 && data[len(data)-1] != '\n' {
		add = "\n" + add
	}
	if _, err := f.WriteString(add); err != nil {
		f.Close()
		return fmt.Errorf("add %s to %s: %w", line, path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("add %s to %s: %w", line, path, err)
	}
	r.excluded = true
	return nil
}

// Remove deletes the attempt's worktree directory (with any uncommitted
// changes in it) and, when deleteBranch is set, its branch; unmerged commits
// on a deleted branch are gone for good, so callers delete branches only
// after a merge or for attempts that lost. A directory that is already gone
// is fine. Remove refuses paths outside Root/.looper/worktrees and branches
// outside looper/, and a worktree locked with git worktree lock.
//
// With UsePool, the worktree is kept for reuse instead (see UsePool): its
// uncommitted changes and untracked files are deleted all the same, and
// its directory is gone from wt.Path.
func (r *Repo) Remove(wt *Worktree, deleteBranch bool) error {
	if wt.Path != "" && r.inWorktreesDir(wt.Path) && (!deleteBranch || wt.Branch == "" || strings.HasPrefix(wt.Branch, BranchPrefix)) {
		if pooled, err := r.release(context.Background(), wt, deleteBranch); pooled {
			return err
		}
	}
	return r.remove(context.Background(), wt, deleteBranch, false)
}

// remove does Remove; unlock also removes locked worktrees.
func (r *Repo) remove(ctx context.Context, wt *Worktree, deleteBranch, unlock bool) error {
	wt.settle()
	if wt.Path != "" && !r.inWorktreesDir(wt.Path) {
		return fmt.Errorf("remove worktree %s: not below %s; looper only removes its own worktrees", wt.Path, filepath.Join(r.root, filepath.FromSlash(worktreesDir)))
	}
	if deleteBranch && wt.Branch != "" && !strings.HasPrefix(wt.Branch, BranchPrefix) {
		return fmt.Errorf("remove worktree %s: branch %s is not below %s; looper only deletes its own branches", wt.Path, wt.Branch, BranchPrefix)
	}
	if wt.Path != "" {
		// Deleting the directory can take long (dependencies, build output);
		// it touches only this worktree's files and its own record in the
		// git directory, so it runs without the admin lock.
		args := []string{"worktree", "remove", "--force"}
		if unlock {
			args = append(args, "--force")
		}
		if _, err := git(ctx, r.root, append(args, "--", wt.Path)...); err != nil {
			var ge *GitError
			if !errors.As(err, &ge) || !strings.Contains(ge.Stderr, "is not a working tree") {
				return fmt.Errorf("remove worktree %s: %w", wt.Path, err)
			}
			// Not registered with git (a stray directory): delete it directly.
			if err := os.RemoveAll(wt.Path); err != nil {
				return fmt.Errorf("remove stray directory %s: %w", wt.Path, err)
			}
		}
	}
	r.adminMu.Lock()
	defer r.adminMu.Unlock()
	if wt.Path != "" {
		// Drop the run directory once its last attempt is gone.
		_ = os.Remove(filepath.Dir(wt.Path))
	}
	if deleteBranch && wt.Branch != "" {
		return r.deleteBranch(ctx, wt.Branch)
	}
	return nil
}

// inWorktreesDir reports whether p lies strictly below Root/.looper/worktrees.
func (r *Repo) inWorktreesDir(p string) bool {
	dir := filepath.Join(r.root, filepath.FromSlash(worktreesDir))
	rel, err := filepath.Rel(dir, filepath.Clean(p))
	return err == nil && rel != "." && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}
