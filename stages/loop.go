package stages

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/looper-go/looper/internal/agent"
	"github.com/looper-go/looper/internal/budget"
	"github.com/looper-go/looper/internal/prompts"
	"github.com/looper-go/looper/pipeline"
	"github.com/looper-go/looper/sinks"
	"github.com/looper-go/looper/todo"
)

// ErrInterrupted is the cause of a run stopped by SIGINT or SIGTERM.
var ErrInterrupted = errors.New("interrupted")

// Loop is looper's run loop: passes of the pipeline over the backlog until
// nothing is runnable, then a review pass, then the PROJECT-DONE marker.
type Loop struct {
	// Deps is shared by every stage.
	Deps *Deps
	// Nodes are the pipeline's stages, select first.
	Nodes []pipeline.Node
	// Review enables the review pass (looper run has it; looper pipe not).
	Review bool
}

// Run runs the loop. It returns ErrInterrupted or the fail_fast cause when
// the run was stopped, after putting in-flight tasks back as they were.
// The report counts the ready tasks left however the run ended.
func (l *Loop) Run(ctx context.Context) (rep Report, err error) {
	d := l.Deps
	defer func() {
		l.budgetReport(&rep, err)
		rep.Unusable = d.UnusableAgents()
		rep.Remaining = l.remaining()
		rep.Waiting = l.reportWaiting()
	}()
	p, err := pipeline.Build[Tick](l.Nodes...)
	if err != nil {
		return rep, err
	}
	defer d.startPool()()
	b, err := d.Store.Snapshot()
	if err != nil {
		return rep, err
	}
	if !l.runnable(b) && finished(b) {
		rep.ProjectDone = true
		d.info("loop", slog.LevelInfo, sinks.KindInfo, "project is done: every task is done and nothing changed since the PROJECT-DONE review; nothing to do")
		return rep, nil
	}
	if err := d.watchCheckout(ctx); err != nil {
		d.info("watch", slog.LevelWarn, sinks.KindWarning, err.Error()+"; changes to it during the run will not be reported")
	}
	defer d.checkCheckout(ctx, "at the end of the run")
	for {
		err := l.pass(ctx, p, &rep)
		if stopped, serr := l.stopped(ctx, err, &rep); stopped {
			return rep, serr
		}
		if err != nil {
			return rep, l.abort(err, &rep)
		}
		if ended, err := l.budgetEnded(&rep); ended {
			return rep, err
		}
		if !l.Review || rep.Failed > 0 || rep.Blocked > 0 {
			return rep, nil
		}
		if d.MaxIterations > 0 && d.Iterations() >= d.MaxIterations {
			rep.MaxIterations = true
			d.info("loop", slog.LevelWarn, sinks.KindWarning, fmt.Sprintf("max_iterations (%d) reached; stopping", d.MaxIterations))
			return rep, nil
		}
		b, err := d.Store.Snapshot()
		if err != nil {
			return rep, err
		}
		if l.runnable(b) {
			continue // agents or the user added work during the pass
		}
		if !allDone(b) {
			return rep, nil // what is left waits on tasks that cannot run
		}
		if finished(b) {
			rep.ProjectDone = true
			return rep, nil
		}
		added, err := l.review(ctx)
		if stopped, serr := l.stopped(ctx, err, &rep); stopped {
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
		if l.runnable(b) {
			d.info("review", slog.LevelInfo, sinks.KindInfo, fmt.Sprintf("review added %d task(s); working on them", added))
			continue
		}
		if err := d.Store.Update(func(b *todo.Backlog) error {
			markProjectDone(b, d.now())
			return nil
		}); err != nil {
			return rep, err
		}
		rep.ProjectDone = true
		d.info("review", slog.LevelInfo, sinks.KindInfo, "review found nothing to add; project is done (PROJECT-DONE)")
		return rep, nil
	}
}

// stopped handles a run stopped by a signal or fail_fast: it restores the
// tasks in flight and says which.
func (l *Loop) stopped(ctx context.Context, err error, rep *Report) (bool, error) {
	cause := context.Cause(ctx)
	if ctx.Err() == nil && !errors.Is(err, ErrFailFast) {
		return false, nil
	}
	if errors.Is(err, ErrFailFast) {
		cause = err
	}
	d := l.Deps
	restored, rerr := d.Store.RestoreInFlight()
	rep.Restored = restored
	if len(restored) > 0 {
		d.info("loop", slog.LevelWarn, sinks.KindWarning, "put back as they were before the run: "+strings.Join(restored, ", "))
	}
	switch {
	case errors.Is(cause, ErrFailFast):
		rep.FailFast = true
		l.removeKilledWorktrees(rep)
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
func (l *Loop) removeKilledWorktrees(rep *Report) {
	d := l.Deps
	if d.Repo == nil {
		return
	}
	list, err := d.Repo.List(d.RunID)
	if err != nil {
		d.info("loop", slog.LevelWarn, sinks.KindWarning, fmt.Sprintf("fail_fast: could not list this run's worktrees: %v", err))
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
			d.info("loop", slog.LevelWarn, sinks.KindWarning, fmt.Sprintf("fail_fast: could not remove worktree %s: %v", wt.Path, err))
			continue
		}
		removed = append(removed, wt.Path)
	}
	if len(removed) > 0 {
		d.info("loop", slog.LevelInfo, sinks.KindInfo, fmt.Sprintf("fail_fast: removed %d worktree(s) of killed attempts that held no work: %s", len(removed), strings.Join(removed, ", ")))
	}
}

// abort handles a broken pipeline (a stage returned an error): the tasks in
// flight are put back as they were, as for an interrupt, and the error is
// returned with any failure to restore them.
func (l *Loop) abort(err error, rep *Report) error {
	restored, rerr := l.Deps.Store.RestoreInFlight()
	rep.Restored = restored
	if len(restored) > 0 {
		l.Deps.info("loop", slog.LevelWarn, sinks.KindWarning, "put back as they were before the run: "+strings.Join(restored, ", "))
	}
	return errors.Join(err, rerr)
}

// pass runs the pipeline once: one Tick into select, every value out of the
// last stage counted and reported back to select as a completion.
func (l *Loop) pass(ctx context.Context, p *pipeline.Pipeline[Tick], rep *Report) error {
	d := l.Deps
	src := make(chan Tick, 1)
	src <- Tick{}
	close(src)
	done := make(chan struct{})
	d.passDone = done
	completions := d.Completions()
	return pipeline.RunTo(ctx, p, src, func(c Completer) error {
		comp := c.Completion()
		if o, ok := c.(Outcome); ok {
			countOutcome(rep, o)
		} else if !comp.Retry {
			countCompletion(rep, comp)
		}
		select {
		case completions <- comp:
		case <-done: // select has stopped; nobody is waiting for it
		}
		return nil
	})
}

// runnable reports whether the backlog has a task select would dispatch now.
func (l *Loop) runnable(b *todo.Backlog) bool {
	d := l.Deps
	return todo.NewReadySet(b, d.Strategy, d.isFinished).Len() > 0
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

// review runs one review pass and returns how many tasks it added.
func (l *Loop) review(ctx context.Context) (int, error) {
	d := l.Deps
	before, err := d.Store.Snapshot()
	if err != nil {
		return 0, err
	}
	iteration := int(d.iterations.Add(1))
	name := d.ReviewAgent
	spec, ok := d.Agents[name]
	if !ok {
		return 0, fmt.Errorf("review: no agent named %q is configured (roles.review)", name)
	}
	text, err := d.Prompts.Render(prompts.Review, prompts.Data{
		TodoPath: d.TodoPath, SchemaPath: d.SchemaPath, WorkDir: d.WorkDir,
		Iteration: iteration, Schedule: name, Now: d.now().UTC().Format("2006-01-02T15:04:05Z"),
		HasGH: hasGH(),
	})
	if err != nil {
		return 0, err
	}
	agentID := name + "#1"
	label := fmt.Sprintf("review-%d", iteration)
	d.emit(sinks.Event{Level: slog.LevelInfo, Kind: sinks.KindInfo, Stage: "review", AgentID: agentID, Iteration: iteration,
		Message: "nothing left to run; reviewing the project"})
	lastMessage := ""
	if d.LastMessagePath != nil {
		lastMessage = d.LastMessagePath(label)
	}
	res := d.Runner.Run(ctx, spec, agent.Request{
		Prompt: text, Dir: d.WorkDir, LastMessagePath: lastMessage, Contract: agent.ContractReview,
		AgentID: agentID, Iteration: iteration, Attempt: 1, Stage: "review",
		Env: []string{"LOOPER_TODO=" + d.TodoPath, "LOOPER_MODE=review"},
	})
	d.spend("", agentID, res.Usage)
	status := string(res.Class)
	if res.Review != nil {
		status = res.Review.Status
	}
	runHook(ctx, d, Job{Iteration: iteration, Attempt: 1}, Attempt{AgentID: agentID, Label: label, Result: res}, status, lastMessage)
	if ctx.Err() != nil {
		return 0, context.Cause(ctx)
	}
	after, err := d.Store.Snapshot()
	if err != nil {
		return 0, err
	}
	added := 0
	for _, t := range after.Tasks {
		if before.Task(t.ID) == nil {
			added++
		}
	}
	e := sinks.Event{Level: slog.LevelInfo, Kind: sinks.KindAttempt, Stage: "review", AgentID: agentID, Iteration: iteration,
		Class: string(res.Class), Duration: res.Duration, ExitCode: res.ExitCode, Summary: res.SummaryJSON}
	if res.Usage != (sinks.Usage{}) {
		u := res.Usage
		e.Usage = &u
	}
	switch {
	case res.Class == agent.ClassOK, res.ExitCode == 0 && (res.Class == agent.ClassNoSummary || res.Class == agent.ClassInvalidSummary):
		e.Message = fmt.Sprintf("review finished: %d task(s) added", added)
		if res.Review != nil && res.Review.Summary != "" {
			e.Message += ": " + res.Review.Summary
		}
		d.emit(e)
		return added, nil
	case res.Class.Unusable():
		e.Level = slog.LevelError
		e.Message = fmt.Sprintf("review could not run: %s (%s)", res.Err, res.Class)
		d.emit(e)
		d.disableAgent(name, res.Err)
		return added, fmt.Errorf("%w: %s", ErrAgentUnusable, res.Err)
	default:
		e.Level = slog.LevelError
		e.Message = fmt.Sprintf("review failed: %s (%s)", res.Err, res.Class)
		d.emit(e)
		return added, fmt.Errorf("review pass failed: %s (%s)", res.Err, res.Class)
	}
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

// isFinished reports whether a task reached its outcome earlier in this run.
func (d *Deps) isFinished(id string) bool { return d.finished[id] }

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
