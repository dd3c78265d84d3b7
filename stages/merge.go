package stages

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/looper-go/looper/internal/worktree"
	"github.com/looper-go/looper/pipeline"
	"github.com/looper-go/looper/sinks"
	"github.com/looper-go/looper/todo"
)

// mergeBatch bounds how many queued decisions one save coalesces.
const mergeBatch = 64

// Merge is the merge stage, the only writer of the backlog. It takes every
// decision already queued (group commit), lands each winner's branch on the
// integration branch one at a time (worktree mode), records all of them in
// the backlog with one atomic save, cleans up worktrees, and emits the
// outcomes. A task is done only when its merge has landed: a conflict runs
// the task once more on the new tip, and a second conflict blocks it with
// the conflicting paths. A merge that must wait for the user's uncommitted
// changes parks only its own task (see parking); the others keep landing.
//
// Decided outcomes are landed even when the run is being stopped: a merge
// is short, and once the agents are done their work is not thrown away.
func Merge(settings Settings, services Services) pipeline.Stage[Decision, Outcome] {
	d := newEnv(settings, services)
	return checked(d, pipeline.Func("merge", func(ctx context.Context, in <-chan Decision, out chan<- Outcome) error {
		// Landing and recording outlive a cancelled run (see above).
		bg := context.WithoutCancel(ctx)
		var releasing sync.WaitGroup // worktree removals after outcomes (see finish)
		defer releasing.Wait()       // the stage ends when its worktrees are released
		p := &parking{d: d, releasing: &releasing}
		for {
			var batch []Decision
			select {
			case dec, ok := <-in:
				if !ok {
					return p.shutdown(bg, out)
				}
				batch = append(batch, dec)
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
			case <-p.poll():
			}
			var outcomes, merges []Outcome
			for _, dec := range batch {
				o, merge, err := land(bg, d, dec)
				if err != nil {
					return err
				}
				if merge {
					merges = append(merges, o)
					continue
				}
				outcomes = append(outcomes, o)
			}
			merged, err := mergeWinners(bg, d, merges, p)
			if err != nil {
				return err
			}
			outcomes = append(outcomes, merged...)
			landed, err := p.retry(bg)
			if err != nil {
				return err
			}
			if err := finish(bg, d, &releasing, append(outcomes, landed...), out); err != nil {
				return err
			}
		}
	}))
}

// finish records a batch of outcomes in one save, decides which worktrees
// go, sends the outcomes on (the sink reports them and frees their slots),
// and only then removes the worktrees, in the background (releasing):
// cleanup is on the way neither to the next task nor to the next merge.
// The merge stage waits for the removals before it ends.
func finish(ctx context.Context, d *env, releasing *sync.WaitGroup, outcomes []Outcome, out chan<- Outcome) error {
	if len(outcomes) == 0 {
		return nil
	}
	if err := record(d, outcomes); err != nil {
		return err
	}
	var removals []removal
	for _, o := range outcomes {
		for _, r := range cleanUp(d, &o) {
			// Announced before the outcome frees its slot: the next
			// attempt waits for this worktree rather than check out anew.
			r.done = d.Repo.Releasing()
			removals = append(removals, r)
		}
		// A plain send: this outcome is recorded in the backlog, so it
		// must be counted even when the run is being cancelled. The
		// runner always drains the last stage's channel.
		out <- o
	}
	if len(removals) > 0 {
		releasing.Go(func() {
			for _, r := range removals {
				if err := d.Repo.Remove(r.attempt.Worktree, r.branch); err != nil {
					warnAttempt(d, r.job, r.attempt, fmt.Sprintf("could not remove worktree %s: %v", r.attempt.Worktree.Path, err))
				}
				r.done()
			}
		})
	}
	return nil
}

// removal is a worktree cleanUp decided to remove, with its branch or not.
type removal struct {
	job     Job
	attempt Attempt
	branch  bool
	done    func() // ends the announcement (worktree.Repo.Releasing)
}

// land decides what a decision becomes; merge is set when the task is done
// in a worktree with commits to land, which mergeWinners then merges.
func land(ctx context.Context, d *env, dec Decision) (o Outcome, merge bool, err error) {
	o = Outcome{Decision: dec}
	j := dec.Job
	switch dec.Status {
	case todo.SummaryDone:
		o.Status = todo.StatusDone
		w := dec.WinningAttempt()
		if d.Repo == nil || w == nil || w.Worktree == nil {
			return o, false, nil
		}
		work, err := d.Repo.MayHoldWork(w.Worktree)
		if err != nil {
			return o, false, fmt.Errorf("task %s: %w", j.Task.ID, err)
		}
		// Done with no change has nothing to land ("no code change needed").
		return o, work, nil
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
				d.emit(j.run, e)
				return o, false, nil
			}
			o.Decision.Blockers = append(o.Decision.Blockers, fmt.Sprintf("rate-limited %d times; giving up for this run", j.RateLimits+1))
		}
		return o, false, nil
	default: // skipped: the agent did nothing; put the task back as it was
		o.Status = j.PrevStatus
		return o, false, nil
	}
}

// mergeWinner merges a done decision's winning branch: merged, re-run once
// on a conflict, blocked on a second one, or returned with the user's
// changes that are in the way.
func mergeWinner(ctx context.Context, d *env, o Outcome) (Outcome, *worktree.DirtyError, error) {
	j := o.Decision.Job
	wt := o.Decision.WinningAttempt().Worktree
	res, err := j.run.watch().merge(ctx, d, wt.Branch, func(seen worktree.CheckoutState) (worktree.MergeResult, error) {
		return d.Repo.MergeAfter(ctx, seen, landing(o))
	})
	return settle(d, o, res, err)
}

