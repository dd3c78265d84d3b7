package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/looper-go/looper/config"
	"github.com/looper-go/looper/internal/worktree"
	"github.com/looper-go/looper/sinks"
	"github.com/looper-go/looper/todo"
)

// cleanCmd deletes old run logs of the current project and, with
// --worktrees, the attempt worktrees and branches earlier runs left.
type cleanCmd struct {
	Keep      *int   `placeholder:"N" help:"Keep the N newest runs, delete the others."`
	Age       ageArg `placeholder:"AGE" help:"Delete runs older than AGE: 7d, 1.5d, 36h, 90m."`
	DryRun    bool   `help:"Print what would be deleted, delete nothing."`
	Yes       bool   `help:"Delete every run when neither --keep nor --age is given."`
	Worktrees bool   `help:"Remove leftover attempt worktrees and branches that are merged or empty."`
	Force     bool   `help:"With --worktrees, also remove unmerged commits, uncommitted changes, locked worktrees and stray directories."`
	OlderThan ageArg `placeholder:"AGE" help:"With --worktrees, only those last changed more than AGE ago: 7d, 1.5d, 36h."`
}

func (cleanCmd) Help() string {
	return `A run is its <run-id>.jsonl log and its <run-id>-<label>.last.json files. With both
--keep and --age, a run goes if either says so. With neither, every run goes, and
looper refuses unless --yes is given (no prompt: safe unattended). A run a looper
process is still writing is never deleted.

--worktrees cleans the git repository: the worktrees under
.looper/worktrees/<run>/<task>-<attempt> and the branches looper/<run>/<task>/<attempt>
that interrupted or failed runs left. Those whose commits are all in the checked-out
branch (merged) or that have none (empty) are removed; unmerged commits, uncommitted
changes, locked worktrees and directories git does not know are kept, each with the
reason, unless --force is given. It refuses while a looper run holds the backlog lock.
With --older-than AGE only leftovers untouched for AGE are considered (a worktree's age is
that of its newest directory, index or reflog change; a branch's that of its newest reflog
entry); the others are left alone and counted.
With only --worktrees the run logs are left alone; add --keep, --age or --yes to clean
both.`
}

func (c *cleanCmd) Run(ctx context.Context, cfg *config.Config, stdout io.Writer) error {
	if c.Keep != nil && *c.Keep < 0 {
		return &exitError{code: exitUsage, err: fmt.Errorf("--keep must be 0 or more, not %d", *c.Keep)}
	}
	if c.OlderThan != 0 && !c.Worktrees {
		return &exitError{code: exitUsage, err: errors.New("--older-than applies to --worktrees only; for run logs use --age")}
	}
	if c.Force && !c.Worktrees {
		return &exitError{code: exitUsage, err: errors.New("--force applies to --worktrees only; run logs a looper process is writing are never deleted")}
	}
	logs := c.Keep != nil || c.Age != 0 || c.Yes
	if c.Worktrees {
		if err := c.cleanWorktrees(ctx, cfg, stdout); err != nil {
			return err
		}
		if !logs {
			return nil
		}
	}
	dir, err := projectLogDir(ctx, cfg)
	if err != nil {
		return err
	}
	all := c.Keep == nil && c.Age == 0
	if all && !c.Yes && !c.DryRun {
		return &exitError{code: exitUsage, err: fmt.Errorf(
			"refusing to delete every run log in %s: give --keep N or --age AGE to keep some, --yes to delete all, or --dry-run to see them", dir)}
	}
	runs, err := sinks.ListRuns(dir)
	if err != nil {
		return fmt.Errorf("cannot list run logs: %w", err)
	}
	cutoff := time.Now().Add(-time.Duration(c.Age))
	verb := "removed"
	if c.DryRun {
		verb = "would remove"
	}
	var removed, files int
	var bytes int64
	var errs []error
	for i, r := range runs {
		doomed := all || (c.Keep != nil && i >= *c.Keep) || (c.Age != 0 && r.ModTime.Before(cutoff))
		if !doomed {
			continue
		}
		if r.Live {
			fmt.Fprintf(stdout, "skipped %s: a looper process is still writing it\n", r.ID)
			continue
		}
		if !c.DryRun {
			var failed bool
			for _, f := range r.Files {
				if err := os.Remove(f); err != nil && !errors.Is(err, os.ErrNotExist) {
					errs = append(errs, err)
					failed = true
				}
			}
			if failed {
				continue
			}
		}
		fmt.Fprintf(stdout, "%s %s (%s, %s)\n", verb, r.ID, plural(len(r.Files), "file"), humanBytes(r.Size))
		removed++
		files += len(r.Files)
		bytes += r.Size
	}
	if removed == 0 {
		fmt.Fprintf(stdout, "nothing to remove in %s (%s)\n", dir, plural(len(runs), "run"))
	} else {
		fmt.Fprintf(stdout, "%s %s (%s, %s), kept %d\n", verb, plural(removed, "run"), plural(files, "file"), humanBytes(bytes), len(runs)-removed)
	}
	if len(errs) > 0 {
		return fmt.Errorf("some run files could not be removed: %w", errors.Join(errs...))
	}
	return nil
}

