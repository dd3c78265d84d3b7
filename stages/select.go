package stages

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/looper-go/looper/pipeline"
	"github.com/looper-go/looper/sinks"
	"github.com/looper-go/looper/todo"
)

// Select is the select stage. For each Tick it runs one pass over the
// backlog: it owns a todo.ReadySet built from the backlog, dispatches the
// best ready task whenever a slot is free (continuous dispatch: no waves),
// and learns from the completions channel when a dispatched task has left
// the pipeline, which frees its slot and may make its dependants ready.
// A pass ends when nothing is ready and nothing is in flight.
//
// It never dispatches a task whose dependencies are not all done, never
// more than MaxTasks at once (AutoMaxTasks for 0), never more than MaxIterations in the run, and
// never a task that already finished in this run (a task blocked in this run
// is not retried unless Retries allows it).
func Select(settings Settings, services Services) pipeline.Stage[Tick, Job] {
	d := newEnv(settings, services)
	return checked(d, pipeline.Func("select", func(ctx context.Context, in <-chan Tick, out chan<- Job) error {
		for t := range in {
			if err := selectPass(ctx, d, t, out); err != nil {
				return err
			}
		}
		return nil
	}))
}

// errNoCompletions refuses a Tick that did not come from Loop.Run.
var errNoCompletions = errors.New("stages: select got a Tick without a completions channel; passes are started by Loop.Run")

// selectPass runs the pass one Tick starts, with the counts of its run.
func selectPass(ctx context.Context, d *env, t Tick, out chan<- Job) error {
	if t.done != nil {
		defer close(t.done)
	}
	if t.Completions == nil {
		return errNoCompletions
	}
	run := t.run
	if run == nil { // a pass of its own, outside any loop
		run = newRunState(d.Settings, nil, nil)
	}
	if run.sel == nil { // counts live for the whole run, across passes
		run.sel = &selector{d: d, run: run, attempts: map[string]int{}, failures: map[string]int{}, rateLimited: map[string]int{}}
	}
	return run.sel.pass(ctx, out, t.Completions)
}

// selector is the select stage's state across passes of one run.
type selector struct {
	d           *env
	run         *runState
	attempts    map[string]int // runs per task in this run
	failures    map[string]int // failed runs per task, against Retries
	rateLimited map[string]int // rate-limit requeues per task
	stopping    bool           // fail_fast fired, or the run's budget is spent: dispatch nothing more
	overBudget  []string       // tasks blocked at dispatch by their own budget
}

func (s *selector) pass(ctx context.Context, out chan<- Job, completions <-chan Completion) error {
	d := s.d
	b, err := d.Store.Snapshot()
	if err != nil {
		return err
	}
	ready := todo.NewReadySet(b, d.strategy(), s.run.isFinished)
	inFlight := 0
	var pending *Job
	var delay <-chan time.Time       // loop_delay_seconds between dispatches
	parked := map[string]time.Time{} // re-queued tasks waiting for a time: id → not before
	var unpark <-chan time.Time

	for {
		if pending == nil && delay == nil && !s.stopping && s.hasCapacity(inFlight) {
			if t, ok := ready.Next(); ok {
				if within, err := s.withinBudget(t, ready); err != nil || !within {
					if err != nil {
						return err
					}
					continue
				}
				s.attempts[t.ID]++
				pending = &Job{Task: t, PrevStatus: t.Status, Attempt: s.attempts[t.ID], RateLimits: s.rateLimited[t.ID], run: s.run}
				if err := s.dispatch(pending); err != nil {
					return err
				}
			}
		}
		// The pass is over when nothing is in flight or about to be sent,
		// and nothing can be dispatched later: fail_fast fired, or no task
		// is parked and none is ready (or the iteration limit is reached).
		// A ready task held back only by the loop delay waits for it.
		if pending == nil && inFlight == 0 && (s.stopping || (len(parked) == 0 && (ready.Len() == 0 || !s.hasCapacity(0)))) {
			return nil
		}
		var send chan<- Job
		var job Job
		if pending != nil {
			send, job = out, *pending
		}
		select {
		case send <- job:
			pending = nil
			inFlight++
			if d.LoopDelay > 0 {
				delay = time.After(d.LoopDelay)
			}
		case c := <-completions:
			inFlight--
			s.run.watch().jobEnded(c.Job)
			if d.LoopDelay > 0 { // upstream sleeps after every iteration
				delay = time.After(d.LoopDelay)
			}
			id := c.Job.Task.ID
			requeue, notBefore := s.complete(c)
			switch {
			case !requeue && c.Status == todo.StatusDone:
				ready.Complete(id, todo.StatusDone)
			case !requeue:
				// blocked, skipped, or nothing applied (a pipe without merge):
				// finished for this run either way, never offered again
				ready.Complete(id, todo.StatusBlocked)
			case notBefore.After(d.now()):
				parked[id] = notBefore
				unpark = s.nextUnpark(parked)
			default:
				ready.Complete(id, todo.StatusTodo)
			}
		case <-delay:
			delay = nil
		case <-unpark:
			now := d.now()
			for id, t := range parked {
				if !t.After(now) {
					delete(parked, id)
					ready.Complete(id, todo.StatusTodo)
				}
			}
			unpark = s.nextUnpark(parked)
		case <-ctx.Done():
			return context.Cause(ctx)
		}
	}
}

