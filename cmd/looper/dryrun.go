package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"

	"github.com/looper-go/looper/internal/worktree"
	"github.com/looper-go/looper/pipeline"
	"github.com/looper-go/looper/sinks"
	"github.com/looper-go/looper/stages"
)

// isolateDryRun gives a pipe without the merge stage a worktree per
// attempt, whatever parallel.isolation says: a dry run must leave the
// user's branch, index and working tree as they were, and an agent working
// in place would commit on the user's branch. Nothing is merged, so
// uncommitted changes in the main tree are no reason to refuse; a project
// outside git (or without a commit to branch from) is.
func (s *session) isolateDryRun() error {
	repo, err := worktree.Open(s.cwd)
	if errors.Is(err, worktree.ErrNotRepo) {
		return fmt.Errorf("a pipe without the merge stage is a dry run, which keeps every attempt in its own git worktree, and %s is not in a git repository; run git init and commit first", s.cwd)
	}
	if err != nil {
		return err
	}
	if _, err := repo.Head(); err != nil {
		return fmt.Errorf("a pipe without the merge stage is a dry run, which branches every attempt's worktree from HEAD, and the repository in %s has no commit yet; commit something first", repo.Root())
	}
	s.repo = repo
	s.services.Repo = repo
	s.services.InPlace = nil
	// The parallel prompt tells the agent it works on its own branch and
	// must not edit the backlog, which a dry run must leave alone.
	s.settings.Parallel = true
	return nil
}

// dryRunBase names what a candidate branch is compared with in the closing
// note: the user's branch, else HEAD (detached).
func (s *session) dryRunBase() string {
	if b, err := s.repo.Branch(); err == nil && b != "" {
		return b
	}
	return "HEAD"
}

// dryRunReport is the stage a dry run ends with: it passes each decision
// (or ballot) on unchanged and says which branch holds each candidate, so
// the work can be looked at even though nothing was merged.
func dryRunReport(s *session, last string) (pipeline.Node, bool) {
	switch last {
	case "vote":
		return pipeline.Link(pipeline.Func("dry-run", func(ctx context.Context, in <-chan stages.Decision, out chan<- stages.Decision) error {
			for d := range in {
				s.reportCandidates(d.Job, d.Attempts, d.WinningAttempt())
				if err := pipeline.Send(ctx, out, d); err != nil {
					return err
				}
			}
			return nil
		}), 0), true
	case "execute", "agents":
		return pipeline.Link(pipeline.Func("dry-run", func(ctx context.Context, in <-chan stages.Ballot, out chan<- stages.Ballot) error {
			for b := range in {
				s.reportCandidates(b.Job, b.Attempts, nil)
				if err := pipeline.Send(ctx, out, b); err != nil {
					return err
				}
			}
			return nil
		}), 0), true
	}
	return nil, false
}

// reportCandidates emits one line per task: each attempt's branch, its
// vote and diff size, the winner marked.
func (s *session) reportCandidates(j stages.Job, attempts []stages.Attempt, winner *stages.Attempt) {
	var lines []string
	for i := range attempts {
		a := &attempts[i]
		if a.Worktree == nil {
			lines = append(lines, fmt.Sprintf("%s: no worktree (%s)", a.AgentID, a.Reason()))
			continue
		}
		mark := ""
		if winner != nil && winner.AgentID == a.AgentID {
			mark = ", the winner"
		}
		lines = append(lines, fmt.Sprintf("%s on branch %s (%s, +%d -%d lines%s)", a.AgentID, a.Worktree.Branch, a.Vote(), a.Diff.Added, a.Diff.Removed, mark))
	}
	j.Emit(sinks.Event{Level: slog.LevelInfo, Kind: sinks.KindInfo, Stage: "dry-run", TaskID: j.Task.ID,
		Iteration: j.Iteration, Attempt: j.Attempt,
		Message: "dry run, not merged: " + strings.Join(lines, "; ")})
}

// dryRunEnd is the closing note of a dry run: what was left where, and
// how to look at it or remove it.
func (s *session) dryRunEnd() {
	base := s.dryRunBase()
	s.emit(slog.LevelInfo, sinks.KindInfo, fmt.Sprintf("dry run: your branch, working tree and backlog are unchanged; each candidate is on the branch named above, checked out under %s. "+
		"Look at one with git log -p %s..BRANCH or git diff %s...BRANCH; remove them all with looper clean --worktrees --force",
		filepath.Join(s.repo.Root(), ".looper", "worktrees"), base, base))
}
