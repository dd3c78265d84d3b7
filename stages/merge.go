package stages

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/looper-go/looper/internal/worktree"
	"github.com/looper-go/looper/pipeline"
	"github.com/looper-go/looper/sinks"
	"github.com/looper-go/looper/todo"
)

// mergeBatch bounds how many queued decisions one save coalesces.
const mergeBatch = 64

// dirtyPoll is how often a merge blocked by uncommitted changes in the main
// tree looks again.
const dirtyPoll = 2 * time.Second

// Merge is the merge stage, the only writer of the backlog. It takes every
// decision already queued (group commit), lands each winner's branch on the
// integration branch one at a time (worktree mode), records all of them in
// the backlog with one atomic save, cleans up worktrees, and emits the
// outcomes. A task is done only when its merge has landed: a conflict runs
// the task once more on the new tip, and a second conflict blocks it with
// the conflicting paths.
func Merge(d *Deps) pipeline.Stage[Decision, Outcome] {
	return pipeline.Func("merge", func(ctx context.Context, in <-chan Decision, out chan<- Outcome) error {
		for dec := range in {
			batch := []Decision{dec}
		drain:
			for len(batch) < mergeBatch {
				select {
				case more, ok := <-in:
					if !ok {
						break drain
					}
					batch = append(batch, more)
				default:
					break drain
				}
			}
			outcomes := make([]Outcome, len(batch))
			for i, dec := range batch {
				o, err := land(ctx, d, dec)
				if err != nil {
					return err
				}
				outcomes[i] = o
			}
			if err := record(d, outcomes); err != nil {
				return err
			}
			for _, o := range outcomes {
				cleanUp(ctx, d, &o)
				report(d, o)
				// A plain send: this outcome is recorded in the backlog, so it
				// must be counted even when the run is being cancelled. The
				// runner always drains the last stage's channel.
				out <- o
			}
		}
		return nil
	})
}

// land decides what a decision becomes, merging the winner's branch when the
// task is done in a worktree.
func land(ctx context.Context, d *Deps, dec Decision) (Outcome, error) {
	o := Outcome{Decision: dec}
	j := dec.Job
	switch dec.Status {
	case todo.SummaryDone:
		o.Status = todo.StatusDone
		w := dec.WinningAttempt()
		if d.Repo == nil || w == nil || w.Worktree == nil {
			return o, nil
		}
		n, err := d.Repo.Commits(w.Worktree)
		if err != nil {
			return o, fmt.Errorf("task %s: %w", j.Task.ID, err)
		}
		if n == 0 {
			return o, nil // done with no change to land ("no code change needed")
		}
		res, err := mergeWhenClean(ctx, d, j, w.Worktree.Branch, fmt.Sprintf("looper: merge %s: %s", j.Task.ID, j.Task.Title))
		if err != nil {
			return o, err
		}
		if len(res.Conflicts) == 0 {
			o.Merged = true
			return o, nil
		}
		if j.Attempt < 2 {
			o.Retry = true
			o.Status = todo.StatusDoing
			e := d.event(j, "merge", sinks.KindWarning)
			e.Level = slog.LevelWarn
			e.Files = res.Conflicts
			e.Message = fmt.Sprintf("merge conflict in %s; running the task again on the new tip", strings.Join(res.Conflicts, ", "))
			d.emit(e)
			return o, nil
		}
		o.Status = todo.StatusBlocked
		o.Failed = true
		o.Decision.Status = todo.SummaryBlocked
		o.Decision.Blockers = append([]string{fmt.Sprintf("merge conflict on attempt %d in: %s", j.Attempt, strings.Join(res.Conflicts, ", "))}, dec.Blockers...)
		return o, nil
	case todo.SummaryBlocked:
		o.Status = todo.StatusBlocked
		o.Failed = dec.Winner < 0
		if limited, until := rateLimited(d, dec); limited {
			if j.RateLimits < d.RateLimitRetries {
				o.Retry = true
				o.RetryAfter = until
				o.Status = todo.StatusDoing
				e := d.event(j, "merge", sinks.KindWarning)
				e.Level = slog.LevelWarn
				e.Message = fmt.Sprintf("rate-limited; re-queued for %s (not counted as a failure)", until.UTC().Format(time.RFC3339))
				d.emit(e)
				return o, nil
			}
			o.Decision.Blockers = append(o.Decision.Blockers, fmt.Sprintf("rate-limited %d times; giving up for this run", j.RateLimits+1))
		}
		return o, nil
	default: // skipped: the agent did nothing; put the task back as it was
		o.Status = j.PrevStatus
		return o, nil
	}
}

// rateLimited reports whether every attempt of a decision failed on a rate
// limit or an overloaded provider, and when the agents may be used again.
func rateLimited(d *Deps, dec Decision) (bool, time.Time) {
	if len(dec.Attempts) == 0 {
		return false, time.Time{}
	}
	var until time.Time
	for _, a := range dec.Attempts {
		if !a.Result.Class.Limited() {
			return false, time.Time{}
		}
		if t := d.agentPausedUntil(a.Agent); t.After(until) {
			until = t
		}
	}
	return true, until
}

