package config

import (
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Config is looper's effective configuration: every upstream looper.toml key,
// the [parallel] section, the agent tables and the sections later stages
// read ([worktree], [verify]). Load fills it from defaults, files, the
// environment and flags and records where each value came from, so that
// `looper config` and error messages can say why a value is what it is.
type Config struct {
	TodoFile         string // backlog path; "" finds .looper/todo.json, else to-do.json (see TodoPath)
	SchemaFile       string // extra JSON schema the backlog must satisfy; "" = the bundled schema only
	LogDir           string // base directory of run logs; "~" and $VAR are expanded (see LogDirPath)
	Workflow         string // "traditional" or "parallel" (upstream's name for [parallel] enabled = true)
	MaxIterations    int    // tasks dispatched per run at most
	Prompt           string // the bootstrap idea (LOOPER_PROMPT / --prompt); not a file key
	ApplySummary     bool   // apply each agent summary to the backlog
	GitInit          bool   // run `git init` when the project has no repository
	HookCommand      string // executable run after each agent step
	LoopDelaySeconds int    // pause between iterations
	LogLevel         string // console log level: debug, info, warn, error, fatal
	LogFormat        string // console log format: text, json, logfmt
	LogTimestamps    bool   // start text console lines with the time
	LogCaller        bool   // end text console events with the emitting stage

	Roles    Roles            // which agent plays each role
	Agents   map[string]Agent // agent definitions by name; claude and codex always exist
	Parallel ParallelConfig   // several tasks at once, several agents per task
	Worktree WorktreeConfig   // what a fresh per-attempt worktree gets
	Sandbox  SandboxConfig    // how local agents are confined (bubblewrap)
	Kube     KubeConfig       // attempts as pods on a Kubernetes cluster
	Runners  RunnersConfig    // where attempts run: local, ssh hosts, a container
	Verify   VerifyConfig     // how attempts are checked before they count as done
	Backlog  BacklogConfig    // another tracker as the backlog (Task Master, Beads, GitHub issues)
	Prices   map[string]Price // USD per million tokens by model, for agents that report tokens but no cost (codex)
	Notify   NotifyConfig     // who is told when a run needs a person
	Budget   BudgetConfig     // spending limits of a run and of each task

	// Warnings lists what the files contained that looper reads but ignores
	// (legacy upstream keys, plugin and workflow tables): commands print them.
	Warnings []Warning
	// Files lists every config file looked at, loaded or not, in layer order.
	Files []File

	sources map[string]Source
	home    string
	lookup  func(string) (string, bool)
}

// Roles names the agent used for each kind of agent step. Names are lower
// case; each must be a built-in agent or an [agents.<name>] table.
type Roles struct {
	Iter      string // works on a task
	Review    string // reviews the project when no task is left
	Repair    string // repairs an invalid backlog
	Bootstrap string // writes the first backlog from the prompt
}

// Agent describes one agent command. The built-ins claude and codex know
// their own argv and stream format; any other name is a generic agent that
// needs Binary and Format.
type Agent struct {
	Binary         string        // executable name or path
	Model          string        // passed as the CLI's model flag when set
	Reasoning      string        // codex reasoning effort
	Args           []string      // extra arguments, before the prompt
	PromptFormat   string        // generic agents: "stdin" (default) or "arg" (prompt as last argument)
	Format         string        // generic agents: "claude", "codex" or "text" output
	PermissionMode string        // claude --permission-mode; "" = skip permission prompts as upstream
	Sandbox        string        // codex --sandbox policy; "" = the runner's default
	Approval       string        // codex approval policy; "" = the runner's default
	Env            []string      // extra KEY=VALUE for the child, sorted by key
	Timeout        time.Duration // whole attempt; after it the process group is killed
	IdleTimeout    time.Duration // no output for this long kills the attempt; 0 = off
	RetryTimeout   time.Duration // nothing but model-API retry notices for this long stops the attempt; 0 = off
	Grace          time.Duration // SIGTERM to SIGKILL when an attempt is stopped; 0 = SIGKILL at once
	Network        string        // sandbox network of this agent: "host" or "none"; "" = [sandbox] network
}

// Defaults returns the built-in configuration, the lowest layer. Every
// default lives here; the key table in settings.go documents them.
func Defaults() *Config {
	c := &Config{
		TodoFile:         "",
		SchemaFile:       "",
		LogDir:           "~/.looper",
		Workflow:         "traditional",
		MaxIterations:    50,
		ApplySummary:     true,
		GitInit:          true,
		HookCommand:      "",
		LoopDelaySeconds: 0,
		LogLevel:         "info",
		LogFormat:        "text",
		Roles:            Roles{Iter: AgentClaude, Review: AgentClaude, Repair: AgentClaude, Bootstrap: AgentClaude},
		Agents: map[string]Agent{
			AgentClaude: defaultAgent(AgentClaude),
			AgentCodex:  defaultAgent(AgentCodex),
		},
		Parallel: ParallelConfig{
			Enabled:          false,
			MaxTasks:         0,
			MaxAgentsPerTask: 1,
			Strategy:         StrategyPriority,
			FailFast:         false,
			OutputMode:       OutputMultiplexed,
			Retries:          0,
			Isolation:        IsolationAuto,
			Agents:           []string{},
			Sparse:           []string{},
			Verify:           "",
			Quorum:           0,
		},
		Worktree: WorktreeConfig{Copy: []string{}, Setup: ""},
		Sandbox:  SandboxConfig{Mode: SandboxAuto, Network: "host", ReadOnly: []string{}, ReadWrite: []string{}},
		Kube:     KubeConfig{NodeSelector: map[string]string{}, Requests: map[string]string{}, Limits: map[string]string{}, ScheduleTimeout: 5 * time.Minute},
		Runners:  RunnersConfig{Use: RunnerAuto, Container: ContainerConfig{Mounts: []string{}, Env: []string{}, Ulimits: []string{}, Args: []string{}}},
		Verify:   VerifyConfig{Timeout: 10 * time.Minute, ByTag: map[string]string{}},
		Prices:   maps.Clone(defaultPrices),
		Notify:   NotifyConfig{On: slices.Clone(notifyValues)},
		Budget:   BudgetConfig{Stop: BudgetStopFinish},
		sources:  map[string]Source{},
	}
	return c
}

// defaultAgent is the starting point of an agent table: the built-ins get
// their binary, every agent the standard timeouts.
func defaultAgent(name string) Agent {
	a := Agent{Args: []string{}, Env: []string{}, Timeout: 30 * time.Minute, RetryTimeout: 2 * time.Minute, Grace: 10 * time.Second}
	if isBuiltin(name) {
		a.Binary = name
	}
	return a
}

func isBuiltin(name string) bool { return name == AgentClaude || name == AgentCodex }

// IsGeneric reports whether name is an agent other than the built-ins, which
// looper drives through its Format instead of a known argv.
func IsGeneric(name string) bool { return !isBuiltin(name) }

// AgentNames returns the defined agents: claude and codex first, then the
// others in lexical order.
func (c *Config) AgentNames() []string {
	names := []string{AgentClaude, AgentCodex}
	var others []string
	for n := range c.Agents {
		if !isBuiltin(n) {
			others = append(others, n)
		}
	}
	slices.Sort(others)
	return append(names, others...)
}

// Agent returns the definition of the named agent.
func (c *Config) Agent(name string) (Agent, bool) {
	a, ok := c.Agents[name]
	return a, ok
}

// RoleAgents returns the distinct agent names the configuration can run:
// the four roles, then parallel.agents, in first-use order.
func (c *Config) RoleAgents() []string {
	var out []string
	for _, n := range append([]string{c.Roles.Iter, c.Roles.Review, c.Roles.Repair, c.Roles.Bootstrap}, c.Parallel.Agents...) {
		if n != "" && !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}

// Source returns where the effective value of key came from. key is a
// dotted key as `looper config` prints it, e.g. "parallel.max_tasks".
func (c *Config) Source(key string) Source {
	if s, ok := c.sources[key]; ok {
		return s
	}
	return Source{Kind: SourceDefault}
}

// TodoPath returns the effective backlog path: the configured todo_file
// (relative to cwd), else .looper/todo.json, else to-do.json when only that
// one exists; with neither present it is .looper/todo.json, where a new
// backlog goes.
func (c *Config) TodoPath(cwd string) string {
	if c.TodoFile != "" {
		return c.resolvePath(cwd, c.TodoFile)
	}
	dflt := filepath.Join(cwd, ".looper", "todo.json")
	if _, err := os.Stat(dflt); err == nil {
		return dflt
	}
	legacy := filepath.Join(cwd, "to-do.json")
	if _, err := os.Stat(legacy); err == nil {
		return legacy
	}
	return dflt
}

// SchemaPath returns the configured extra schema file made absolute against
// cwd, or "" when only the bundled schema applies.
func (c *Config) SchemaPath(cwd string) string {
	if c.SchemaFile == "" {
		return ""
	}
	return c.resolvePath(cwd, c.SchemaFile)
}

// LogDirPath returns the log base directory with "~" and $VARS expanded,
// made absolute against cwd.
func (c *Config) LogDirPath(cwd string) string {
	return c.resolvePath(cwd, c.LogDir)
}

// resolvePath expands a leading "~" and $VAR references (using the
// environment Load saw) and joins relative results to cwd.
func (c *Config) resolvePath(cwd, p string) string {
	lookup := c.lookup
	if lookup == nil {
		lookup = os.LookupEnv
	}
	p = os.Expand(p, func(k string) string { v, _ := lookup(k); return v })
	if p == "~" || strings.HasPrefix(p, "~/") || strings.HasPrefix(p, `~\`) {
		home := c.home
		if home == "" {
			home, _ = os.UserHomeDir()
		}
		p = filepath.Join(home, p[1:])
	}
	if !filepath.IsAbs(p) {
		p = filepath.Join(cwd, p)
	}
	return filepath.Clean(p)
}

// LoopDelay returns loop_delay_seconds as a duration.
func (c *Config) LoopDelay() time.Duration {
	return time.Duration(c.LoopDelaySeconds) * time.Second
}

// SlogLevel maps log_level to a slog level; upstream's "fatal" sits above
// error, so only fatal messages would show.
func (c *Config) SlogLevel() slog.Level {
	switch c.LogLevel {
	case "debug":
		return slog.LevelDebug
	case "warn":
		return slog.LevelWarn
	case "error":
		return slog.LevelError
	case "fatal":
		return slog.LevelError + 4
	default:
		return slog.LevelInfo
	}
}

// VerifyCommand returns the verify command for a task with the given tags:
// the first tag with a [verify] by_tag entry, else parallel.verify.
func (c *Config) VerifyCommand(tags []string) string {
	for _, t := range tags {
		if cmd, ok := c.Verify.ByTag[t]; ok {
			return cmd
		}
	}
	return c.Parallel.Verify
}

// Clone returns a deep copy, so that a command can adjust its copy without
// touching the shared one.
func (c *Config) Clone() *Config {
	d := *c
	d.Agents = make(map[string]Agent, len(c.Agents))
	for n, a := range c.Agents {
		a.Args = slices.Clone(a.Args)
		a.Env = slices.Clone(a.Env)
		d.Agents[n] = a
	}
	d.Parallel.Agents = slices.Clone(c.Parallel.Agents)
	d.Parallel.Sparse = slices.Clone(c.Parallel.Sparse)
	d.Worktree.Copy = slices.Clone(c.Worktree.Copy)
	d.Sandbox.ReadOnly = slices.Clone(c.Sandbox.ReadOnly)
	d.Sandbox.ReadWrite = slices.Clone(c.Sandbox.ReadWrite)
	d.Runners = c.Runners.clone()
	d.Verify.ByTag = maps.Clone(c.Verify.ByTag)
	d.Kube.NodeSelector = maps.Clone(c.Kube.NodeSelector)
	d.Kube.Requests = maps.Clone(c.Kube.Requests)
	d.Kube.Limits = maps.Clone(c.Kube.Limits)
	d.Notify.On = slices.Clone(c.Notify.On)
	d.Prices = maps.Clone(c.Prices)
	d.Warnings = slices.Clone(c.Warnings)
	d.Files = slices.Clone(c.Files)
	d.sources = maps.Clone(c.sources)
	return &d
}

// KubeConfig is the [kubernetes] section: whether attempts run as pods on
// a cluster, and what their pods are made from (internal/kube).
type KubeConfig struct {
	Enabled         bool              // run every attempt in a pod
	Kubeconfig      string            // kubeconfig file; "" = KUBECONFIG, ~/.kube/config, in-cluster
	Context         string            // kubeconfig context; "" = its current one
	Namespace       string            // where the pods go; "" = the context's namespace
	Image           string            // image with git, a shell, looper and the agent CLIs
	PullPolicy      string            // "", Always, IfNotPresent, Never
	Secret          string            // Secret with the agent's credentials (environment and files)
	ServiceAccount  string            // the pods' service account ("" = default); its token is never mounted
	NodeSelector    map[string]string // nodes the pods may run on
	Requests        map[string]string // agent container resource requests (cpu, memory)
	Limits          map[string]string // agent container resource limits
	ScheduleTimeout time.Duration     // an unschedulable pod fails its attempt after this long
}
