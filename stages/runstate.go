package stages

import (
	"context"
	"github.com/looper-go/looper/internal/budget"
	"maps"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/looper-go/looper/internal/worktree"
	"github.com/looper-go/looper/sinks"
)

// runState is the state of one Loop.Run: the feedback edge from the end of
// the pipeline to select, the tasks finished in the run, select's counts
// across passes, the agents paused for rate limits or given up on, the
// watch on the user's checkout, the resume points not yet taken and the
// run's stop. Loop.Run makes it; the pass's Tick carries it to select, and
// every Job select dispatches carries it on, through Ballot, Decision and
// Outcome, to the stages that need it. Settings and Services never hold
// it, so they can be shared by any number of runs.
//
// A nil *runState is valid: a Job made outside a loop (a test, a custom
// source) runs alone, sharing no pauses, no resume points and no watch.
type runState struct {
	iterations  atomic.Int64
	completions chan Completion
	finished    map[string]bool // written by select, read by the loop between passes
	sel         *selector       // select's counts, kept across passes
	checkout    *checkoutWatch  // the user's checkout, in worktree runs
	stop        context.CancelCauseFunc
	budget      *budget.Tracker // what the run spends ([budget]); nil: no limit
	// events is the run's event stream, the sink's other input: every
	// stage, the agents' output and the loop send into it, and Loop.Run
	// closes it once all of them have returned (see "The event stream").
	events *sinks.Stream

	mu       sync.Mutex
	resume   map[string]worktree.Leftover // leftover work the next attempts start from
	limits   map[string]time.Time         // agent name → dispatch paused until
	unusable map[string]string            // agent name → why it cannot be used this run
}

// newRunState makes the state of one run; stop ends the run (fail_fast,
// no usable agent left), events is its event stream.
func newRunState(s Settings, stop context.CancelCauseFunc, events *sinks.Stream) *runState {
	return &runState{
		events:      events,
		completions: make(chan Completion),
		finished:    map[string]bool{},
		stop:        stop,
		resume:      maps.Clone(s.Resume),
		budget:      newTracker(s.Budget),
	}
}

// stream is the run's event stream; nil (events dropped) outside a loop.
func (r *runState) stream() *sinks.Stream {
	if r == nil {
		return nil
	}
	return r.events
}

// nextIteration numbers the next dispatched task or review pass, from 1.
func (r *runState) nextIteration() int {
	if r == nil {
		return 1
	}
	return int(r.iterations.Add(1))
}

// dispatched reports how many tasks (and review passes) were dispatched.
func (r *runState) dispatched() int {
	if r == nil {
		return 0
	}
	return int(r.iterations.Load())
}

// isFinished reports whether a task reached its outcome earlier in the run.
func (r *runState) isFinished(id string) bool { return r != nil && r.finished[id] }

// watch is the run's checkout watch, nil when nothing is watched.
func (r *runState) watch() *checkoutWatch {
	if r == nil {
		return nil
	}
	return r.checkout
}

// end stops the run with cause (fail_fast, no usable agent).
func (r *runState) end(cause error) {
	if r != nil && r.stop != nil {
		r.stop(cause)
	}
}

// takeResume returns, once, the leftover a task's attempt starts from, or
// nil.
func (r *runState) takeResume(id string) *worktree.Leftover {
	if r == nil {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	l, ok := r.resume[id]
	if !ok {
		return nil
	}
	delete(r.resume, id)
	return &l
}

// pauseAgent stops dispatch to an agent until t (rate limits).
func (r *runState) pauseAgent(name string, until time.Time) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.limits == nil {
		r.limits = map[string]time.Time{}
	}
	if until.After(r.limits[name]) {
		r.limits[name] = until
	}
}

// agentPausedUntil reports when dispatch to an agent may resume (zero when
// it is not paused).
func (r *runState) agentPausedUntil(name string) time.Time {
	if r == nil {
		return time.Time{}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.limits[name]
}

// disableAgent stops using an agent for the rest of the run (its
// credentials fail, its model API does not answer) and reports whether
// this call disabled it, so the reason is told once.
func (r *runState) disableAgent(name, reason string) bool {
	if r == nil {
		return true
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.unusable[name]; ok {
		return false
	}
	if r.unusable == nil {
		r.unusable = map[string]string{}
	}
	r.unusable[name] = reason
	return true
}

// agentUnusable reports why an agent is not used any more, if it is not.
func (r *runState) agentUnusable(name string) (string, bool) {
	if r == nil {
		return "", false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	reason, ok := r.unusable[name]
	return reason, ok
}

// unusableAgents lists the agents the run stopped using and why, sorted,
// so the end of the run can name each with its fix.
func (r *runState) unusableAgents() []string {
	if r == nil {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Sorted(maps.Values(r.unusable))
}

// noUsableAgent reports whether every agent that works on tasks has been
// disabled, so nothing more can be done in this run.
func (r *runState) noUsableAgent(s Settings) bool {
	if r == nil {
		return false
	}
	for _, name := range s.taskAgents() {
		if _, ok := r.agentUnusable(name); !ok {
			return false
		}
	}
	return true
}
