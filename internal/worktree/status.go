package worktree

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Dirty lists the uncommitted changes in the main worktree as slash-separated
// paths relative to Root, sorted: modified and deleted tracked files, staged
// changes (both sides of a staged rename) and untracked files that are not
// ignored, each untracked file listed individually. Paths equal to one of
// ignore, or below it, are left out; ignore entries may be absolute paths
// or relative to Root (the caller passes the backlog file and ".looper"),
// and entries outside the repository are skipped. Attempt worktrees below .looper/worktrees are never listed.
func (r *Repo) Dirty(ignore ...string) ([]string, error) {
	return r.dirty(context.Background(), ignore)
}

// Modified is Dirty without untracked files: the tracked files with
// uncommitted (modified, deleted or staged) changes, which is the work in
// progress a caller may want to protect before it starts merging.
func (r *Repo) Modified(ignore ...string) ([]string, error) {
	return r.changes(context.Background(), ignore, "--untracked-files=no")
}

func (r *Repo) dirty(ctx context.Context, ignore []string) ([]string, error) {
	return r.changes(ctx, ignore, "--untracked-files=all")
}

func (r *Repo) changes(ctx context.Context, ignore []string, untracked string) ([]string, error) {
	skip := []string{worktreesDir}
	for _, p := range ignore {
		rel, err := r.relPath(p)
		if errors.Is(err, errOutside) {
			continue // nothing outside the repository shows up anyway
		}
		if err != nil {
			return nil, fmt.Errorf("dirty: ignore entry: %w", err)
		}
		if rel == "." {
			return nil, nil
		}
		skip = append(skip, rel)
	}
	paths, err := statusPaths(ctx, r.root, untracked)
	if err != nil {
		return nil, err
	}
	out := paths[:0]
	for _, p := range paths {
		if !underAny(p, skip) {
			out = append(out, p)
		}
	}
	return out, nil
}

// statusPaths returns the changed paths git status reports in dir.
func statusPaths(ctx context.Context, dir, untracked string) ([]string, error) {
	out, err := gitRead(ctx, dir, "status", "--porcelain=v1", "-z", untracked, "--ignore-submodules=none", "--no-renames")
	if err != nil {
		return nil, fmt.Errorf("list uncommitted changes in %s: %w", dir, err)
	}
	paths, err := parseStatus(out)
	if err != nil {
		return nil, fmt.Errorf("list uncommitted changes in %s: git status: %w", dir, err)
	}
	return paths, nil
}

// parseStatus reads `git status --porcelain=v1 -z`: records "XY path", where
// a rename or copy (X or Y is R or C) is followed by a record holding the
// original path. It returns every path, sorted and without duplicates.
func parseStatus(out []byte) ([]string, error) {
	recs := splitNUL(out)
	var paths []string
	for i := 0; i < len(recs); i++ {
		rec := recs[i]
		if len(rec) < 4 || rec[2] != ' ' {
			return nil, fmt.Errorf("malformed status record %q", rec)
		}
		x, y := rec[0], rec[1]
		if !statusCode(x) || !statusCode(y) {
			return nil, fmt.Errorf("unknown status %q in record %q", rec[:2], rec)
		}
		paths = append(paths, rec[3:])
		if x == 'R' || x == 'C' || y == 'R' || y == 'C' {
			i++
			if i >= len(recs) || recs[i] == "" {
				return nil, fmt.Errorf("rename record %q lacks its original path", rec)
			}
			paths = append(paths, recs[i])
		}
	}
	slices.Sort(paths)
	return slices.Compact(paths), nil
}

func statusCode(c byte) bool {
	return strings.IndexByte(" MTADRCU?!", c) >= 0
}
