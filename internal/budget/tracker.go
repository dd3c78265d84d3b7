package budget

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sync"
)

// account is what was spent against one set of limits, and which of its
// thresholds were already reported, so that each is reported once.
type account struct {
	used      Usage
	warned    [2]bool // by metric: cost, tokens
	exhausted [2]bool
	first     *Crossing // the first limit reached
}

// Tracker counts what a run spends and reports the limits crossed. It is
// safe for concurrent use: the attempts of a run finish on many
// goroutines. A nil *Tracker spends without limit, so callers need not
// check for one.
type Tracker struct {
	limits Limits

	mu    sync.Mutex
	run   account
	tasks map[string]*account
	watch map[string]context.CancelCauseFunc // tasks in flight (see Watch)
}

// New returns a tracker for the given limits, or an error when a limit is
// negative or the stop mode unknown.
func New(l Limits) (*Tracker, error) {
	if err := l.check(); err != nil {
		return nil, err
	}
	if l.Stop == "" {
		l.Stop = StopFinish
	}
	return &Tracker{limits: l, tasks: map[string]*account{}}, nil
}

// Limits returns the limits the tracker enforces.
func (t *Tracker) Limits() Limits {
	if t == nil {
		return Limits{}
	}
	return t.limits
}

// StopNow reports whether running attempts are stopped when a budget is
// spent (stop = "now"), rather than left to finish.
func (t *Tracker) StopNow() bool { return t != nil && t.limits.Stop == StopNow }

// Spend charges an attempt's usage to the run and, when task is not "", to
// that task, and returns the thresholds this spending crossed, run first.
// Each threshold is reported once; a spend that jumps past a limit reports
// only the limit, not its warning as well. Negative figures count as zero.
func (t *Tracker) Spend(task string, u Usage) []Crossing {
	if t == nil {
		return nil
	}
	u.Tokens = max(u.Tokens, 0)
	u.CostUSD = max(u.CostUSD, 0)
	t.mu.Lock()
	out := t.run.add(u, ScopeRun, "", t.limits.RunCostUSD, t.limits.RunTokens)
	var stop context.CancelCauseFunc
	if task != "" {
		a := t.tasks[task]
		if a == nil {
			a = &account{}
			t.tasks[task] = a
		}
		crossed := a.add(u, ScopeTask, task, t.limits.TaskCostUSD, t.limits.TaskTokens)
		for _, c := range crossed {
			if c.Exhausted && t.StopNow() && stop == nil {
				stop = t.watch[task]
				if stop != nil {
					defer stop(fmt.Errorf("%w: %s", ErrExhausted, c))
				}
			}
		}
		out = append(out, crossed...)
	}
	t.mu.Unlock()
	return out
}

// add charges u and returns the crossings of the two limits.
func (a *account) add(u Usage, scope Scope, task string, costLimit float64, tokenLimit int64) []Crossing {
	a.used.CostUSD += u.CostUSD
	a.used.Tokens += u.Tokens
	var out []Crossing
	for i, m := range []struct {
		metric       Metric
		spent, limit float64
	}{
		{MetricCost, a.used.CostUSD, costLimit},
		{MetricTokens, float64(a.used.Tokens), float64(tokenLimit)},
	} {
		if m.limit <= 0 || a.exhausted[i] {
			continue
		}
		c := Crossing{Scope: scope, Task: task, Metric: m.metric, Spent: m.spent, Limit: m.limit}
		switch {
		case m.spent >= m.limit:
			c.Exhausted = true
			a.exhausted[i], a.warned[i] = true, true
			if a.first == nil {
				a.first = &c
			}
		case m.spent >= WarnFraction*m.limit && !a.warned[i]:
			a.warned[i] = true
		default:
			continue
		}
		out = append(out, c)
	}
	return out
}

// RunExhausted returns the first run limit reached, if any: no new attempt
// may start.
func (t *Tracker) RunExhausted() (Crossing, bool) {
	if t == nil {
		return Crossing{}, false
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.run.first == nil {
		return Crossing{}, false
	}
	return *t.run.first, true
}

// TaskExhausted returns the first limit the task reached, if any: the task
// may start no new attempt.
func (t *Tracker) TaskExhausted(task string) (Crossing, bool) {
	if t == nil {
		return Crossing{}, false
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if a := t.tasks[task]; a != nil && a.first != nil {
		return *a.first, true
	}
	return Crossing{}, false
}

// Spent returns what the run spent so far.
func (t *Tracker) Spent() Usage {
	if t == nil {
		return Usage{}
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.run.used
}

// TaskSpent returns what the task's attempts spent so far.
func (t *Tracker) TaskSpent(task string) Usage {
	if t == nil {
		return Usage{}
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if a := t.tasks[task]; a != nil {
		return a.used
	}
	return Usage{}
}

// ExhaustedTasks lists, sorted, the tasks that reached a limit of their own.
func (t *Tracker) ExhaustedTasks() []string {
	if t == nil {
		return nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []string
	for _, id := range slices.Sorted(maps.Keys(t.tasks)) {
		if t.tasks[id].first != nil {
			out = append(out, id)
		}
	}
	return out
}

// Watch registers cancel for a task in flight: when the task's own budget
// is spent and Stop is StopNow, Spend calls it with a cause wrapping
// ErrExhausted, so that the task's running attempts stop. The returned
// function unregisters it; call it when the attempts are over.
func (t *Tracker) Watch(task string, cancel context.CancelCauseFunc) (release func()) {
	if t == nil || !t.StopNow() || (t.limits.TaskCostUSD <= 0 && t.limits.TaskTokens <= 0) {
		return func() {}
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.watch == nil {
		t.watch = map[string]context.CancelCauseFunc{}
	}
	t.watch[task] = cancel
	return func() {
		t.mu.Lock()
		defer t.mu.Unlock()
		delete(t.watch, task)
	}
}
