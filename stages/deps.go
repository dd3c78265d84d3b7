package stages

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/looper-go/looper/internal/agent"
	"github.com/looper-go/looper/internal/budget"
	"github.com/looper-go/looper/internal/prompts"
	"github.com/looper-go/looper/internal/worktree"
	"github.com/looper-go/looper/sinks"
	"github.com/looper-go/looper/todo"
)

// AgentRunner runs one agent attempt. *agent.Runner implements it; tests use
// in-process fakes so that scheduling can run under testing/synctest.
type AgentRunner interface {
	Run(ctx context.Context, spec agent.Spec, req agent.Request) agent.Result
}

// Deps is everything the stages share for one looper run: settings, the
// services they call, and the run's counters. The run loop builds it once;
// the stages only read the settings.
type Deps struct {
	// Store is the backlog's single writer.
	Store *Store
	// Runner runs agent attempts.
	Runner AgentRunner
	// Agents maps agent names to their specs.
	Agents map[string]agent.Spec
	// SlotAgents names the agent of each slot of a task (cycled when there
	// are more slots); empty means every slot uses IterAgent.
	SlotAgents []string
	// IterAgent, ReviewAgent, BootstrapAgent and RepairAgent name the agent
	// of each role.
	IterAgent, ReviewAgent, BootstrapAgent, RepairAgent string
	// Prompts renders prompts.
	Prompts prompts.Store
	// Emit receives every event. It may block (bounded backpressure) but must
	// not be nil; use Discard when nothing listens.
	Emit func(sinks.Event)
	// LastMessagePath maps an attempt label to its last-message file.
	LastMessagePath func(label string) string

	// WorkDir is the project root, where agents run when there is no worktree.
	WorkDir string
	// TodoPath and SchemaPath are the backlog and its schema, absolute.
	TodoPath, SchemaPath string
	// Repo is the git repository for worktree isolation; nil runs in place.
	Repo *worktree.Repo
	// InPlace is the git repository an in-place attempt works in
	// (sequential mode), nil outside git: after each attempt looper commits
	// what the agent changed and left uncommitted (see commitInPlace).
	InPlace *worktree.Repo
	// InPlaceIgnore lists more paths looper writes in the project (the log
	// directory, when it is inside), which an in-place commit leaves out.
	InPlaceIgnore []string
	// RunID names this run (worktree directories and branches use it).
	RunID string
	// WorktreeCopy lists files copied into every worktree; WorktreeSetup is
	// a command run in each new worktree.
	WorktreeCopy  []string
	WorktreeSetup []string
	// SetupTimeout bounds WorktreeSetup (0 = the worktree package's default).
	SetupTimeout time.Duration
	// WorktreeSparse lists the directories each worktree checks out
	// ([parallel] sparse), so that attempts in a monorepo pay only for the
	// part they work on; empty checks out every file.
	WorktreeSparse []string

	// MaxTasks bounds the tasks in flight (0 = unlimited).
	MaxTasks int
	// MaxAgents is the number of agents per task (at least 1).
	MaxAgents int
	// Strategy orders ready tasks.
	Strategy todo.Strategy
	// FailFast stops the run at the first failed task.
	FailFast bool
	// MaxIterations bounds the tasks dispatched (0 = unlimited).
	MaxIterations int
	// LoopDelay is waited between two dispatches.
	LoopDelay time.Duration
	// Retries is how many times a failed task is run again in this run.
	Retries int
	// RateLimitRetries bounds how often one task is re-queued for rate limits.
	RateLimitRetries int
	// Quorum is the minimum number of done votes for a done decision.
	Quorum int
	// Verify is the shell command run in an attempt's tree after it reports
	// done ("" = none); VerifyByTag overrides it for tasks with a tag.
	Verify      string
	VerifyByTag map[string]string
	// VerifyTimeout bounds one verify run.
	VerifyTimeout time.Duration
	// Hook is run after each attempt with <task_id> <status> <last_message> <label>.
	Hook string
	// HookTimeout bounds one hook run.
	HookTimeout time.Duration
	// ApplySummary records agent summaries in the backlog (upstream's
	// apply_summary); when false only statuses are recorded.
	ApplySummary bool
	// Parallel selects the parallel prompt variant and labels.
	Parallel bool
	// Now is the clock (tests pin it).
	Now func() time.Time

	// FailFastCancel stops the run when FailFast is set and a task fails.
	FailFastCancel context.CancelCauseFunc
	// Budget counts what the attempts spend against the run's and each
	// task's limits ([budget]); nil spends without limit.
	Budget *budget.Tracker

	iterations  atomic.Int64
	completions chan Completion
	passDone    chan struct{}   // closed when the select stage of a pass returns
	finished    map[string]bool // tasks that reached an outcome in this run
	sel         *selector
	checkout    *checkoutWatch // the user's checkout, in worktree runs
	releasing   sync.WaitGroup // worktree removals after outcomes (see finish)
	resume      resumePoints   // leftover work the next attempts start from
	limitsMu    sync.Mutex
	limits      map[string]time.Time // agent name → dispatch paused until
	unusable    map[string]string    // agent name → why it cannot be used this run
}

