package worktree

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// poolPrefix starts the directory name of an idle pooled worktree, below
// .looper/worktrees/<run>/. safeName never starts a name with '.', so no
// attempt directory can take it.
const poolPrefix = ".pool-"

// pool keeps the worktrees of finished attempts for the next attempts of
// the same run: moving a worktree to a new branch rewrites only the files
// that differ, where a new worktree checks out every file and removing one
// deletes every file.
type pool struct {
	mu       sync.Mutex
	size     int             // most idle worktrees kept
	idle     []string        // paths of idle worktrees: detached, clean
	next     int             // numbers pool directories
	keep     bool            // ClosePool parks the idle worktrees for the next run (KeepPool)
	sparse   string          // the run's sparse directories (sparseSpec), recorded with parked worktrees
	unclean  map[string]bool // idle worktrees adopted from an earlier run, cleaned before their first reuse
	pending  int             // removals announced with Releasing and not done yet
	wake     chan struct{}   // closed (and replaced) when idle or pending changes
	checkout time.Duration   // the longest full checkout a Create of this run made (see take)
}

// UsePool makes Remove keep up to size worktrees (cleaned and detached, in
// .looper/worktrees/<run>/.pool-N) and Create reuse them, for a run that
// creates many: reuse touches only the files that differ between the old
// and the new base. Call ClosePool when the run ends. A pooled worktree
// holds no work: it is clean, detached at a commit of the integration
// branch, and its attempt's branch was deleted or kept as Remove was
// asked; a run killed before ClosePool leaves them as merged leftovers that
// looper clean --worktrees removes.
func (r *Repo) UsePool(size int) {
	r.adminMu.Lock()
	defer r.adminMu.Unlock()
	if size < 1 {
		size = 1
	}
	r.pool = &pool{size: size}
}

// ClosePool removes the idle pooled worktrees and stops pooling: Remove
// deletes again and Create checks out from scratch. Each is renamed aside
// (git then sees its directory missing), the directories are deleted
// concurrently, and one git worktree prune drops their records: one git
// command, however many there are. After KeepPool, up to the pool's size
// are parked for the next run instead; kept says how many.
func (r *Repo) ClosePool() (kept int, err error) {
	r.adminMu.Lock()
	p := r.pool
	r.pool = nil
	r.adminMu.Unlock()
	if p == nil {
		return 0, nil
	}
	p.mu.Lock()
	keep, idle := p.keepIdle(p.idle)
	p.idle = nil
	p.mu.Unlock()
	if len(keep) > 0 {
		r.adminMu.Lock()
		for _, path := range keep {
			if err := r.park(path, p.sparse); err != nil {
				idle = append(idle, path)
				continue
			}
			kept++
		}
		r.adminMu.Unlock()
	}
	if len(idle) == 0 {
		return kept, nil
	}
	errs := make([]error, len(idle))
	var wg sync.WaitGroup
	for i, path := range idle {
		wg.Go(func() {
			trash := path + ".trash"
			if err := os.Rename(path, trash); err != nil {
				errs[i] = fmt.Errorf("remove pooled worktree %s: %w", path, err)
				return
			}
			if err := os.RemoveAll(trash); err != nil {
				errs[i] = fmt.Errorf("remove pooled worktree %s: %w", path, err)
			}
		})
	}
	wg.Wait()
	r.adminMu.Lock()
	defer r.adminMu.Unlock()
	if _, err := git(context.Background(), r.root, "worktree", "prune"); err != nil {
		errs = append(errs, fmt.Errorf("drop the records of the pooled worktrees: %w", err))
	}
	for _, path := range idle {
		_ = os.Remove(filepath.Dir(path)) // the run directory, once empty
	}
	return kept, errors.Join(errs...)
}

// Pooled lists the idle pooled worktrees, sorted.
func (r *Repo) Pooled() []string {
	p := r.currentPool()
	if p == nil {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Sorted(slices.Values(p.idle))
}

func (r *Repo) currentPool() *pool {
	r.adminMu.Lock()
	defer r.adminMu.Unlock()
	return r.pool
}

// forget drops path from the idle list and reports whether it was there.
func (p *pool) forget(path string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	i := slices.Index(p.idle, path)
	if i < 0 {
		return false
	}
	p.idle = slices.Delete(p.idle, i, i+1)
	return true
}

// reserve hands out the path of a new pool directory in dir, or "" when
// the pool is full.
func (p *pool) reserve(dir string) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.idle) >= p.size {
		return ""
	}
	p.next++
	return filepath.Join(dir, poolPrefix+strconv.Itoa(p.next))
}

