package config

import (
	"slices"
	"strconv"
	"strings"
	"time"
)

// setting is one key of looper.toml: its accepted values, documentation,
// environment variables and where it lives in Config. The table below is the
// single description of every key; ExampleTOML, `looper config`, the
// environment layer and the kong resolver are all driven by it.
type setting struct {
	key    string   // dotted key
	doc    string   // one or two sentences for ExampleTOML and help
	env    []string // environment variables; when several are set the last listed wins
	noFile bool     // settable only from the environment and flags
	// exampleCommented writes the key commented out in looper init's
	// example: its default depends on the mode, and setting it at all
	// changes behaviour (max_iterations bounds parallel runs only when set).
	exampleCommented bool
	spec
	get func(*Config) any
	set func(*Config, any)
}

// Enum values, shared with the flags' help and completion.
var (
	workflowValues   = []string{"traditional", "parallel"}
	logLevelValues   = []string{"debug", "info", "warn", "error", "fatal"}
	logFormatValues  = []string{"text", "json", "logfmt"}
	strategyValues   = []string{string(StrategyPriority), string(StrategyDependency), string(StrategyMixed)}
	outputModeValues = []string{string(OutputMultiplexed), string(OutputBuffered), string(OutputSummary)}
	isolationValues  = []string{IsolationAuto, IsolationWorktree, IsolationNone}
	promptFmtValues  = []string{"stdin", "arg"}
	formatValues     = []string{"claude", "codex", "text"}
	sandboxValues    = []string{"read-only", "workspace-write", "danger-full-access"}
	approvalValues   = []string{"untrusted", "on-failure", "on-request", "never"}
	sandboxModes     = []string{SandboxAuto, SandboxBwrap, SandboxOff}
	networkValues    = []string{"host", "none"}
	notifyValues     = []string{"blocked", "failed", "rate_limited", "finished", "budget"}
	budgetStopValues = []string{BudgetStopFinish, BudgetStopNow}
	// permModeValues are the modes Claude Code 2.1.328 accepts for
	// --permission-mode (internal/agent enforces the same list; a test in
	// cmd/looper keeps them equal).
	permModeValues = []string{"acceptEdits", "auto", "bypassPermissions", "default", "dontAsk", "manual", "plan"}
)

