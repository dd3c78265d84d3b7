package stages

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/looper-go/looper/internal/budget"

	"github.com/looper-go/looper/config"
	"github.com/looper-go/looper/internal/agent"
	"github.com/looper-go/looper/internal/prompts"
	"github.com/looper-go/looper/internal/worktree"
	"github.com/looper-go/looper/sinks"
	"github.com/looper-go/looper/todo"
)

// DefaultRateLimitRetries bounds how often one task is re-queued because
// its agents were rate-limited, before it is blocked for the run.
const DefaultRateLimitRetries = 5

// AgentSpec turns one configured agent into the spec the agent runner
// runs, unvalidated: the runner validates it when it runs, and looper's
// preflight (looper doctor) before the run.
func AgentSpec(cfg *config.Config, name string) agent.Spec {
	a, _ := cfg.Agent(name)
	spec := agent.Spec{
		Name: name, Binary: a.Binary, Model: a.Model, Reasoning: a.Reasoning, Args: a.Args,
		PermissionMode: a.PermissionMode, Sandbox: a.Sandbox, Approval: a.Approval, Env: a.Env,
		Timeout: a.Timeout, IdleTimeout: a.IdleTimeout, Grace: a.Grace, RetryTimeout: a.RetryTimeout,
	}
	if a.RetryTimeout == 0 {
		spec.RetryTimeout = -1 // retry_timeout = "0": off (a zero Spec.RetryTimeout means the default)
	}
	if a.Grace == 0 {
		spec.Grace = -1 // grace = "0": SIGKILL at once (a zero Spec.Grace means the default)
	}
	if config.IsGeneric(name) {
		spec.Dialect = agent.DialectGeneric
		spec.Format = agent.Format(a.Format)
		spec.PromptArg = a.PromptFormat == "arg"
	} else {
		spec.Dialect = agent.Dialect(name)
	}
	return spec
}

// SettingsFromConfig is the Settings of a run of the project in dir as
// looper run configures it: every configured agent and the roles, the
// backlog and schema paths, and, in parallel mode, the [parallel] keys (a
// sequential run has one task and one agent at a time, in upstream's
// priority order). Worktree isolation and resume points are the caller's
// to add (FromConfig adds isolation).
func SettingsFromConfig(cfg *config.Config, dir string) Settings {
	todoPath := cfg.TodoPath(dir)
	schemaPath := cfg.SchemaPath(dir)
	if schemaPath == "" {
		schemaPath = filepath.Join(filepath.Dir(todoPath), "todo.schema.json")
	}
	specs := map[string]agent.Spec{}
	for _, name := range cfg.AgentNames() {
		specs[name] = AgentSpec(cfg, name)
	}
	s := Settings{
		Agents:         specs,
		SlotAgents:     cfg.Parallel.Agents,
		IterAgent:      cfg.Roles.Iter,
		ReviewAgent:    cfg.Roles.Review,
		BootstrapAgent: cfg.Roles.Bootstrap,
		RepairAgent:    cfg.Roles.Repair,
		WorkDir:        dir,
		TodoPath:       todoPath,
		SchemaPath:     schemaPath,
		RunID:          sinks.RunID(time.Now()),
		WorktreeCopy:   cfg.Worktree.Copy,
		WorktreeKeep:   cfg.Worktree.KeepBetweenRuns,
		MaxTasks:       1,
		MaxAgents:      1,
		Strategy:       todo.StrategyPriority,
		FailFast:       cfg.Parallel.FailFast,
		Budget: budget.Limits{
			RunCostUSD: cfg.Budget.MaxCostUSD, RunTokens: int64(cfg.Budget.MaxTokens),
			TaskCostUSD: cfg.Budget.TaskMaxCostUSD, TaskTokens: int64(cfg.Budget.TaskMaxTokens),
			Stop: cfg.Budget.Stop,
		},
		MaxIterations:    cfg.MaxIterations,
		LoopDelay:        cfg.LoopDelay(),
		Retries:          cfg.Parallel.Retries,
		RateLimitRetries: DefaultRateLimitRetries,
		Quorum:           cfg.Parallel.Quorum,
		Verify:           cfg.Parallel.Verify,
		VerifyByTag:      cfg.Verify.ByTag,
		VerifyTimeout:    cfg.Verify.Timeout,
		Hook:             cfg.HookCommand,
		ApplySummary:     cfg.ApplySummary,
		Parallel:         cfg.Parallel.Enabled,
	}
	if cfg.Worktree.Setup != "" {
		s.WorktreeSetup = []string{"/bin/sh", "-c", cfg.Worktree.Setup}
	}
	if s.Parallel {
		s.MaxTasks = cfg.Parallel.MaxTasks
		s.MaxAgents = max(cfg.Parallel.MaxAgentsPerTask, 1)
		s.Strategy = todo.Strategy(cfg.Parallel.Strategy)
		if cfg.Source("max_iterations").Kind == config.SourceDefault {
			s.MaxIterations = 0 // only an explicit max_iterations bounds a parallel run
		}
	}
	return s
}

