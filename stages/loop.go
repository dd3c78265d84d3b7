package stages

import (
	"context"
	"errors"
	"fmt"
	"github.com/looper-go/looper/internal/budget"
	"log/slog"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/looper-go/looper/pipeline"
	"github.com/looper-go/looper/sinks"
	"github.com/looper-go/looper/todo"
)

// ErrInterrupted is the cause of a run stopped by SIGINT or SIGTERM.
var ErrInterrupted = errors.New("interrupted")

// Loop is looper's run loop: passes of the pipeline over the backlog until
// nothing is runnable, then a review pass, then the PROJECT-DONE marker.
// Its Settings and Services are those its Nodes were built from (one
// Registry); everything that belongs to one run (the completions edge,
// the tasks finished, select's counts, rate-limit pauses, agents given up
// on, the checkout watch, the resume points left) is made inside Run and
// handed to the stages with the values they receive, so a Loop can be run
// again, and its Settings and Services shared.
type Loop struct {
	// Settings and Services are the run's configuration and what it calls.
	Settings Settings
	Services Services
	// Nodes are the pipeline of one pass: select first, ending with a
	// stage whose values are Completers (Compose checks both).
	Nodes []pipeline.Node
	// Review is the review pass run when every task is done (the
	// registry's "review" stage; looper run has it, looper pipe not). Nil
	// runs no review.
	Review pipeline.Node
}

// Compose builds the pipeline of one pass from nodes, with every check
// Loop.Run makes before anything runs: the pass starts with a Tick, each
// stage consumes what the one before produces, and the last stage's values
// are Completers, so each job that leaves the pipeline is reported back to
// select. `looper pipe` calls it on the stages it is given before it opens
// anything.
func Compose(nodes ...pipeline.Node) (*pipeline.Pipeline[Tick], error) {
	p, err := pipeline.Build[Tick](nodes...)
	if err != nil {
		return nil, err
	}
	if out := p.Out(); !out.Implements(reflect.TypeFor[Completer]()) {
		last := nodes[len(nodes)-1].Name()
		return nil, fmt.Errorf("the last stage %q produces %s, which does not end a pass: nothing would report its tasks back to select (end a pipeline with merge in sink, or earlier in execute, agents or vote)", last, out)
	}
	return p, nil
}

