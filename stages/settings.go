package stages

import (
	"errors"
	"fmt"
	"github.com/looper-go/looper/internal/budget"
	"slices"
	"time"

	"github.com/looper-go/looper/internal/agent"
	"github.com/looper-go/looper/internal/worktree"
	"github.com/looper-go/looper/todo"
)

// AutoMaxTasks is how many tasks run at once when MaxTasks is 0 (auto):
// every fan-out is bounded, and this is also the size of the run's
// worktree pool per agent slot.
const AutoMaxTasks = 8

// Settings are the plain values a run is configured with: what to run,
// where, and how many at once. They hold no services and no run state, so
// one Settings may be copied into any number of Registries and Loops, and
// reused from one run to the next. The zero value is valid: one task and
// one agent at a time, in priority order, with an agent named "" that the
// attempts report as not configured; Check rejects values that are not.
type Settings struct {
	// Agents maps agent names to their specs (stages.FromConfig builds them
	// from the configuration).
	Agents map[string]agent.Spec
	// SlotAgents names the agent of each slot of a task (cycled when there
	// are more slots); empty means every slot uses IterAgent.
	SlotAgents []string
	// IterAgent, ReviewAgent, BootstrapAgent and RepairAgent name the agent
	// of each role.
	IterAgent, ReviewAgent, BootstrapAgent, RepairAgent string

	// WorkDir is the project root, where agents run when there is no worktree.
	WorkDir string
	// TodoPath and SchemaPath are the backlog and its schema, absolute.
	TodoPath, SchemaPath string
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
	// WorktreeKeep keeps the run's idle worktrees for the next run and
	// starts with those an earlier run kept ([worktree]
	// keep_between_runs), so that a large repository's first attempts
	// switch a worktree instead of checking out every file.
	WorktreeKeep bool
	// Resume names, per task, the leftover worktree of an interrupted run
	// that the task's first attempt starts from (worktree.ResumePoints);
	// each run takes each point once. Empty starts every task afresh.
	Resume map[string]worktree.Leftover

	// MaxTasks bounds the tasks in flight (0 = auto: AutoMaxTasks).
	MaxTasks int
	// MaxAgents is the number of agents per task (0 counts as 1).
	MaxAgents int
	// Strategy orders ready tasks ("" = priority).
	Strategy todo.Strategy
	// FailFast stops the run at the first failed task.
	FailFast bool
	// Budget limits what the run and each task may spend on agents
	// ([budget]); the zero Limits spends without limit.
	Budget budget.Limits
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
}

// Check reports the first setting a run cannot work with, so that a
// mistake is an error before anything runs rather than a failure in the
// middle of one.
func (s Settings) Check() error {
	var errs []error
	if _, err := todo.ParseStrategy(string(s.strategy())); err != nil {
		errs = append(errs, fmt.Errorf("stages: Settings.Strategy: %w", err))
	}
	for _, f := range []struct {
		name string
		v    int
	}{{"MaxTasks", s.MaxTasks}, {"MaxAgents", s.MaxAgents}, {"MaxIterations", s.MaxIterations},
		{"Retries", s.Retries}, {"RateLimitRetries", s.RateLimitRetries}, {"Quorum", s.Quorum}} {
		if f.v < 0 {
			errs = append(errs, fmt.Errorf("stages: Settings.%s is %d; it must be 0 or more", f.name, f.v))
		}
	}
	if _, err := budget.New(s.Budget); err != nil {
		errs = append(errs, fmt.Errorf("stages: Settings.Budget: %w", err))
	}
	return errors.Join(errs...)
}

// strategy is Strategy with its default.
func (s Settings) strategy() todo.Strategy {
	if s.Strategy == "" {
		return todo.StrategyPriority
	}
	return s.Strategy
}

// maxAgents is the number of agents per task.
func (s Settings) maxAgents() int { return max(s.MaxAgents, 1) }

// maxTasks is the bound on tasks in flight, AutoMaxTasks for 0.
func (s Settings) maxTasks() int {
	if s.MaxTasks > 0 {
		return s.MaxTasks
	}
	return AutoMaxTasks
}

// agentFor names the agent of a task's slot (from 1).
func (s Settings) agentFor(slot int) string {
	if len(s.SlotAgents) == 0 {
		return s.IterAgent
	}
	return s.SlotAgents[(slot-1)%len(s.SlotAgents)]
}

// taskAgents lists the agents that work on tasks: the slot agents, else
// the iteration agent.
func (s Settings) taskAgents() []string {
	if len(s.SlotAgents) == 0 {
		return []string{s.IterAgent}
	}
	n := min(s.maxAgents(), len(s.SlotAgents))
	return s.SlotAgents[:n]
}

// verifyCommand picks the verify command for a task: the first of its tags
// with a command in VerifyByTag, else Verify.
func (s Settings) verifyCommand(t todo.Task) string {
	for _, tag := range t.Tags {
		if c, ok := s.VerifyByTag[tag]; ok && c != "" {
			return c
		}
	}
	return s.Verify
}

// looperPaths are the files looper itself writes in the project, which an
// in-place commit leaves out: the backlog and its lock, and InPlaceIgnore.
func (s Settings) looperPaths() []string {
	paths := slices.Clone(s.InPlaceIgnore)
	if s.TodoPath != "" {
		paths = append(paths, s.TodoPath, s.TodoPath+".lock")
	}
	return paths
}
