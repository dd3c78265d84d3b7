package worktree

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Checkpoint is the main tree's uncommitted state just before an attempt
// that works in place (sequential mode): every dirty path with the hash of
// its content then. After the attempt, CommitSince commits what the agent
// changed and leaves alone what the user had changed before, so an agent
// whose own `git commit` was denied (Claude's acceptEdits, Codex's
// read-only .git) still ends with its work committed.
type Checkpoint struct {
	hashes map[string]string
	ignore []string
}

// deletedHash stands for a dirty path whose file does not exist.
const deletedHash = "-"

// Checkpoint records the uncommitted changes in the main tree, leaving out
// the ignore paths (absolute, or relative to Root; the backlog and its
// lock, which looper itself writes).
func (r *Repo) Checkpoint(ignore ...string) (Checkpoint, error) {
	ctx := context.Background()
	paths, err := r.changes(ctx, ignore, "--untracked-files=all")
	if err != nil {
		return Checkpoint{}, err
	}
	hashes, err := r.hashPaths(ctx, paths)
	if err != nil {
		return Checkpoint{}, err
	}
	return Checkpoint{hashes: hashes, ignore: slices.Clone(ignore)}, nil
}

// CommitSince commits, as one commit on the current branch, the paths that
// changed since cp: those that were clean then, and no others. Paths that
// were dirty at cp and changed again hold the user's work and the agent's
// mixed together; they are left uncommitted and returned as mixed, for the
// caller to report. committed lists what the commit holds (nil when there
// was nothing to commit). Other staged changes of the user stay staged and
// out of the commit.
func (r *Repo) CommitSince(cp Checkpoint, message string) (committed, mixed []string, err error) {
	ctx := context.Background()
	paths, err := r.changes(ctx, cp.ignore, "--untracked-files=all")
	if err != nil {
		return nil, nil, err
	}
	var candidates []string
	for _, p := range paths {
		if _, before := cp.hashes[p]; !before {
			candidates = append(candidates, p)
		}
	}
	var again []string
	for p := range cp.hashes {
		if slices.Contains(paths, p) {
			again = append(again, p)
		}
	}
	now, err := r.hashPaths(ctx, again)
	if err != nil {
		return nil, nil, err
	}
	for _, p := range again {
		if now[p] != cp.hashes[p] {
			mixed = append(mixed, p)
		}
	}
	slices.Sort(mixed)
	if len(candidates) == 0 {
		return nil, mixed, nil
	}
	specs := literals(candidates)
	if _, err := git(ctx, r.root, append([]string{"add", "--all", "--"}, specs...)...); err != nil {
		return nil, mixed, fmt.Errorf("stage the attempt's changes: %w", err)
	}
	if strings.TrimSpace(message) == "" {
		message = "looper: work the agent left uncommitted"
	}
	args := append(r.fallbackIdentity(ctx), "commit", "--quiet", "--no-verify", "--no-edit", "-m", message, "--only", "--")
	if _, err := git(ctx, r.root, append(args, specs...)...); err != nil {
		return nil, mixed, fmt.Errorf("commit the attempt's changes: %w", err)
	}
	return candidates, mixed, nil
}

// fallbackIdentity returns -c options naming looper as the author when the
// repository has no identity configured (a fresh machine, CI), so that the
// commit of an agent's work does not fail for want of a name; a configured
// identity is always used as it is.
func (r *Repo) fallbackIdentity(ctx context.Context) []string {
	if _, err := gitRead(ctx, r.root, "var", "GIT_COMMITTER_IDENT"); err == nil {
		if _, err := gitRead(ctx, r.root, "var", "GIT_AUTHOR_IDENT"); err == nil {
			return nil
		}
	}
	return []string{"-c", "user.name=looper", "-c", "user.email=looper@localhost"}
}

// hashPaths hashes the working-tree content of paths (relative to Root):
// a blob id, or deletedHash for a path with no file.
func (r *Repo) hashPaths(ctx context.Context, paths []string) (map[string]string, error) {
	hashes := make(map[string]string, len(paths))
	var files []string
	for _, p := range paths {
		fi, err := os.Lstat(filepath.Join(r.root, filepath.FromSlash(p)))
		switch {
		case err != nil:
			hashes[p] = deletedHash
		case fi.IsDir(): // a submodule or nested repository: its state is its HEAD
			hashes[p] = "dir"
		default:
			files = append(files, p)
		}
	}
	if len(files) == 0 {
		return hashes, nil
	}
	out, err := gitRead(ctx, r.root, append([]string{"hash-object", "--no-filters", "--"}, files...)...)
	if err != nil {
		return nil, fmt.Errorf("hash the uncommitted files: %w", err)
	}
	ids := strings.Fields(string(bytes.TrimSpace(out)))
	if len(ids) != len(files) {
		return nil, fmt.Errorf("hash the uncommitted files: git hash-object gave %d ids for %d files", len(ids), len(files))
	}
	for i, p := range files {
		hashes[p] = ids[i]
	}
	return hashes, nil
}