// Run runs the loop. It returns ErrInterrupted or the fail_fast cause when
// the run was stopped, after putting in-flight tasks back as they were.
// The report counts the ready tasks left however the run ended. Settings
// or Services a run cannot work with are an error before anything runs.
func (l *Loop) Run(ctx context.Context) (rep Report, err error) {
	d := newEnv(l.Settings, l.Services)
	if err := d.check(); err != nil {
		return rep, err
	}
	p, err := Compose(l.Nodes...)
	if err != nil {
		return rep, err
	}
	var review *pipeline.Pipeline[Tick]
	if l.Review != nil {
		if review, err = pipeline.Build[Tick](l.Review); err != nil {
			return rep, err
		}
		if review.Out() != reflect.TypeFor[ReviewOutcome]() {
			return rep, fmt.Errorf("review stage %q produces %s, not stages.ReviewOutcome", l.Review.Name(), review.Out())
		}
	}
	// The run's event stream, the sink's other input: opened here, on
	// the caller's context, and closed when everything that sends into it
	// (the stages, the agents, the report below) has returned.
	events := d.openEvents(ctx)
	defer func() { err = errors.Join(err, events.Close()) }()
	ctx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	run := newRunState(l.Settings, stop, events)
	defer func() {
		budgetReport(run, &rep, err)
		rep.Unusable = run.unusableAgents()
		rep.Remaining = l.remaining(d)
		rep.Waiting = l.reportWaiting(d, run)
	}()
	defer startPool(d, run)()
	b, err := d.Store.Snapshot()
	if err != nil {
		return rep, err
	}
	if !runnable(d, run, b) && finished(b) {
		rep.ProjectDone = true
		d.info(run, "loop", slog.LevelInfo, sinks.KindInfo, "project is done: every task is done and nothing changed since the PROJECT-DONE review; nothing to do")
		return rep, nil
	}
	watch, err := watchCheckout(ctx, d, run)
	if err != nil {
		d.info(run, "watch", slog.LevelWarn, sinks.KindWarning, err.Error()+"; changes to it during the run will not be reported")
	}
	run.checkout = watch
	defer watch.check(ctx, d, "at the end of the run")
	for {
		err := l.pass(ctx, p, run, &rep)
		if stopped, serr := l.stopped(ctx, d, run, err, &rep); stopped {
			return rep, serr
		}
		if err != nil {
			return rep, l.abort(d, run, err, &rep)
		}
		if ended, err := budgetEnded(d, run, &rep); ended {
			return rep, err
		}
		if review == nil || rep.Failed > 0 || rep.Blocked > 0 {
			return rep, nil
		}
		if d.MaxIterations > 0 && run.dispatched() >= d.MaxIterations {
			rep.MaxIterations = true
			d.info(run, "loop", slog.LevelWarn, sinks.KindWarning, fmt.Sprintf("max_iterations (%d) reached; stopping", d.MaxIterations))
			return rep, nil
		}
		b, err := d.Store.Snapshot()
		if err != nil {
			return rep, err
		}
		if runnable(d, run, b) {
			continue // agents or the user added work during the pass
		}
		if !allDone(b) {
			return rep, nil // what is left waits on tasks that cannot run
		}
		if finished(b) {
			rep.ProjectDone = true
			return rep, nil
		}
		added, err := reviewPass(ctx, review, run)
		if stopped, serr := l.stopped(ctx, d, run, err, &rep); stopped {
			return rep, serr
		}
		if err != nil {
			return rep, err
		}
		rep.Reviewed = true
		b, err = d.Store.Snapshot()
		if err != nil {
			return rep, err
		}
		if runnable(d, run, b) {
			d.info(run, "review", slog.LevelInfo, sinks.KindInfo, fmt.Sprintf("review added %d task(s); working on them", added))
			continue
		}
		if err := d.Store.Update(func(b *todo.Backlog) error {
			markProjectDone(b, d.now())
			return nil
		}); err != nil {
			return rep, err
		}
		rep.ProjectDone = true
		d.info(run, "review", slog.LevelInfo, sinks.KindInfo, "review found nothing to add; project is done (PROJECT-DONE)")
		return rep, nil
	}
}

// stopped handles a run stopped by a signal or fail_fast: it restores the
// tasks in flight and says which.
func (l *Loop) stopped(ctx context.Context, d *env, run *runState, err error, rep *Report) (bool, error) {
	cause := context.Cause(ctx)
	if ctx.Err() == nil && !errors.Is(err, ErrFailFast) {
		return false, nil
	}
	if errors.Is(err, ErrFailFast) {
		cause = err
	}
	restored, rerr := d.Store.RestoreInFlight()
	rep.Restored = restored
	if len(restored) > 0 {
		d.info(run, "loop", slog.LevelWarn, sinks.KindWarning, "put back as they were before the run: "+strings.Join(restored, ", "))
	}
	switch {
	case errors.Is(cause, ErrFailFast):
		rep.FailFast = true
		removeKilledWorktrees(d, run, rep)
	case errors.Is(cause, ErrAgentUnusable), errors.Is(cause, budget.ErrExhausted):
		// Not an interrupt: the agents, or the budget, ended the run.
	default:
		rep.Interrupted = true
	}
	return true, errors.Join(cause, rerr)
}

// removeKilledWorktrees removes, after fail_fast, the worktrees of this
// run's attempts that it killed and that hold no work (no commit, no
// change); worktrees kept for inspection and those holding work stay, and
// the next run reports them.
func removeKilledWorktrees(d *env, run *runState, rep *Report) {
	if d.Repo == nil {
		return
	}
	list, err := d.Repo.List(d.RunID)
	if err != nil {
		d.info(run, "loop", slog.LevelWarn, sinks.KindWarning, fmt.Sprintf("fail_fast: could not list this run's worktrees: %v", err))
		return
	}
	var removed []string
	for _, wt := range list {
		if slices.Contains(rep.Kept, wt.Path) {
			continue
		}
		work, err := d.Repo.HoldsWork(context.Background(), &wt)
		if err != nil || work {
			continue
		}
		if err := d.Repo.Remove(&wt, true); err != nil {
			d.info(run, "loop", slog.LevelWarn, sinks.KindWarning, fmt.Sprintf("fail_fast: could not remove worktree %s: %v", wt.Path, err))
			continue
		}
		removed = append(removed, wt.Path)
	}
	if len(removed) > 0 {
		d.info(run, "loop", slog.LevelInfo, sinks.KindInfo, fmt.Sprintf("fail_fast: removed %d worktree(s) of killed attempts that held no work: %s", len(removed), strings.Join(removed, ", ")))
	}
}

