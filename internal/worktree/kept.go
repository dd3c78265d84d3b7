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

// keptDir holds, below .looper/worktrees, the idle worktrees a run kept
// for the next run (KeepPool). safeName never starts a name with '.', so no
// run directory can take it.
const keptDir = ".pool"

// keptMarker names the file a kept worktree has in its administrative
// directory: the commit its HEAD was detached at when it was parked and
// the sparse directories it checks out. A kept worktree whose HEAD still
// says that commit was not touched by git since (nobody committed there),
// so a run may adopt it without asking git anything; any other is left to
// Leftovers, which judges it like an attempt's.
const keptMarker = "looper-kept"

// KeepPool makes the pool (UsePool) outlive the run: ClosePool parks the
// idle worktrees in .looper/worktrees/.pool instead of deleting them, and
// the worktrees earlier runs parked there are adopted now, moved under
// this run's directory as its idle pooled worktrees. On a large repository
// that turns the first attempts' full checkouts into switches that rewrite
// only the files that differ. sparse must be the run's Options.Sparse:
// only worktrees parked with the same directories are adopted. A parked
// worktree is cleaned (git clean) before its first reuse, since it sat
// unwatched between runs. KeepPool returns how many it adopted; one that
// cannot be adopted stays where it is, for Leftovers and Clean.
func (r *Repo) KeepPool(run string, sparse []string) int {
	p := r.currentPool()
	if p == nil {
		return 0
	}
	spec := sparseSpec(sparse)
	dir := filepath.Join(r.root, filepath.FromSlash(worktreesDir), safeName(run))
	p.mu.Lock()
	p.keep, p.sparse = true, spec
	p.mu.Unlock()
	adopted := 0
	for _, from := range r.keptWorktrees(spec) {
		dest := p.reserve(dir)
		if dest == "" {
			break
		}
		r.adminMu.Lock()
		err := os.MkdirAll(dir, 0o755)
		if err == nil {
			// A rename claims it: a second run adopting at the same time
			// finds it gone and moves on.
			err = r.moveWorktree(context.Background(), from, dest)
		}
		r.adminMu.Unlock()
		if err != nil {
			continue
		}
		// From now on it is this run's: a kill leaves it as a leftover of
		// the run, judged like any other.
		_ = os.Remove(filepath.Join(adminDir(dest), keptMarker))
		p.mu.Lock()
		if p.unclean == nil {
			p.unclean = map[string]bool{}
		}
		p.unclean[dest] = true // before put: no take may reuse it uncleaned
		p.mu.Unlock()
		p.put(dest)
		adopted++
	}
	return adopted
}

// keptWorktrees lists the parked worktrees that are intact (see
// keptMarker) and were parked with the sparse directories spec, sorted.
func (r *Repo) keptWorktrees(spec string) []string {
	dir := filepath.Join(r.root, filepath.FromSlash(worktreesDir), keptDir)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range entries {
		p := filepath.Join(dir, e.Name())
		if parked, ok := intactKept(p); e.IsDir() && ok && parked == spec {
			out = append(out, p)
		}
	}
	return out
}

// intactKept reports whether the worktree at path is parked as KeepPool
// left it: its HEAD is detached at the commit the marker names, it is not
// locked and looper was not preparing it. spec is the sparse directories
// it was parked with (see sparseSpec).
func intactKept(path string) (spec string, ok bool) {
	admin := adminDir(path)
	if admin == "" || locked(path) || unprepared(path) {
		return "", false
	}
	marker, err := os.ReadFile(filepath.Join(admin, keptMarker))
	if err != nil {
		return "", false
	}
	head, err := os.ReadFile(filepath.Join(admin, "HEAD"))
	if err != nil {
		return "", false
	}
	at, ok := parseLooseRef(head)
	want, spec, _ := strings.Cut(string(marker), "\n")
	return strings.TrimSuffix(spec, "\n"), ok && want == at
}

// kept reports whether the worktree at path is an intact parked one.
func kept(path string) bool {
	_, ok := intactKept(path)
	return ok
}

// sparseSpec writes sparse directories as one comparable line.
func sparseSpec(sparse []string) string {
	dirs, err := sparseDirs(sparse)
	if err != nil {
		return strings.Join(sparse, "\x00")
	}
	return strings.Join(dirs, "\x00")
}

// park moves an idle pooled worktree to .looper/worktrees/.pool for the
// next run, with the marker that lets that run trust it. The caller holds
// adminMu.
func (r *Repo) park(path, spec string) error {
	admin := adminDir(path)
	if admin == "" {
		return fmt.Errorf("keep %s: it has no .git file naming its git directory", path)
	}
	head, err := os.ReadFile(filepath.Join(admin, "HEAD"))
	if err != nil {
		return fmt.Errorf("keep %s: %w", path, err)
	}
	at, ok := parseLooseRef(head)
	if !ok {
		return fmt.Errorf("keep %s: its HEAD is not detached at a commit", path)
	}
	// The marker goes first: a kill before the move leaves an idle worktree
	// in the run's directory, which Leftovers finds merged as before.
	if err := os.WriteFile(filepath.Join(admin, keptMarker), []byte(at+"\n"+spec+"\n"), 0o644); err != nil {
		return fmt.Errorf("keep %s: %w", path, err)
	}
	dir := filepath.Join(r.root, filepath.FromSlash(worktreesDir), keptDir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("keep %s: %w", path, err)
	}
	dest := ""
	for n := 1; ; n++ {
		dest = filepath.Join(dir, strconv.Itoa(n))
		if _, err := os.Lstat(dest); errors.Is(err, fs.ErrNotExist) {
			break
		}
	}
	if err := r.moveWorktree(context.Background(), path, dest); err != nil {
		return fmt.Errorf("keep %s: %w", path, err)
	}
	_ = os.Remove(filepath.Dir(path)) // the run directory, once empty
	return nil
}

// isKeptPath reports whether path lies directly in the kept directory.
func (r *Repo) isKeptPath(path string) bool {
	return filepath.Dir(path) == filepath.Join(r.root, filepath.FromSlash(worktreesDir), keptDir)
}

// keptLeftover describes an intact kept worktree for Leftovers: it holds
// no work, so Clean removes it.
func keptLeftover(path string) Leftover {
	return Leftover{Worktree: Worktree{Path: path}, Run: keptDir, State: StateMerged, Kept: true}
}

// keepIdle splits the idle worktrees at ClosePool: up to size are parked
// for the next run, the rest are deleted.
func (p *pool) keepIdle(idle []string) (keep, drop []string) {
	if !p.keep {
		return nil, idle
	}
	slices.Sort(idle)
	n := min(len(idle), p.size)
	return idle[:n], idle[n:]
}
