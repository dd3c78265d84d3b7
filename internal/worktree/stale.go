package worktree

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// LastActive returns when a leftover last changed, so that `looper clean
// --worktrees --older-than` can tell stale attempts from recent ones: for
// a worktree, the newest modification time of its directory and of its
// index, HEAD and reflog in git's administrative directory (every commit
// and every staging touches them); for a branch without a directory, the
// newest entry of its reflog, else its tip's commit time; for a stray
// directory, its modification time.
func (r *Repo) LastActive(ctx context.Context, l Leftover) (time.Time, error) {
	var newest time.Time
	see := func(path string) {
		if fi, err := os.Stat(path); err == nil && fi.ModTime().After(newest) {
			newest = fi.ModTime()
		}
	}
	if l.Path != "" && !l.Missing {
		see(l.Path)
		if admin := adminDir(l.Path); admin != "" {
			for _, f := range []string{"index", "HEAD", filepath.Join("logs", "HEAD")} {
				see(filepath.Join(admin, f))
			}
		}
		if !newest.IsZero() {
			return newest, nil
		}
	}
	if l.Branch == "" {
		return newest, nil
	}
	ref := "refs/heads/" + l.Branch
	out, err := gitRead(ctx, r.root, "log", "--walk-reflogs", "-1", "--date=unix", "--format=%gd", ref, "--")
	if err == nil {
		// "refs/heads/looper/r/T/1@{1733380000}"
		s := strings.TrimSpace(string(out))
		if i := strings.LastIndex(s, "@{"); i >= 0 && strings.HasSuffix(s, "}") {
			if sec, err := strconv.ParseInt(s[i+2:len(s)-1], 10, 64); err == nil {
				return time.Unix(sec, 0), nil
			}
		}
	}
	out, err = gitRead(ctx, r.root, "log", "-1", "--format=%ct", ref, "--")
	if err != nil {
		return time.Time{}, fmt.Errorf("when did %s last change: %w", l.Branch, err)
	}
	sec, err := strconv.ParseInt(strings.TrimSpace(string(out)), 10, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("when did %s last change: git log printed %q", l.Branch, out)
	}
	return time.Unix(sec, 0), nil
}

// adminDir returns the git administrative directory of the worktree at
// path, from its .git file ("" when it has none).
func adminDir(path string) string {
	data, err := os.ReadFile(filepath.Join(path, ".git"))
	if err != nil {
		return ""
	}
	dir, ok := strings.CutPrefix(strings.TrimSpace(string(data)), "gitdir: ")
	if !ok {
		return ""
	}
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(path, dir)
	}
	return dir
}

// Stale splits leftovers into those last active before cutoff and those
// active since (see LastActive).
func (r *Repo) Stale(ctx context.Context, all []Leftover, cutoff time.Time) (stale, fresh []Leftover, err error) {
	for _, l := range all {
		when, err := r.LastActive(ctx, l)
		if err != nil {
			return nil, nil, err
		}
		if when.Before(cutoff) {
			stale = append(stale, l)
		} else {
			fresh = append(fresh, l)
		}
	}
	return stale, fresh, nil
}

// CleanOlder is Clean restricted to the leftovers last active before
// cutoff: those are removed when they hold no unmerged work (or with
// force) and returned as kept otherwise; the others are left alone and
// returned as fresh.
func (r *Repo) CleanOlder(ctx context.Context, force bool, cutoff time.Time) (removed, kept, fresh []Leftover, err error) {
	all, err := r.leftovers(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	stale, fresh, err := r.Stale(ctx, all, cutoff)
	if err != nil {
		return nil, nil, nil, err
	}
	removed, kept, err = r.cleanList(ctx, stale, force)
	return removed, kept, fresh, err
}