// abort handles a broken pipeline (a stage returned an error): the tasks in
// flight are put back as they were, as for an interrupt, and the error is
// returned with any failure to restore them.
func (l *Loop) abort(d *env, run *runState, err error, rep *Report) error {
	restored, rerr := d.Store.RestoreInFlight()
	rep.Restored = restored
	if len(restored) > 0 {
		d.info(run, "loop", slog.LevelWarn, sinks.KindWarning, "put back as they were before the run: "+strings.Join(restored, ", "))
	}
	return errors.Join(err, rerr)
}

// pass runs the pipeline once: one Tick into select, every value out of the
// last stage counted and reported back to select as a completion.
func (l *Loop) pass(ctx context.Context, p *pipeline.Pipeline[Tick], run *runState, rep *Report) error {
	done := make(chan struct{}) // closed by select when its pass ends
	src := make(chan Tick, 1)
	src <- Tick{Completions: run.completions, run: run, done: done}
	close(src)
	return pipeline.RunTo(ctx, p, src, func(c Completer) error {
		comp := c.Completion()
		countCompletion(rep, comp)
		if comp.Job.run != run {
			return nil // not a job this run's select dispatched (a review outcome)
		}
		select {
		case run.completions <- comp:
		case <-done: // select has stopped; nobody is waiting for it
		}
		return nil
	})
}

// runnable reports whether the backlog has a task select would dispatch now.
func runnable(d *env, run *runState, b *todo.Backlog) bool {
	return todo.NewReadySet(b, d.strategy(), run.isFinished).Len() > 0
}

// allDone reports whether every task is done.
func allDone(b *todo.Backlog) bool {
	for _, t := range b.Tasks {
		if t.Status != todo.StatusDone {
			return false
		}
	}
	return true
}

// markProjectDone appends the PROJECT-DONE marker, or re-stamps it when it
// exists, so that "nothing changed since the review" can be told later.
func markProjectDone(b *todo.Backlog, now time.Time) {
	if t := projectDoneTask(b); t != nil {
		_ = b.SetStatus(t.ID, todo.StatusDone, now)
		return
	}
	b.AddProjectDone(now)
}

// projectDoneTask returns the PROJECT-DONE marker task, or nil.
func projectDoneTask(b *todo.Backlog) *todo.Task {
	for i := range b.Tasks {
		t := &b.Tasks[i]
		if strings.EqualFold(t.ID, todo.ProjectDoneID) {
			return t
		}
		for _, tag := range t.Tags {
			if strings.EqualFold(tag, todo.ProjectDoneTag) {
				return t
			}
		}
	}
	return nil
}

// finished reports whether the project is done and nothing changed since
// its review: every task is done, the PROJECT-DONE marker exists, and no
// other task was created or updated after the marker was last stamped. A
// finished project is not reviewed again.
func finished(b *todo.Backlog) bool {
	marker := projectDoneTask(b)
	if marker == nil || !allDone(b) {
		return false
	}
	stamped, err := marker.UpdatedAt.Time()
	if err != nil || stamped.IsZero() {
		stamped, err = marker.CreatedAt.Time()
		if err != nil || stamped.IsZero() {
			return true // a marker without a time (written by an agent): trust it
		}
	}
	for i := range b.Tasks {
		t := &b.Tasks[i]
		if t == marker {
			continue
		}
		for _, ts := range []todo.Timestamp{t.CreatedAt, t.UpdatedAt} {
			if when, err := ts.Time(); err == nil && when.After(stamped) {
				return false
			}
		}
	}
	return true
}
