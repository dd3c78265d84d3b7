package stages

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/looper-go/looper/internal/budget"
	"github.com/looper-go/looper/sinks"
	"github.com/looper-go/looper/todo"
)

// This file holds the run's side of the budgets (Settings.Budget, counted
// by the run's tracker): what is charged when an attempt ends, what is
// refused when a task would be dispatched, and how the loop ends when the
// run's budget is spent. The accounting itself is internal/budget's.

// newTracker returns the tracker of a run's limits, nil when none is set
// (a nil tracker spends without limit). Settings.Check rejects limits
// New refuses, so its error cannot happen here.
func newTracker(l budget.Limits) *budget.Tracker {
	if !l.Enabled() {
		return nil
	}
	t, _ := budget.New(l)
	return t
}

// tracker is the run's budget tracker, nil outside a run.
func (r *runState) tracker() *budget.Tracker {
	if r == nil {
		return nil
	}
	return r.budget
}

// spend charges an attempt's usage to the run's and its task's budgets
// (task "" charges the run only: the review pass) and reports each
// threshold crossed as a budget event. With stop = "now" a spent run
// budget stops the run as Ctrl-C does (a spent task budget stops the
// task's attempts through budgetContext).
func spend(d *env, run *runState, taskID, agentID string, u sinks.Usage) {
	t := run.tracker()
	for _, c := range t.Spend(taskID, budget.Usage{Tokens: u.InputTokens + u.OutputTokens, CostUSD: u.CostUSD}) {
		e := sinks.Event{Level: slog.LevelWarn, Kind: sinks.KindBudget, Stage: "budget", TaskID: c.Task, AgentID: agentID}
		switch {
		case !c.Exhausted:
			e.Message = "budget: " + c.String()
		case c.Scope == budget.ScopeRun && t.StopNow():
			e.Message = "budget: " + c.String() + "; stopping the running attempts (stop = \"now\")"
		case c.Scope == budget.ScopeRun:
			e.Message = "budget: " + c.String() + "; no new attempt starts, running ones finish"
		case t.StopNow():
			e.Message = "budget: " + c.String() + "; stopping its running attempts (stop = \"now\"); the task is blocked"
		default:
			e.Message = "budget: " + c.String() + "; it gets no new attempt"
		}
		d.emit(run, e)
		if c.Exhausted && c.Scope == budget.ScopeRun && t.StopNow() {
			run.end(fmt.Errorf("%w: %s", budget.ErrExhausted, c))
		}
	}
}

// budgetContext returns the context a job's attempts run in: cancelled,
// with stop = "now", when the task's own budget is spent. release must be
// called when the attempts are over.
func budgetContext(ctx context.Context, j Job) (_ context.Context, release func()) {
	ctx, cancel := context.WithCancelCause(ctx)
	unwatch := j.run.tracker().Watch(j.Task.ID, cancel)
	return ctx, func() {
		unwatch()
		cancel(nil)
	}
}

// withinBudget is the dispatch check: it reports whether t may start an
// attempt. When the run's budget is spent, t is put back and the selector
// stops dispatching (the pass ends when the running tasks are done). When
// t's own budget is spent, t is blocked with the reason and never offered
// again in this run.
func (s *selector) withinBudget(t todo.Task, ready *todo.ReadySet) (bool, error) {
	d, tr := s.d, s.run.tracker()
	if _, spent := tr.RunExhausted(); spent {
		ready.Complete(t.ID, todo.StatusTodo)
		s.stopping = true
		return false, nil
	}
	c, spent := tr.TaskExhausted(t.ID)
	if !spent {
		return true, nil
	}
	ready.Complete(t.ID, todo.StatusBlocked)
	s.run.finished[t.ID] = true
	o := Outcome{Status: todo.StatusBlocked, Decision: Decision{
		Job:      Job{Task: t, PrevStatus: t.Status, Attempt: s.attempts[t.ID], run: s.run},
		Status:   todo.SummaryBlocked,
		Winner:   -1,
		Blockers: []string{"budget: " + c.String() + "; raise it or run looper again to try once more"},
	}}
	if err := record(d, []Outcome{o}); err != nil {
		return false, err
	}
	report(d, o)
	s.overBudget = append(s.overBudget, t.ID)
	return false, nil
}

// budgetEnded is the loop's check after a pass: it reports whether the
// run's budget is spent, in which case the run ends without another pass
// or a review, and tasks a re-run had marked doing are put back.
func budgetEnded(d *env, run *runState, rep *Report) (bool, error) {
	if _, spent := run.tracker().RunExhausted(); !spent {
		return false, nil
	}
	restored, err := d.Store.RestoreInFlight()
	rep.Restored = append(rep.Restored, restored...)
	return true, err
}

// budgetReport fills in what the budgets did to the run: which one ended
// it, and the tasks blocked at dispatch by their own budget.
func budgetReport(run *runState, rep *Report, err error) {
	if c, spent := run.tracker().RunExhausted(); spent && (err == nil || errors.Is(err, budget.ErrExhausted)) {
		rep.Budget = c.String()
	}
	if run != nil && run.sel != nil {
		rep.Blocked += len(run.sel.overBudget)
	}
}