// cleanWorktrees removes the attempt worktrees and branches earlier runs
// left, holding the backlog lock so that no run is creating attempts
// meanwhile (a fresh attempt looks empty), and prints each one removed and
// each one kept with the reason.
func (c *cleanCmd) cleanWorktrees(ctx context.Context, cfg *config.Config, stdout io.Writer) error {
	cwd, err := workDir()
	if err != nil {
		return err
	}
	repo, err := worktree.Open(cwd)
	if errors.Is(err, worktree.ErrNotRepo) {
		return fmt.Errorf("--worktrees: %s is not in a git repository, so it has no looper worktrees; run looper clean --worktrees inside the repository", cwd)
	}
	if err != nil {
		return err
	}
	backlog := shortPath(cwd, cfg.TodoPath(cwd))
	lock, err := todo.AcquireLock(backlog)
	var locked *todo.LockedError
	switch {
	case errors.As(err, &locked):
		return fmt.Errorf("refusing to clean worktrees while a looper run uses them (its fresh attempts look empty): %w", err)
	case err == nil:
		defer lock.Release()
	default:
		// With no directory for the backlog there is no lock file: no run
		// can be using this backlog.
		if _, serr := os.Stat(filepath.Dir(backlog)); !errors.Is(serr, fs.ErrNotExist) {
			return err
		}
	}

	into := "HEAD"
	if b, err := repo.Branch(); err == nil {
		into = b
	}
	var removed, kept, fresh []worktree.Leftover
	cutoff := time.Now().Add(-time.Duration(c.OlderThan))
	switch {
	case c.DryRun:
		left, lerr := repo.Leftovers()
		if lerr == nil && c.OlderThan != 0 {
			left, fresh, lerr = repo.Stale(ctx, left, cutoff)
		}
		for _, l := range left {
			if c.Force || l.Removable() {
				removed = append(removed, l)
			} else {
				kept = append(kept, l)
			}
		}
		err = lerr
	case c.OlderThan != 0:
		removed, kept, fresh, err = repo.CleanOlder(ctx, c.Force, cutoff)
	default:
		removed, kept, err = repo.Clean(ctx, c.Force)
	}
	verb, keepVerb := "removed", "kept"
	if c.DryRun {
		verb, keepVerb = "would remove", "would keep"
	}
	for _, l := range removed {
		fmt.Fprintf(stdout, "%s %s\n", verb, l)
	}
	for _, l := range kept {
		fmt.Fprintf(stdout, "%s %s: %s\n", keepVerb, l, keptReason(l, into, c.DryRun))
	}
	recent := ""
	if len(fresh) > 0 {
		recent = fmt.Sprintf(", left %d changed in the last %s alone", len(fresh), ageText(time.Duration(c.OlderThan)))
	}
	switch {
	case err != nil:
		return fmt.Errorf("clean worktrees: %w", err)
	case len(removed)+len(kept)+len(fresh) == 0:
		fmt.Fprintf(stdout, "no looper worktrees or branches in %s\n", repo.Root())
	default:
		fmt.Fprintf(stdout, "worktrees: %s %d, %s %d%s\n", verb, len(removed), keepVerb, len(kept), recent)
	}
	return nil
}

// keptReason says why Clean kept a leftover and what to do about it.
func keptReason(l worktree.Leftover, into string, dryRun bool) string {
	var why []string
	switch l.State {
	case worktree.StateUnmerged:
		s := plural(l.Ahead, "commit") + " not merged into " + into
		if l.Branch != "" {
			s += " (git merge " + l.Branch + " keeps them)"
		}
		why = append(why, s)
	case worktree.StateStray:
		why = append(why, "a directory git does not know as a worktree (look inside)")
	}
	if n := len(l.Changes); n > 0 {
		why = append(why, plural(n, "uncommitted change")+" in "+l.Path)
	}
	if l.Locked {
		why = append(why, "locked (git worktree unlock "+l.Path+")")
	}
	s := strings.Join(why, "; ") + "; --force removes it"
	if dryRun && l.Missing {
		s += " (git's record of the missing directory would be dropped)"
	}
	return s
}

// ageText writes an age as it is usually given: "7d", "1.5d", "36h".
func ageText(d time.Duration) string {
	if d >= 24*time.Hour {
		return strconv.FormatFloat(d.Hours()/24, 'f', -1, 64) + "d"
	}
	return d.String()
}

// ageArg is the --age value, parsed by parseAge.
type ageArg time.Duration

func (a *ageArg) UnmarshalText(text []byte) error {
	d, err := parseAge(string(text))
	if err != nil {
		return err
	}
	*a = ageArg(d)
	return nil
}

// parseAge reads an age as upstream looper did: a Go duration ("36h",
// "90m") or a number of days with a "d" suffix, fractions allowed
// ("1.5d"). It must be positive.
func parseAge(s string) (time.Duration, error) {
	bad := fmt.Errorf("invalid age %q: use a positive duration like 7d, 1.5d, 36h or 90m", s)
	s = strings.TrimSpace(s)
	var d time.Duration
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.ParseFloat(days, 64)
		if err != nil || !(n > 0) || n*24*float64(time.Hour) >= math.MaxInt64 {
			return 0, bad
		}
		d = time.Duration(n * 24 * float64(time.Hour))
	} else {
		var err error
		if d, err = time.ParseDuration(s); err != nil {
			return 0, bad
		}
	}
	if d <= 0 {
		return 0, bad
	}
	return d, nil
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

// humanBytes writes a size in B, KiB, MiB or GiB.
func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return strconv.FormatInt(n, 10) + " B"
	}
	v, suffix := float64(n)/unit, "KiB"
	for _, s := range []string{"MiB", "GiB", "TiB"} {
		if v < unit {
			break
		}
		v, suffix = v/unit, s
	}
	return strconv.FormatFloat(v, 'f', 1, 64) + " " + suffix
}