var settings = append([]*setting{
	{key: "todo_file", env: []string{"LOOPER_TODO"}, spec: spec{kind: kindString},
		doc: `Backlog file, relative to the working directory. Empty: .looper/todo.json, or to-do.json when only that exists.`,
		get: func(c *Config) any { return c.TodoFile }, set: func(c *Config, v any) { c.TodoFile = v.(string) }},
	{key: "schema_file", env: []string{"LOOPER_SCHEMA"}, spec: spec{kind: kindString},
		doc: `Extra JSON schema the backlog must also satisfy (validate and doctor check it; init writes the bundled schema there). Empty: the bundled schema only.`,
		get: func(c *Config) any { return c.SchemaFile }, set: func(c *Config, v any) { c.SchemaFile = v.(string) }},
	{key: "log_dir", env: []string{"LOOPER_BASE_DIR", "LOOPER_LOG_DIR"}, spec: spec{kind: kindString},
		doc: `Base directory of run logs; each project gets <log_dir>/<name>-<hash>/. "~" and $VARS are expanded.`,
		get: func(c *Config) any { return c.LogDir }, set: func(c *Config, v any) { c.LogDir = v.(string) }},
	{key: "workflow", env: []string{"LOOPER_WORKFLOW"}, spec: spec{kind: kindString, enum: workflowValues},
		doc: `"traditional" runs one task at a time; "parallel" is upstream's spelling of [parallel] enabled = true.`,
		get: func(c *Config) any { return c.Workflow }, set: func(c *Config, v any) { c.Workflow = v.(string) }},
	{key: "max_iterations", env: []string{"LOOPER_MAX_ITERATIONS"}, spec: spec{kind: kindInt, min: 0}, exampleCommented: true,
		doc: `Most tasks dispatched in one run; "0": no limit. A sequential run stops at 50 unless this is set; a parallel run is bounded only when it is set.`,
		get: func(c *Config) any { return c.MaxIterations }, set: func(c *Config, v any) { c.MaxIterations = v.(int) }},
	{key: "prompt", env: []string{"LOOPER_PROMPT"}, noFile: true, spec: spec{kind: kindString},
		doc: `Idea the bootstrap agent turns into a first backlog (environment and --prompt only).`,
		get: func(c *Config) any { return c.Prompt }, set: func(c *Config, v any) { c.Prompt = v.(string) }},
	{key: "apply_summary", env: []string{"LOOPER_APPLY_SUMMARY"}, spec: spec{kind: kindBool},
		doc: `Apply each agent's summary (status, details, blockers) to the backlog.`,
		get: func(c *Config) any { return c.ApplySummary }, set: func(c *Config, v any) { c.ApplySummary = v.(bool) }},
	{key: "git_init", env: []string{"LOOPER_GIT_INIT"}, spec: spec{kind: kindBool},
		doc: `Run "git init" when the project is not in a git repository.`,
		get: func(c *Config) any { return c.GitInit }, set: func(c *Config, v any) { c.GitInit = v.(bool) }},
	{key: "hook_command", env: []string{"LOOPER_HOOK"}, spec: spec{kind: kindString},
		doc: `Executable run after every agent step with <task_id> <status> <last_message_path> <label>. Empty: none.`,
		get: func(c *Config) any { return c.HookCommand }, set: func(c *Config, v any) { c.HookCommand = v.(string) }},
	{key: "loop_delay_seconds", env: []string{"LOOPER_LOOP_DELAY"}, spec: spec{kind: kindInt, min: 0},
		doc: `Seconds to wait between iterations.`,
		get: func(c *Config) any { return c.LoopDelaySeconds }, set: func(c *Config, v any) { c.LoopDelaySeconds = v.(int) }},
	{key: "log_level", env: []string{"LOOPER_LOG_LEVEL"}, spec: spec{kind: kindString, enum: logLevelValues},
		doc: `Console log level.`,
		get: func(c *Config) any { return c.LogLevel }, set: func(c *Config, v any) { c.LogLevel = v.(string) }},
	{key: "log_format", env: []string{"LOOPER_LOG_FORMAT"}, spec: spec{kind: kindString, enum: logFormatValues},
		doc: `Console log format: "text" renders output_mode for people; "json" (the run log's encoding) and "logfmt" (the same fields as key=value) print one record per event as it arrives whatever output_mode says, always with timestamp, stage and agent_id, and end with a "run_result" record instead of the summary line.`,
		get: func(c *Config) any { return c.LogFormat }, set: func(c *Config, v any) { c.LogFormat = v.(string) }},
	{key: "log_timestamps", env: []string{"LOOPER_LOG_TIMESTAMPS"}, spec: spec{kind: kindBool},
		doc: `Start each text console line with the event's time (HH:MM:SS). json and logfmt always carry it; looper tail always shows it.`,
		get: func(c *Config) any { return c.LogTimestamps }, set: func(c *Config, v any) { c.LogTimestamps = v.(bool) }},
	{key: "log_caller", env: []string{"LOOPER_LOG_CALLER"}, spec: spec{kind: kindBool},
		doc: `End each text console event with the pipeline stage that emitted it ("stage=merge"); the agent is already in the line's prefix. json and logfmt always carry stage and agent_id.`,
		get: func(c *Config) any { return c.LogCaller }, set: func(c *Config, v any) { c.LogCaller = v.(bool) }},

	{key: "roles.iter", spec: spec{kind: kindString, name: true},
		doc: `Agent that works on a task.`,
		get: func(c *Config) any { return c.Roles.Iter }, set: func(c *Config, v any) { c.Roles.Iter = v.(string) }},
	{key: "roles.review", spec: spec{kind: kindString, name: true}, exampleCommented: true,
		doc: `Agent that reviews the project when no task is left. Unset: the roles.iter agent.`,
		get: func(c *Config) any { return c.Roles.Review }, set: func(c *Config, v any) { c.Roles.Review = v.(string) }},
	{key: "roles.repair", spec: spec{kind: kindString, name: true}, exampleCommented: true,
		doc: `Agent that repairs a backlog that fails validation. Unset: the roles.iter agent.`,
		get: func(c *Config) any { return c.Roles.Repair }, set: func(c *Config, v any) { c.Roles.Repair = v.(string) }},
	{key: "roles.bootstrap", spec: spec{kind: kindString, name: true}, exampleCommented: true,
		doc: `Agent that writes the first backlog from the prompt. Unset: the roles.iter agent.`,
		get: func(c *Config) any { return c.Roles.Bootstrap }, set: func(c *Config, v any) { c.Roles.Bootstrap = v.(string) }},

	{key: "parallel.enabled", env: []string{"LOOPER_PARALLEL"}, spec: spec{kind: kindBool},
		doc: `Run several tasks at once. false keeps upstream's one-task-per-iteration loop.`,
		get: func(c *Config) any { return c.Parallel.Enabled }, set: func(c *Config, v any) { c.Parallel.Enabled = v.(bool) }},
	{key: "parallel.max_tasks", env: []string{"LOOPER_MAX_TASKS"}, spec: spec{kind: kindInt, min: 0},
		doc: `Tasks running at once; 0 means auto (up to 8 at once).`,
		get: func(c *Config) any { return c.Parallel.MaxTasks }, set: func(c *Config, v any) { c.Parallel.MaxTasks = v.(int) }},
	{key: "parallel.max_agents_per_task", env: []string{"LOOPER_MAX_AGENTS_PER_TASK"}, spec: spec{kind: kindInt, min: 1, zeroIsOne: true},
		doc: `Agents working on one task in separate worktrees; their results are voted on. 0 is read as 1.`,
		get: func(c *Config) any { return c.Parallel.MaxAgentsPerTask }, set: func(c *Config, v any) { c.Parallel.MaxAgentsPerTask = v.(int) }},
	{key: "parallel.strategy", env: []string{"LOOPER_PARALLEL_STRATEGY"}, spec: spec{kind: kindString, enum: strategyValues},
		doc: `Order of ready tasks: priority (upstream's), dependency (longest chain of dependants first), mixed (priority band, then dependency).`,
		get: func(c *Config) any { return string(c.Parallel.Strategy) }, set: func(c *Config, v any) { c.Parallel.Strategy = ParallelStrategy(v.(string)) }},
	{key: "parallel.fail_fast", env: []string{"LOOPER_FAIL_FAST"}, spec: spec{kind: kindBool},
		doc: `Stop the run on the first failed task; false lets the other tasks go on.`,
		get: func(c *Config) any { return c.Parallel.FailFast }, set: func(c *Config, v any) { c.Parallel.FailFast = v.(bool) }},
	{key: "parallel.output_mode", env: []string{"LOOPER_OUTPUT_MODE"}, spec: spec{kind: kindString, enum: outputModeValues},
		doc: `Console output: multiplexed (lines prefixed with task and agent), buffered (each task's output when it ends), summary (outcomes only).`,
		get: func(c *Config) any { return string(c.Parallel.OutputMode) }, set: func(c *Config, v any) { c.Parallel.OutputMode = ParallelOutputMode(v.(string)) }},
	{key: "parallel.retries", spec: spec{kind: kindInt, min: 0},
		doc: `Extra attempts of a task whose agents all failed.`,
		get: func(c *Config) any { return c.Parallel.Retries }, set: func(c *Config, v any) { c.Parallel.Retries = v.(int) }},
	{key: "parallel.isolation", spec: spec{kind: kindString, enum: isolationValues},
		doc: `auto: a git worktree per attempt in a git repository, in place otherwise; worktree: always (refuse outside git); none: share the project tree.`,
		get: func(c *Config) any { return c.Parallel.Isolation }, set: func(c *Config, v any) { c.Parallel.Isolation = v.(string) }},
	{key: "parallel.agents", spec: spec{kind: kindList, comma: true, name: true},
		doc: `Agent for each of the max_agents_per_task slots, e.g. ["claude", "codex", "claude"]. Empty: the iter role's agent in every slot.`,
		get: func(c *Config) any { return c.Parallel.Agents }, set: func(c *Config, v any) { c.Parallel.Agents = v.([]string) }},
	{key: "parallel.verify", spec: spec{kind: kindString},
		doc: `Shell command run in an attempt's tree after it reports done; a failure turns the vote into blocked. Empty: no check.`,
		get: func(c *Config) any { return c.Parallel.Verify }, set: func(c *Config, v any) { c.Parallel.Verify = v.(string) }},
	{key: "parallel.quorum", spec: spec{kind: kindInt, min: 0},
		doc: `Verified done votes a task needs; 0 means a plain majority.`,
		get: func(c *Config) any { return c.Parallel.Quorum }, set: func(c *Config, v any) { c.Parallel.Quorum = v.(int) }},
	{key: "parallel.sparse", env: []string{"LOOPER_PARALLEL_SPARSE"}, spec: spec{kind: kindList, comma: true},
		doc: `Directories each attempt's worktree checks out (git sparse checkout, cone mode: files at the top level are always there), e.g. ["services/api/", "libs/"], for monorepos. Empty: every file.`,
		get: func(c *Config) any { return c.Parallel.Sparse }, set: func(c *Config, v any) { c.Parallel.Sparse = v.([]string) }},

	{key: "worktree.copy", spec: spec{kind: kindList},
		doc: `Files copied from the project tree into each new worktree (untracked ones such as ".env").`,
		get: func(c *Config) any { return c.Worktree.Copy }, set: func(c *Config, v any) { c.Worktree.Copy = v.([]string) }},
	{key: "worktree.setup", spec: spec{kind: kindString},
		doc: `Shell command run in each new worktree before its agent starts. Empty: none.`,
		get: func(c *Config) any { return c.Worktree.Setup }, set: func(c *Config, v any) { c.Worktree.Setup = v.(string) }},
	{key: "worktree.keep_between_runs", spec: spec{kind: kindBool},
		doc: `Keep a run's idle worktrees (up to max_tasks x max_agents_per_task, in .looper/worktrees/.pool) for the next run, whose first attempts then rewrite only the files that changed instead of checking out every file: for large repositories. They take disk until looper clean --worktrees removes them.`,
		get: func(c *Config) any { return c.Worktree.KeepBetweenRuns }, set: func(c *Config, v any) { c.Worktree.KeepBetweenRuns = v.(bool) }},

	{key: "backlog.source", env: []string{"LOOPER_BACKLOG"}, spec: spec{kind: kindString},
		doc: `Another tracker as the backlog: "taskmaster:PATH" (Task Master's tasks.json), "beads:PATH" (.beads/issues.jsonl) or "github:OWNER/REPO" (open issues, through gh). Empty: todo_file, else .looper/todo.json or to-do.json, else the Task Master or Beads file the project has.`,
		get: func(c *Config) any { return c.Backlog.Source }, set: func(c *Config, v any) { c.Backlog.Source = v.(string) }},
	{key: "backlog.taskmaster_tag", spec: spec{kind: kindString},
		doc: `Task Master tag to work on. Empty: the current tag (.taskmaster/state.json), else master.`,
		get: func(c *Config) any { return c.Backlog.TaskmasterTag }, set: func(c *Config, v any) { c.Backlog.TaskmasterTag = v.(string) }},
	{key: "backlog.github_label", spec: spec{kind: kindString},
		doc: `Work only on GitHub issues with this label. Empty: every open issue.`,
		get: func(c *Config) any { return c.Backlog.GithubLabel }, set: func(c *Config, v any) { c.Backlog.GithubLabel = v.(string) }},
	{key: "backlog.github_milestone", spec: spec{kind: kindString},
		doc: `Work only on GitHub issues in this milestone (its title or number). Empty: any.`,
		get: func(c *Config) any { return c.Backlog.GithubMilestone }, set: func(c *Config, v any) { c.Backlog.GithubMilestone = v.(string) }},
	{key: "backlog.github_close", spec: spec{kind: kindBool},
		doc: `Close a GitHub issue when its task is done (after the comment with the summary and commit).`,
		get: func(c *Config) any { return c.Backlog.GithubClose }, set: func(c *Config, v any) { c.Backlog.GithubClose = v.(bool) }},

	{key: "sandbox.mode", env: []string{"LOOPER_SANDBOX"}, spec: spec{kind: kindString, enum: sandboxModes},
		doc: `Run agents in a bubblewrap sandbox (Linux): auto does it for agents whose permission checks are off (claude's --dangerously-skip-permissions, codex's danger-full-access), where bwrap works, and says once when it cannot; bwrap does it for every agent and refuses to run without it; off never does.`,
		get: func(c *Config) any { return c.Sandbox.Mode }, set: func(c *Config, v any) { c.Sandbox.Mode = v.(string) }},
	{key: "sandbox.network", spec: spec{kind: kindString, enum: networkValues},
		doc: `Network of a sandboxed agent: host (agents need their model API) or none (no connection leaves the sandbox). [agents.<name>] network overrides it.`,
		get: func(c *Config) any { return c.Sandbox.Network }, set: func(c *Config, v any) { c.Sandbox.Network = v.(string) }},
	{key: "sandbox.read_only", spec: spec{kind: kindList},
		doc: `Extra paths a sandboxed agent may read (HOME is hidden but for the agent CLIs' own config). "~/" is HOME; relative paths are relative to the project.`,
		get: func(c *Config) any { return c.Sandbox.ReadOnly }, set: func(c *Config, v any) { c.Sandbox.ReadOnly = v.([]string) }},
	{key: "sandbox.read_write", spec: spec{kind: kindList},
		doc: `Extra paths a sandboxed agent may write (a cache such as "~/.cache/go-build").`,
		get: func(c *Config) any { return c.Sandbox.ReadWrite }, set: func(c *Config, v any) { c.Sandbox.ReadWrite = v.([]string) }},

	{key: "kubernetes.enabled", env: []string{"LOOPER_KUBERNETES"}, spec: spec{kind: kindBool},
		doc: `Run every attempt as a pod on a Kubernetes cluster (README "Running attempts on Kubernetes"), as [runners] use = "kubernetes" does: its base goes in and its work comes back as git bundles through the API server, and the agent's output is streamed back through pods/exec. Needs a worktree per attempt ([parallel] enabled in a git repository).`,
		get: func(c *Config) any { return c.Kube.Enabled }, set: func(c *Config, v any) { c.Kube.Enabled = v.(bool) }},
	{key: "kubernetes.kubeconfig", spec: spec{kind: kindString},
		doc: `Kubeconfig file of the cluster. Empty: KUBECONFIG, then ~/.kube/config, then the in-cluster service account.`,
		get: func(c *Config) any { return c.Kube.Kubeconfig }, set: func(c *Config, v any) { c.Kube.Kubeconfig = v.(string) }},
	{key: "kubernetes.context", spec: spec{kind: kindString},
		doc: `Kubeconfig context. Empty: its current context.`,
		get: func(c *Config) any { return c.Kube.Context }, set: func(c *Config, v any) { c.Kube.Context = v.(string) }},
	{key: "kubernetes.namespace", spec: spec{kind: kindString},
		doc: `Namespace of the attempts' pods; give looper one of its own. Empty: the context's namespace.`,
		get: func(c *Config) any { return c.Kube.Namespace }, set: func(c *Config, v any) { c.Kube.Namespace = v.(string) }},
	{key: "kubernetes.image", spec: spec{kind: kindString},
		doc: `Image of the attempts' pods: git, a POSIX shell, looper (its container runs "looper kube-hold") and the agent CLIs on PATH.`,
		get: func(c *Config) any { return c.Kube.Image }, set: func(c *Config, v any) { c.Kube.Image = v.(string) }},
	{key: "kubernetes.pull_policy", spec: spec{kind: kindString, enum: []string{"", "Always", "IfNotPresent", "Never"}},
		doc: `Image pull policy of the pods. Empty: the cluster's default.`,
		get: func(c *Config) any { return c.Kube.PullPolicy }, set: func(c *Config, v any) { c.Kube.PullPolicy = v.(string) }},
	{key: "kubernetes.secret", spec: spec{kind: kindString},
		doc: `Secret holding the agent's credentials: its keys become the agent's environment and its files are mounted read-only at /var/run/secrets/looper. looper never reads its values. Empty: none.`,
		get: func(c *Config) any { return c.Kube.Secret }, set: func(c *Config, v any) { c.Kube.Secret = v.(string) }},
	{key: "kubernetes.service_account", spec: spec{kind: kindString},
		doc: `Service account of the pods (its token is never mounted). Empty: the namespace's default.`,
		get: func(c *Config) any { return c.Kube.ServiceAccount }, set: func(c *Config, v any) { c.Kube.ServiceAccount = v.(string) }},
	{key: "kubernetes.node_selector", spec: spec{kind: kindMap},
		doc: `Node labels a pod's node must have: { pool = "agents" }.`,
		get: func(c *Config) any { return c.Kube.NodeSelector }, set: func(c *Config, v any) { c.Kube.NodeSelector = v.(map[string]string) }},
	{key: "kubernetes.requests", spec: spec{kind: kindMap},
		doc: `Resource requests of the agent's container: { cpu = "1", memory = "2Gi" }.`,
		get: func(c *Config) any { return c.Kube.Requests }, set: func(c *Config, v any) { c.Kube.Requests = v.(map[string]string) }},
	{key: "kubernetes.limits", spec: spec{kind: kindMap},
		doc: `Resource limits of the agent's container: { cpu = "2", memory = "4Gi" }.`,
		get: func(c *Config) any { return c.Kube.Limits }, set: func(c *Config, v any) { c.Kube.Limits = v.(map[string]string) }},
	{key: "kubernetes.schedule_timeout", spec: spec{kind: kindDuration, min: 1},
		doc: `How long a pod may stay unschedulable before its attempt fails with the scheduler's reason.`,
		get: func(c *Config) any { return c.Kube.ScheduleTimeout }, set: func(c *Config, v any) { c.Kube.ScheduleTimeout = v.(time.Duration) }},
	{key: "budget.max_cost_usd", env: []string{"LOOPER_MAX_COST_USD"}, spec: spec{kind: kindFloat},
		doc: `US dollars the whole run may spend on agents, every attempt counted (losing votes and retries too). A warning at 80%; at the limit no new attempt starts and the run exits with status 4. Costs are the agents' own figures, or looper's estimates from the prices table (codex). 0: no limit.`,
		get: func(c *Config) any { return c.Budget.MaxCostUSD }, set: func(c *Config, v any) { c.Budget.MaxCostUSD = v.(float64) }},
	{key: "budget.max_tokens", env: []string{"LOOPER_MAX_TOKENS"}, spec: spec{kind: kindInt, min: 0},
		doc: `Tokens (prompt, cached included, plus generated) the whole run may spend; as max_cost_usd otherwise. 0: no limit.`,
		get: func(c *Config) any { return c.Budget.MaxTokens }, set: func(c *Config, v any) { c.Budget.MaxTokens = v.(int) }},
	{key: "budget.task_max_cost_usd", spec: spec{kind: kindFloat},
		doc: `US dollars one task's attempts may spend in a run. At the limit the task gets no new attempt and is blocked with the reason; the run goes on. 0: no limit.`,
		get: func(c *Config) any { return c.Budget.TaskMaxCostUSD }, set: func(c *Config, v any) { c.Budget.TaskMaxCostUSD = v.(float64) }},
	{key: "budget.task_max_tokens", spec: spec{kind: kindInt, min: 0},
		doc: `Tokens one task's attempts may spend in a run; as task_max_cost_usd otherwise. 0: no limit.`,
		get: func(c *Config) any { return c.Budget.TaskMaxTokens }, set: func(c *Config, v any) { c.Budget.TaskMaxTokens = v.(int) }},
	{key: "budget.stop", spec: spec{kind: kindString, enum: budgetStopValues},
		doc: `When a budget is spent: "finish" lets running attempts finish; "now" stops them as Ctrl-C does (grace period, then killed) and puts their tasks back as they were (a task's own budget blocks it).`,
		get: func(c *Config) any { return c.Budget.Stop }, set: func(c *Config, v any) { c.Budget.Stop = v.(string) }},

	{key: "verify.timeout", spec: spec{kind: kindDuration, min: 1},
		doc: `Limit for one verify command; running over counts as a failure.`,
		get: func(c *Config) any { return c.Verify.Timeout }, set: func(c *Config, v any) { c.Verify.Timeout = v.(time.Duration) }},
	{key: "verify.by_tag", spec: spec{kind: kindMap},
		doc: `Verify command per task tag, used instead of parallel.verify for tasks with that tag: { go = "go test ./..." }.`,
		get: func(c *Config) any { return c.Verify.ByTag }, set: func(c *Config, v any) { c.Verify.ByTag = v.(map[string]string) }},

	{key: "notify.on", env: []string{"LOOPER_NOTIFY_ON"}, spec: spec{kind: kindList, comma: true, enum: notifyValues},
		doc: `Run events that are sent to notify.webhook and notify.command: blocked (a task ended blocked), failed (a task's attempts failed), rate_limited (an agent hit its usage limit), finished (the run ended), budget (a budget reached 80% or 100%).`,
		get: func(c *Config) any { return c.Notify.On }, set: func(c *Config, v any) { c.Notify.On = v.([]string) }},
	{key: "notify.webhook", env: []string{"LOOPER_NOTIFY_WEBHOOK"}, spec: spec{kind: kindString},
		doc: `URL that gets each event as a JSON POST, retried with backoff; a failing webhook never stops the run. Empty: none.`,
		get: func(c *Config) any { return c.Notify.Webhook }, set: func(c *Config, v any) { c.Notify.Webhook = v.(string) }},
	{key: "notify.command", env: []string{"LOOPER_NOTIFY_COMMAND"}, spec: spec{kind: kindString},
		doc: `Shell command that gets each event as JSON on stdin, e.g. "ntfy publish mytopic" or a notify-send wrapper. Empty: none.`,
		get: func(c *Config) any { return c.Notify.Command }, set: func(c *Config, v any) { c.Notify.Command = v.(string) }},
}, runnerSettings...)