// landing is what lands a done outcome: its winner's branch, with the
// base the integrity check found it descending from and the diff measured
// from it (none when the check did not run).
func landing(o Outcome) worktree.Landing {
	w := o.Decision.WinningAttempt()
	l := worktree.Landing{Branch: w.Worktree.Branch, Message: mergeMessage(o.Decision.Job)}
	if w.Sound {
		l.Base, l.Diff = w.Worktree.Base, w.Diff
	}
	return l
}

// mergeMessage is the message of the merge commit that lands a job.
func mergeMessage(j Job) string {
	return fmt.Sprintf("looper: merge %s: %s", j.Task.ID, j.Task.Title)
}

// settle turns a merge's result into the outcome: merged, re-run once on a
// conflict, blocked on a second one, or returned with the user's changes
// that are in the way.
func settle(d *env, o Outcome, res worktree.MergeResult, err error) (Outcome, *worktree.DirtyError, error) {
	j := o.Decision.Job
	if dirty, ok := errors.AsType[*worktree.DirtyError](err); ok {
		return o, dirty, nil
	}
	if err != nil {
		return o, nil, err
	}
	if len(res.Conflicts) == 0 {
		// Up to date: the integration branch had it all, nothing landed
		// (cleanUp then counts the branch's commits, none, as for a task
		// done with no change).
		o.Merged = !res.UpToDate
		return o, nil, nil
	}
	if j.Attempt < 2 {
		o.Retry = true
		o.Status = todo.StatusDoing
		e := d.event(j, "merge", sinks.KindWarning)
		e.Level = slog.LevelWarn
		e.Files = res.Conflicts
		e.Message = fmt.Sprintf("merge conflict in %s; running the task again on the new tip", strings.Join(res.Conflicts, ", "))
		d.emit(j.run, e)
		return o, nil, nil
	}
	o.Status = todo.StatusBlocked
	o.Failed = true
	o.Decision.Status = todo.SummaryBlocked
	o.Decision.Blockers = append([]string{fmt.Sprintf("merge conflict on attempt %d in: %s", j.Attempt, strings.Join(res.Conflicts, ", "))}, o.Decision.Blockers...)
	return o, nil, nil
}

// rateLimited reports whether every attempt of a decision failed on a rate
// limit or an overloaded provider, and when the agents may be used again.
func rateLimited(d *env, dec Decision) (bool, time.Time) {
	if len(dec.Attempts) == 0 {
		return false, time.Time{}
	}
	var until time.Time
	for _, a := range dec.Attempts {
		if !a.Result.Class.Limited() {
			return false, time.Time{}
		}
		if t := dec.Job.run.agentPausedUntil(a.Agent); t.After(until) {
			until = t
		}
	}
	return true, until
}

// record writes a batch of outcomes to the backlog in one save.
func record(d *env, outcomes []Outcome) error {
	var final []string
	for _, o := range outcomes {
		if !o.Retry {
			final = append(final, o.Decision.Job.Task.ID)
		}
	}
	now := d.now()
	type warning struct {
		run *runState
		msg string
	}
	var warnings []warning
	err := d.Store.Apply(final, func(b *todo.Backlog) error {
		for _, o := range outcomes {
			if o.Retry {
				continue
			}
			id := o.Decision.Job.Task.ID
			if b.Task(id) == nil {
				warnings = append(warnings, warning{o.Decision.Job.run, fmt.Sprintf("task %s was removed from the backlog during the run; its outcome (%s) is not recorded", id, o.Status)})
				continue
			}
			if err := apply(d, b, o, now); err != nil {
				return err
			}
		}
		return nil
	})
	for _, w := range warnings {
		d.info(w.run, "merge", slog.LevelWarn, sinks.KindWarning, w.msg)
	}
	return err
}

// apply records one outcome on the backlog.
func apply(d *env, b *todo.Backlog, o Outcome, now time.Time) error {
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
		if err := b.SetStatus(id, o.Status, now); err != nil {
			return err
		}
		if o.Note != "" {
			return b.AddNote(id, o.Note, now)
		}
		return nil
	}
}

// cleanUp lists the worktrees to remove, those that hold nothing worth keeping: the merged
// winner (branch too), attempts with no commits (branch too), and the
// worktrees of losing attempts (their branches stay, since unmerged work is
// never deleted). Failed and blocked attempts, and attempts that failed the
// integrity check even with no commits, keep worktree and branch for
// inspection.
func cleanUp(d *env, o *Outcome) []removal {
	if d.Repo == nil {
		return nil
	}
	var out []removal
	dec := o.Decision
	for i, a := range dec.Attempts {
		if a.Worktree == nil {
			continue
		}
		winner := i == dec.Winner
		var removeBranch, removeTree bool
		commits, err := 0, error(nil)
		if !winner || !o.Merged { // a merged winner goes whatever its count
			commits, err = d.Repo.Commits(a.Worktree)
		}
		switch {
		case winner && o.Merged:
			removeTree, removeBranch = true, true
		case err != nil:
		case a.Result.Class == ClassIntegrity:
			// kept as the agent left it, for inspection
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
		out = append(out, removal{job: dec.Job, attempt: a, branch: removeBranch})
	}
	return out
}
