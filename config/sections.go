package config

import (
	"slices"
	"time"
)

// The types of the configuration's sections ([parallel], [worktree],
// [sandbox], [budget], [notify], [backlog], [verify]) and their values.

// ParallelStrategy orders ready tasks when several can run at once.
type ParallelStrategy string

// The strategies. DESIGN.md §3 describes how each orders the ready set.
const (
	StrategyPriority   ParallelStrategy = "priority"   // highest priority first, upstream's order
	StrategyDependency ParallelStrategy = "dependency" // longest chain of dependants first
	StrategyMixed      ParallelStrategy = "mixed"      // priority band first, dependency inside it
)

// ParallelOutputMode chooses how the console shows several agents at once.
type ParallelOutputMode string

// The output modes, one per sink.
const (
	OutputMultiplexed ParallelOutputMode = "multiplexed" // interleave lines with task/agent prefixes
	OutputBuffered    ParallelOutputMode = "buffered"    // print each task's output when it ends
	OutputSummary     ParallelOutputMode = "summary"     // print only outcomes and the summary table
)

// ParallelConfig is the [parallel] section, with the seed's six keys and the
// keys the isolation and voting stages read.
type ParallelConfig struct {
	Enabled          bool               // run several tasks at once
	MaxTasks         int                // tasks at once; 0 = auto (stages.AutoMaxTasks)
	MaxAgentsPerTask int                // agents per task, voting on the result; at least 1
	Strategy         ParallelStrategy   // order of ready tasks
	FailFast         bool               // stop dispatching and cancel running tasks on the first failure
	OutputMode       ParallelOutputMode // console output
	Retries          int                // extra attempts of a failed task
	Isolation        string             // "auto", "worktree" or "none"
	Agents           []string           // agent name per slot; empty = the iter role for every slot
	Verify           string             // shell command run in an attempt's tree before it counts as done
	Quorum           int                // verified done votes needed; 0 = a plain majority
	Sparse           []string           // directories a worktree checks out (cone mode); empty = every file
}

// WorktreeConfig is the [worktree] section: what a per-attempt worktree gets.
type WorktreeConfig struct {
	Copy  []string // files copied from the main tree (untracked ones such as .env)
	Setup string   // shell command run in a new worktree before the agent starts
	// KeepBetweenRuns parks a run's idle worktrees for the next run instead
	// of deleting them, trading disk for the first attempts' checkouts.
	KeepBetweenRuns bool
}

// SandboxConfig is the [sandbox] section: whether agents run in a
// bubblewrap sandbox, with what network, and which extra paths they see.
type SandboxConfig struct {
	Mode      string   // "auto" (agents that skip permission checks, where bwrap works), "bwrap" (every agent, or refuse), "off"
	Network   string   // "host" or "none"
	ReadOnly  []string // extra paths the agent may read ("~/" is HOME, relative paths are relative to the project)
	ReadWrite []string // extra paths the agent may write
}

// BudgetConfig is the [budget] section: what a run may spend on agents
// before it stops starting attempts. Zero limits are no limit.
type BudgetConfig struct {
	MaxCostUSD     float64 // US dollars for the whole run
	MaxTokens      int     // tokens (prompt and generated) for the whole run
	TaskMaxCostUSD float64 // US dollars for one task's attempts in a run
	TaskMaxTokens  int     // tokens for one task's attempts in a run
	Stop           string  // "finish" (running attempts finish) or "now" (they are stopped)
}

// Budget stop modes.
const (
	BudgetStopFinish = "finish"
	BudgetStopNow    = "now"
)

// Sandbox modes.
const (
	SandboxAuto  = "auto"
	SandboxBwrap = "bwrap"
	SandboxOff   = "off"
)

// NotifyConfig is the [notify] section: which run events are sent where,
// so that an unattended run can call its person.
type NotifyConfig struct {
	On      []string // events to send: blocked, failed, rate_limited, finished, budget
	Webhook string   // URL that gets each event as a JSON POST; "" = none
	Command string   // shell command that gets each event as JSON on stdin; "" = none
}

// NotifyEvents lists the event names [notify] on accepts.
func NotifyEvents() []string { return slices.Clone(notifyValues) }

// BacklogConfig is the [backlog] section: where the tasks come from when
// they are not in looper's own to-do.json.
type BacklogConfig struct {
	Source          string // "taskmaster:PATH", "beads:PATH", "github:OWNER/REPO" or a to-do.json path; "" = todo_file, else detected
	TaskmasterTag   string // Task Master tag; "" = the current tag, else master
	GithubLabel     string // only issues with this label
	GithubMilestone string // only issues in this milestone
	GithubClose     bool   // close an issue when its task is done
}

// VerifyConfig is the [verify] section.
type VerifyConfig struct {
	Timeout time.Duration     // limit for one verify command
	ByTag   map[string]string // verify command per task tag, used instead of parallel.verify
}

// Isolation values.
const (
	IsolationAuto     = "auto"     // worktrees in a git repository when parallel, else in place
	IsolationWorktree = "worktree" // always a worktree; refuse outside a git repository
	IsolationNone     = "none"     // every attempt works in the project tree
)

// Built-in agent names.
const (
	AgentClaude = "claude"
	AgentCodex  = "codex"
)