// staticSettings indexes settings by key.
var staticSettings = func() map[string]*setting {
	m := make(map[string]*setting, len(settings))
	for _, s := range settings {
		if m[s.key] != nil {
			panic("config: duplicate setting " + s.key)
		}
		m[s.key] = s
	}
	return m
}()

// lookupSetting returns the setting for a dotted key, including the keys
// of any agent table ("agents.<name>.<field>").
func lookupSetting(key string) (*setting, bool) {
	if s, ok := staticSettings[key]; ok {
		return s, true
	}
	if s, ok := lookupSSHSetting(key); ok {
		return s, true
	}
	if rest, ok := strings.CutPrefix(key, "prices."); ok {
		i := strings.LastIndexByte(rest, '.')
		if i < 0 {
			return nil, false
		}
		model := rest[:i]
		if uq, err := strconv.Unquote(model); err == nil {
			model = uq
		}
		return lookupPriceSetting(model, rest[i+1:])
	}
	rest, ok := strings.CutPrefix(key, "agents.")
	if !ok {
		return nil, false
	}
	name, field, ok := strings.Cut(rest, ".")
	if !ok {
		return nil, false
	}
	i := slices.IndexFunc(agentFields, func(f *agentField) bool { return f.name == field })
	if i < 0 {
		return nil, false
	}
	return agentSetting(name, agentFields[i]), true
}

// agentSetting turns an agent field into a setting of the named agent.
func agentSetting(name string, f *agentField) *setting {
	key := "agents." + name + "." + f.name
	return &setting{
		key: key, doc: f.doc, spec: f.spec, env: builtinAgentEnv[key],
		get: func(c *Config) any {
			a, ok := c.Agents[name]
			if !ok {
				a = defaultAgent(name)
			}
			return f.get(&a)
		},
		set: func(c *Config, v any) {
			a, ok := c.Agents[name]
			if !ok {
				a = defaultAgent(name)
			}
			f.set(&a, v)
			c.Agents[name] = a
		},
	}
}

// allSettings returns every key of c in display order: the fixed keys,
// each defined agent's keys, then each priced model's keys.
func (c *Config) allSettings() []*setting {
	out := slices.Clone(settings)
	for _, name := range c.AgentNames() {
		for _, f := range agentFields {
			out = append(out, agentSetting(name, f))
		}
	}
	for _, model := range c.PriceNames() {
		for _, f := range priceFields {
			out = append(out, priceSetting(model, f))
		}
	}
	for i := range c.Runners.SSH {
		for _, f := range sshFields {
			out = append(out, sshSetting(i, f))
		}
	}
	return out
}