// ConfigOptions are what FromConfig cannot read from the configuration.
type ConfigOptions struct {
	// Output shows or stores the events of each run (Services.Output): the
	// stages' reports, each outcome, the agents' output as it comes. Nil
	// drops them. sinks.Func takes them one at a time, in order, on one
	// goroutine; sinks.New gives looper's console.
	Output sinks.Sink
	// Warn receives the preflight's warnings (see FromConfig) and the
	// backlog store's own (a backlog that became invalid during a run,
	// leftovers of an interrupted save), which come from whatever
	// goroutine uses the store, outside any run's stream. Nil drops them.
	Warn func(msg string)
	// ReadOnly opens the backlog without ever writing it (a dry run).
	ReadOnly bool
	// LastMessagePath maps an attempt label to the file its last message
	// is written to (nil: none).
	LastMessagePath func(label string) string
}

// FromConfig builds the Settings and Services of a run of the project in
// dir from looper's configuration (config.Load), so that a Go program can
// compose its own pipeline from the stages without naming a type of
// looper's internal packages, and have its agents checked and confined as
// looper run's are:
//
//   - looper run's preflight first (CheckAgents): every agent the roles
//     use must start and say its version, or FromConfig returns a
//     *PreflightError naming each with its fix, before the backlog is
//     opened; codex-format agents are priced from [prices];
//   - the settings of SettingsFromConfig, with the checked agents;
//   - the agent runner, each agent in its own process group and confined
//     by the [sandbox] policy (auto: bwrap for the agents that skip their
//     own permission checks, where bwrap works; mode = "bwrap" where it
//     cannot work is a *PreflightError; mode = "off" runs them as they
//     are);
//   - the backlog Store, holding the backlog's lock until Services.Store
//     is closed (a second looper on the same backlog is refused);
//   - the project's prompts/ directory over the embedded prompts;
//   - in parallel mode inside a git repository with a commit (isolation
//     not "none"), a worktree per attempt; in sequential mode inside git,
//     looper commits what an agent left uncommitted.
//
// The preflight's warnings (a version outside the tested range, a model
// without a price, agents auto mode cannot sandbox) go to o.Warn. ctx
// bounds the preflight's --version probes. On error nothing is left open.
func FromConfig(ctx context.Context, cfg *config.Config, dir string, o ConfigOptions) (Settings, Services, error) {
	if cfg == nil {
		return Settings{}, Services{}, errors.New("stages: FromConfig needs a configuration (config.Load)")
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		return Settings{}, Services{}, err
	}
	warn := o.Warn
	if warn == nil {
		warn = func(string) {}
	}
	s := SettingsFromConfig(cfg, dir)
	repo, rerr := worktree.Open(dir)
	root := dir
	if rerr == nil {
		root = repo.Root()
	}
	pre, err := CheckAgents(ctx, cfg, root, s.TodoPath)
	if err != nil {
		return Settings{}, Services{}, err
	}
	for _, w := range pre.Warnings {
		warn(w)
	}
	s.Agents = pre.Specs
	svc := Services{
		Runner:          &agent.Runner{Confine: pre.Sandbox},
		Prompts:         prompts.Store{Dir: filepath.Join(dir, "prompts")},
		Output:          o.Output,
		LastMessagePath: o.LastMessagePath,
	}
	switch {
	case rerr != nil:
		// not in git: attempts run in place and nothing is committed
	case s.Parallel && cfg.Parallel.Isolation != config.IsolationNone:
		if _, err := repo.Head(); err == nil {
			svc.Repo = repo
			s.WorktreeSparse = cfg.Parallel.Sparse
		}
	case !s.Parallel:
		svc.InPlace = repo
		s.InPlaceIgnore = []string{cfg.LogDirPath(dir)}
	}
	store, err := OpenStore(s.TodoPath, StoreOptions{ReadOnly: o.ReadOnly, Warn: o.Warn})
	if err != nil {
		return Settings{}, Services{}, fmt.Errorf("open the backlog %s: %w", s.TodoPath, err)
	}
	svc.Store = store
	return s, svc, nil
}