// mergeWhenClean merges a branch, waiting (and saying why) while the user's
// uncommitted changes in the main tree are in the way.
func mergeWhenClean(ctx context.Context, d *Deps, j Job, branch, message string) (worktree.MergeResult, error) {
	warned := false
	for {
		res, err := d.Repo.Merge(ctx, branch, message)
		var dirty *worktree.DirtyError
		if !errors.As(err, &dirty) {
			return res, err
		}
		if !warned {
			e := d.event(j, "merge", sinks.KindWarning)
			e.Level = slog.LevelWarn
			e.Files = dirty.Paths
			e.Message = fmt.Sprintf("merge waits: uncommitted changes in the main tree touch %s; commit or stash them and the merge goes on", strings.Join(dirty.Paths, ", "))
			d.emit(e)
			warned = true
		}
		t := time.NewTimer(dirtyPoll)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return res, context.Cause(ctx)
		}
	}
}

// record writes a batch of outcomes to the backlog in one save.
func record(d *Deps, outcomes []Outcome) error {
	var final []string
	for _, o := range outcomes {
		if !o.Retry {
			final = append(final, o.Decision.Job.Task.ID)
		}
	}
	now := d.now()
	var warnings []string
	err := d.Store.Apply(final, func(b *todo.Backlog) error {
		for _, o := range outcomes {
			if o.Retry {
				continue
			}
			id := o.Decision.Job.Task.ID
			if b.Task(id) == nil {
				warnings = append(warnings, fmt.Sprintf("task %s was removed from the backlog during the run; its outcome (%s) is not recorded", id, o.Status))
				continue
			}
			if err := apply(d, b, o, now); err != nil {
				return err
			}
		}
		return nil
	})
	for _, w := range warnings {
		d.info("merge", slog.LevelWarn, sinks.KindWarning, w)
	}
	return err
}

// apply records one outcome on the backlog.
func apply(d *Deps, b *todo.Backlog, o Outcome, now time.Time) error {
	id := o.Decision.Job.Task.ID
	dec := o.Decision
	switch o.Status {
	case todo.StatusDone, todo.StatusBlocked:
		if !d.ApplySummary {
			if err := b.SetStatus(id, o.Status, now); err != nil {
				return err
			}
			if o.Status == todo.StatusBlocked {
				return b.AddBlockers(id, dec.Blockers, now)
			}
			return nil
		}
		s := todo.Summary{TaskID: id, Status: string(o.Status), Summary: dec.Summary, Files: dec.Files}
		if o.Status == todo.StatusBlocked {
			s.Status = todo.SummaryBlocked
			s.Blockers = dec.Blockers
		}
		return b.ApplySummary(s, now)
	default:
		return b.SetStatus(id, o.Status, now)
	}
}

// cleanUp removes the worktrees that hold nothing worth keeping: the merged
// winner (branch too), attempts with no commits (branch too), and the
// worktrees of losing attempts (their branches stay, since unmerged work is
// never deleted). Failed and blocked attempts keep worktree and branch for
// inspection.
func cleanUp(ctx context.Context, d *Deps, o *Outcome) {
	if d.Repo == nil {
		return
	}
	dec := o.Decision
	for i, a := range dec.Attempts {
		if a.Worktree == nil {
			continue
		}
		winner := i == dec.Winner
		var removeBranch, removeTree bool
		commits, err := d.Repo.Commits(a.Worktree)
		switch {
		case err != nil:
		case winner && o.Merged:
			removeTree, removeBranch = true, true
		case commits == 0:
			removeTree, removeBranch = true, true
		case o.Retry:
			removeTree = true // conflicted work stays on its branch
		case a.Vote() == todo.SummaryDone && !winner && o.Status == todo.StatusDone:
			removeTree = true // a valid loser: branch kept, tree removed
		}
		if !removeTree {
			o.Kept = append(o.Kept, a.Worktree.Path)
			continue
		}
		if err := d.Repo.Remove(a.Worktree, removeBranch); err != nil {
			warnAttempt(d, dec.Job, a, fmt.Sprintf("could not remove worktree %s: %v", a.Worktree.Path, err))
		}
	}
}

// report emits the outcome's status change and outcome events.
func report(d *Deps, o Outcome) {
	j := o.Decision.Job
	if o.Retry {
		return
	}
	st := d.event(j, "merge", sinks.KindStatus)
	st.PrevStatus = string(todo.StatusDoing)
	st.Status = string(o.Status)
	st.Message = fmt.Sprintf("%s -> %s", todo.StatusDoing, o.Status)
	d.emit(st)

	e := d.event(j, "merge", sinks.KindOutcome)
	e.Status = string(o.Status)
	if o.Failed {
		e.Status = OutcomeFailed
		e.Level = slog.LevelError
	} else if o.Status == todo.StatusBlocked {
		e.Level = slog.LevelWarn
	}
	e.Votes = o.Decision.Votes
	if w := o.Decision.WinningAttempt(); w != nil {
		e.Winner = w.AgentID
		e.Class = string(w.Result.Class)
	}
	e.Files = o.Decision.Files
	e.Blockers = o.Decision.Blockers
	if !j.Started.IsZero() {
		e.Duration = d.now().Sub(j.Started)
	}
	var notes []string
	if len(o.Decision.Attempts) > 1 {
		notes = append(notes, o.Decision.Votes)
	}
	if o.Merged {
		notes = append(notes, "merged")
	}
	for _, k := range o.Kept {
		notes = append(notes, "kept "+k)
	}
	e.Message = strings.Join(notes, ", ")
	d.emit(e)
}

// OutcomeFailed is the Status of an outcome event for a task that ended
// because something failed (an agent error, a merge conflict), as opposed to
// an agent that reported the task blocked. The task itself is blocked in the
// backlog.
const OutcomeFailed = "failed"