// Discard is an Emit that drops events.
func Discard(sinks.Event) {}

func (d *Deps) now() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return time.Now()
}

func (d *Deps) emit(e sinks.Event) {
	if e.Time.IsZero() {
		e.Time = d.now()
	}
	d.Emit(e)
}

// event starts an event about a job.
func (d *Deps) event(j Job, stage string, kind sinks.Kind) sinks.Event {
	return sinks.Event{
		Time:      d.now(),
		Level:     slog.LevelInfo,
		Kind:      kind,
		TaskID:    j.Task.ID,
		Attempt:   j.Attempt,
		Iteration: j.Iteration,
		Stage:     stage,
		Title:     j.Task.Title,
	}
}

// info emits a run-level message.
func (d *Deps) info(stage string, level slog.Level, kind sinks.Kind, msg string) {
	d.emit(sinks.Event{Level: level, Kind: kind, Stage: stage, Message: msg})
}

// Completions is the feedback channel from the end of the pipeline to the
// select stage. The run loop creates it; a pipeline's drain sends on it.
func (d *Deps) Completions() chan Completion {
	if d.completions == nil {
		d.completions = make(chan Completion)
	}
	return d.completions
}

// Iterations reports how many tasks (and review passes) have been dispatched.
func (d *Deps) Iterations() int { return int(d.iterations.Load()) }

func (d *Deps) maxAgents() int { return max(d.MaxAgents, 1) }

// agentFor names the agent of a task's slot (from 1).
func (d *Deps) agentFor(slot int) string {
	if len(d.SlotAgents) == 0 {
		return d.IterAgent
	}
	return d.SlotAgents[(slot-1)%len(d.SlotAgents)]
}

// pauseAgent stops dispatch to an agent until t (rate limits).
func (d *Deps) pauseAgent(name string, until time.Time) {
	d.limitsMu.Lock()
	defer d.limitsMu.Unlock()
	if d.limits == nil {
		d.limits = map[string]time.Time{}
	}
	if until.After(d.limits[name]) {
		d.limits[name] = until
	}
}

// agentPausedUntil reports when dispatch to an agent may resume (zero when it
// is not paused).
func (d *Deps) agentPausedUntil(name string) time.Time {
	d.limitsMu.Lock()
	defer d.limitsMu.Unlock()
	return d.limits[name]
}

// disableAgent stops using an agent for the rest of the run (its
// credentials fail, its model API does not answer) and reports whether
// this call disabled it, so the reason is told once.
func (d *Deps) disableAgent(name, reason string) bool {
	d.limitsMu.Lock()
	defer d.limitsMu.Unlock()
	if _, ok := d.unusable[name]; ok {
		return false
	}
	if d.unusable == nil {
		d.unusable = map[string]string{}
	}
	d.unusable[name] = reason
	return true
}

// agentUnusable reports why an agent is not used any more, if it is not.
func (d *Deps) agentUnusable(name string) (string, bool) {
	d.limitsMu.Lock()
	defer d.limitsMu.Unlock()
	reason, ok := d.unusable[name]
	return reason, ok
}

// UnusableAgents lists the agents the run stopped using and why, sorted by
// name, so the end of the run can name each with its fix.
func (d *Deps) UnusableAgents() []string {
	d.limitsMu.Lock()
	defer d.limitsMu.Unlock()
	out := make([]string, 0, len(d.unusable))
	for _, reason := range d.unusable {
		out = append(out, reason)
	}
	slices.Sort(out)
	return out
}

// taskAgents lists the agents that work on tasks: the slot agents, else
// the iteration agent.
func (d *Deps) taskAgents() []string {
	if len(d.SlotAgents) == 0 {
		return []string{d.IterAgent}
	}
	n := min(d.maxAgents(), len(d.SlotAgents))
	return d.SlotAgents[:n]
}

// noUsableAgent reports whether every agent that works on tasks has been
// disabled, so nothing more can be done in this run.
func (d *Deps) noUsableAgent() bool {
	for _, name := range d.taskAgents() {
		if _, ok := d.agentUnusable(name); !ok {
			return false
		}
	}
	return true
}