// nextUnpark returns a timer for the earliest parked task, or nil.
func (s *selector) nextUnpark(parked map[string]time.Time) <-chan time.Time {
	var first time.Time
	for _, t := range parked {
		if first.IsZero() || t.Before(first) {
			first = t
		}
	}
	if first.IsZero() {
		return nil
	}
	return time.After(max(first.Sub(s.d.now()), 0))
}

func (s *selector) hasCapacity(inFlight int) bool {
	d := s.d
	if inFlight >= d.maxTasks() {
		return false
	}
	if d.MaxIterations > 0 && s.run.dispatched() >= d.MaxIterations {
		return false
	}
	return true
}

// dispatch numbers a job, marks its task doing and reports it.
func (s *selector) dispatch(j *Job) error {
	d := s.d
	j.Iteration = s.run.nextIteration()
	j.Started = d.now()
	prev, err := d.Store.MarkDoing(j.Task.ID)
	if err != nil {
		return err
	}
	j.PrevStatus = prev
	j.Task.Status = todo.StatusDoing
	s.run.watch().jobStarted(*j)
	ev := d.event(*j, "select", sinks.KindStatus)
	ev.PrevStatus = string(prev)
	ev.Status = string(todo.StatusDoing)
	ev.Message = fmt.Sprintf("started: %s", j.Task.Title)
	if j.Attempt > 1 {
		ev.Message = fmt.Sprintf("started again (attempt %d): %s", j.Attempt, j.Task.Title)
	}
	d.emit(s.run, ev)
	return nil
}

// complete records a finished job. It reports whether the job must run
// again, and not before when.
func (s *selector) complete(c Completion) (requeue bool, notBefore time.Time) {
	d := s.d
	id := c.Job.Task.ID
	if c.Retry {
		if !c.RetryAfter.IsZero() {
			s.rateLimited[id]++
		}
		return true, c.RetryAfter
	}
	if c.Failed {
		s.failures[id]++
		if s.failures[id] <= d.Retries {
			ev := d.event(c.Job, "select", sinks.KindWarning)
			ev.Level = slog.LevelWarn
			ev.Message = fmt.Sprintf("failed; retrying (%d of %d retries)", s.failures[id], d.Retries)
			d.emit(s.run, ev)
			return true, time.Time{}
		}
		if d.FailFast && !s.stopping {
			s.stopping = true
			d.info(s.run, "select", slog.LevelError, sinks.KindError, fmt.Sprintf("fail_fast: %s failed; stopping the run", id))
			s.run.end(fmt.Errorf("%w: task %s failed", ErrFailFast, id))
		}
	}
	s.run.finished[id] = true
	return false, time.Time{}
}