// release puts a finished attempt's worktree in the pool instead of
// deleting it: its changes are discarded and its untracked and ignored
// files deleted (as removing it would), HEAD is detached, the branch is
// deleted when asked, and the directory is moved aside. It reports false,
// having changed nothing, when the pool is full or off, or the worktree is
// locked; Remove then deletes it.
func (r *Repo) release(ctx context.Context, wt *Worktree, deleteBranch bool) (bool, error) {
	wt.settle()
	p := r.currentPool()
	if p == nil || wt.Path == "" || locked(wt.Path) {
		return false, nil
	}
	if p.forget(wt.Path) {
		return false, nil // already idle (listed again by List): delete it
	}
	if _, err := os.Stat(filepath.Join(wt.Path, ".git")); err != nil {
		return false, nil // not a worktree (any more)
	}
	dest := p.reserve(filepath.Dir(wt.Path))
	if dest == "" {
		return false, nil
	}
	// After CommitAll the files are the branch tip's: detaching is a write
	// of HEAD. Otherwise git discards what is uncommitted.
	at, detached := "", false
	if wt.committed {
		at, detached = r.refs.detachHead(wt.Path, wt.Branch)
	}
	if !detached {
		if _, err := git(ctx, wt.Path, "checkout", "--quiet", "--detach", "--force"); err != nil {
			return false, nil
		}
	}
	if _, err := git(ctx, wt.Path, "clean", "-ffdxq"); err != nil {
		return false, nil
	}
	r.adminMu.Lock()
	defer r.adminMu.Unlock()
	if err := r.moveWorktree(ctx, wt.Path, dest); err != nil {
		return false, nil
	}
	if deleteBranch && wt.Branch != "" && !(detached && r.refs.deleteBranch(wt.Branch, at)) {
		if err := r.deleteBranch(ctx, wt.Branch); err != nil {
			p.put(dest)
			return true, err
		}
	}
	p.put(dest)
	return true, nil
}

// put adds an idle worktree.
func (p *pool) put(path string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.idle = append(p.idle, path)
	p.changedLocked()
}

// reuse moves an idle pooled worktree to wt.Path and checks out a new
// branch wt.Branch at start there, which rewrites only the files that
// differ from the commit it was at.
func (r *Repo) reuse(ctx context.Context, from string, wt *Worktree, start string) error {
	r.adminMu.Lock()
	err := r.ensureExcluded()
	if err == nil {
		err = r.moveWorktree(ctx, from, wt.Path)
	}
	r.adminMu.Unlock()
	if err == nil {
		// From here a kill leaves the attempt's directory half switched:
		// marked, it is known to hold no work (see preparingMarker).
		err = markPreparing(wt.Path)
	}
	if err != nil {
		return err
	}
	if p := r.currentPool(); p != nil && p.adopted(from) {
		// Kept from an earlier run: nobody watched it since.
		if _, err := git(ctx, wt.Path, "clean", "-ffdxq"); err != nil {
			return err
		}
	}
	// --force: whatever changed in it since it was released (a process the
	// agent left behind) is discarded, not carried into the new attempt.
	_, err = git(ctx, wt.Path, "checkout", "--quiet", "--force", "--no-track", "-b", wt.Branch, start)
	return err
}

// adopted reports whether the idle worktree at path came from an earlier
// run (KeepPool) and has not been cleaned since, and marks it cleaned.
func (p *pool) adopted(path string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.unclean[path] {
		return false
	}
	delete(p.unclean, path)
	return true
}

// locked reports whether the worktree at path was locked with git
// worktree lock: its administrative directory has a "locked" file.
func locked(path string) bool {
	admin := adminDir(path)
	if admin == "" {
		return false
	}
	_, err := os.Stat(filepath.Join(admin, "locked"))
	return err == nil
}

// deleteBranch deletes an attempt branch; one already gone is fine. The
// caller holds adminMu.
func (r *Repo) deleteBranch(ctx context.Context, branch string) error {
	if _, err := git(ctx, r.root, "branch", "--delete", "--force", "--", branch); err != nil {
		var ge *GitError
		if !errors.As(err, &ge) || !strings.Contains(ge.Stderr, "not found") {
			return fmt.Errorf("delete branch %s: %w", branch, err)
		}
	}
	return nil
}
