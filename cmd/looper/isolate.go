package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"path/filepath"
	"slices"
	"strings"

	"github.com/looper-go/looper/config"
	"github.com/looper-go/looper/internal/worktree"
	"github.com/looper-go/looper/sinks"
	"github.com/looper-go/looper/todo"
)

// isolate decides where attempts work. Worktrees are used in parallel mode
// inside a git repository with at least one commit (isolation "auto" or
// "worktree"); otherwise attempts run in place, with a warning in parallel
// mode, or an error when isolation = "worktree" was asked for. A main tree
// whose tracked files have uncommitted changes refuses a worktree run:
// merges land there, and looper never touches the user's work in progress.
// Untracked files are fine; if the tree becomes dirty during the run, a
// merge that would touch those paths waits and says why (stages.Merge).
//
// Worktrees an earlier run left are listed. With resume, a task still todo
// or doing whose leftover holds work (commits, uncommitted changes)
// continues from it (worktree.ResumePoints, stages.Settings.Resume);
// without, every task starts from the current tip.
func (s *session) isolate(ctx context.Context, resume bool) (err error) {
	defer func() {
		if err == nil {
			err = s.placeAttempts()
		}
	}()
	cfg := s.cfg
	if !cfg.Parallel.Enabled || cfg.Parallel.Isolation == config.IsolationNone {
		return nil
	}
	explicit := cfg.Parallel.Isolation == config.IsolationWorktree
	refuse := func(why, fix string) error {
		if explicit {
			return fmt.Errorf("isolation = %q: %s; %s, or set isolation = \"none\" to let tasks share the tree", config.IsolationWorktree, why, fix)
		}
		s.emit(slog.LevelWarn, sinks.KindWarning, fmt.Sprintf("%s: parallel tasks share the working tree (%s for a worktree per attempt)", why, fix))
		return nil
	}
	repo, err := worktree.Open(s.cwd)
	if errors.Is(err, worktree.ErrNotRepo) {
		return refuse(s.cwd+" is not in a git repository", "run git init and commit")
	}
	if err != nil {
		return err
	}
	if _, err := repo.Head(); err != nil {
		return refuse("the repository has no commit yet", "commit something first")
	}
	branch, err := repo.Branch()
	if err != nil {
		return err
	}
	ignore := []string{".looper/"}
	if rel, err := filepath.Rel(repo.Root(), s.settings.TodoPath); err == nil && filepath.IsLocal(rel) {
		ignore = append(ignore, filepath.ToSlash(rel), filepath.ToSlash(rel)+".lock")
	}
	dirty, err := repo.Modified(ignore...)
	if err != nil {
		return err
	}
	if len(dirty) > 0 {
		shown := dirty
		if len(shown) > 10 {
			shown = append(shown[:10:10], fmt.Sprintf("and %d more", len(dirty)-10))
		}
		return fmt.Errorf("parallel mode merges finished tasks into %s in %s, which has uncommitted changes: %s; commit or stash them first (looper never touches your changes), or use --isolation none",
			branch, repo.Root(), strings.Join(shown, ", "))
	}
	if left, err := repo.Leftovers(); err == nil {
		// Idle worktrees kept for this run's pool are not leftovers.
		left = slices.DeleteFunc(left, func(l worktree.Leftover) bool { return l.Kept })
		if len(left) > 0 {
			s.reportLeftovers(left, resume)
		}
	}
	s.repo = repo
	s.services.Repo = repo
	s.settings.WorktreeSparse = cfg.Parallel.Sparse
	return nil
}

// reportLeftovers lists the worktrees of earlier runs and, with resume,
// hands the ones holding work of unfinished tasks to the run.
func (s *session) reportLeftovers(left []worktree.Leftover, resume bool) {
	var lines []string
	for _, l := range left {
		lines = append(lines, l.String())
	}
	var points map[string]worktree.Leftover
	if resume {
		if b, err := s.store.Snapshot(); err == nil {
			var ids []string
			for _, t := range b.Tasks {
				if t.Status == todo.StatusTodo || t.Status == todo.StatusDoing {
					ids = append(ids, t.ID)
				}
			}
			points = worktree.ResumePoints(left, ids)
		}
	}
	next := "their tasks run again from the current tip"
	switch {
	case len(points) > 0:
		ids := slices.Sorted(maps.Keys(points))
		next = fmt.Sprintf("%s continue from the work left there (looper run --fresh starts afresh)", strings.Join(ids, ", "))
		s.settings.Resume = points
	case !resume:
		next = "--fresh: every task starts from the current tip"
	}
	s.emit(slog.LevelWarn, sinks.KindWarning, fmt.Sprintf("%d worktree(s) from earlier runs are still here (looper clean --worktrees removes merged and empty ones; %s):\n%s",
		len(left), next, strings.Join(lines, "\n")))
}
