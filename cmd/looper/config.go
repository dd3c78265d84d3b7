package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"text/tabwriter"

	"github.com/alecthomas/kong"

	"github.com/looper-go/looper/config"
)

// globalFlags are the configuration flags every command accepts, before or
// after its name. Each is tied to a config key by its config:"" tag: the
// config.Resolver fills the ones not typed from the lower layers, and the
// ones typed become config.Overrides. Help text gets the key's allowed
// values, default and environment variables appended from the config
// package (see configHelp), so they are documented in one place.
type globalFlags struct {
	ConfigFile string `name:"config" placeholder:"FILE" group:"config" help:"Extra config file, read after the environment and before flags."`
	Todo       string `config:"todo_file" placeholder:"FILE" group:"config" help:"Backlog file."`
	Schema     string `config:"schema_file" placeholder:"FILE" group:"config" help:"Extra JSON schema for the backlog."`
	LogDir     string `config:"log_dir" placeholder:"DIR" group:"config" help:"Base directory of run logs."`
	LogLevel   string `config:"log_level" placeholder:"LEVEL" group:"config" help:"Console log level"`
	LogFormat  string `config:"log_format" placeholder:"FORMAT" group:"config" help:"Console log format"`
	LogTimes   bool   `name:"log-timestamps" config:"log_timestamps" negatable:"" group:"config" help:"Start console lines with the time."`
	LogCaller  bool   `config:"log_caller" negatable:"" group:"config" help:"End console lines with the stage that emitted them."`

	Backlog         string `config:"backlog.source" placeholder:"SOURCE" group:"backlog" help:"Another tracker as the backlog: taskmaster:PATH, beads:PATH or github:OWNER/REPO."`
	TaskmasterTag   string `config:"backlog.taskmaster_tag" placeholder:"TAG" group:"backlog" help:"Task Master tag to work on."`
	GithubLabel     string `config:"backlog.github_label" placeholder:"LABEL" group:"backlog" help:"Work only on GitHub issues with this label."`
	GithubMilestone string `config:"backlog.github_milestone" placeholder:"MILESTONE" group:"backlog" help:"Work only on GitHub issues in this milestone."`
	GithubClose     bool   `config:"backlog.github_close" negatable:"" group:"backlog" help:"Close a GitHub issue when its task is done."`

	Workflow      string `config:"workflow" placeholder:"NAME" group:"loop" help:"Workflow"`
	MaxIterations int    `config:"max_iterations" placeholder:"N" group:"loop" help:"Most tasks dispatched in one run."`
	ApplySummary  bool   `config:"apply_summary" negatable:"" group:"loop" help:"Apply agent summaries to the backlog."`
	GitInit       bool   `config:"git_init" negatable:"" group:"loop" help:"Run git init when there is no repository."`
	Hook          string `config:"hook_command" placeholder:"CMD" group:"loop" help:"Executable run after every agent step."`
	LoopDelay     int    `config:"loop_delay_seconds" placeholder:"SECONDS" group:"loop" help:"Pause between iterations."`
	Prompt        string `config:"prompt" placeholder:"IDEA" group:"loop" help:"Idea the bootstrap agent turns into a first backlog."`

	Parallel   bool     `config:"parallel.enabled" negatable:"" group:"parallel" help:"Run several tasks at once."`
	MaxTasks   int      `config:"parallel.max_tasks" placeholder:"N" group:"parallel" help:"Tasks at once, 0 = auto (up to 8)."`
	MaxAgents  int      `config:"parallel.max_agents_per_task" aliases:"max-agents-per-task" placeholder:"N" group:"parallel" help:"Agents per task, voting on the result; alias --max-agents-per-task."`
	Strategy   string   `config:"parallel.strategy" placeholder:"NAME" group:"parallel" help:"Order of ready tasks"`
	FailFast   bool     `config:"parallel.fail_fast" negatable:"" group:"parallel" help:"Stop the run on the first failed task."`
	OutputMode string   `config:"parallel.output_mode" placeholder:"MODE" group:"parallel" help:"Console output"`
	Retries    int      `config:"parallel.retries" placeholder:"N" group:"parallel" help:"Extra attempts of a failed task."`
	Isolation  string   `config:"parallel.isolation" placeholder:"MODE" group:"parallel" help:"Where attempts work"`
	Agents     []string `config:"parallel.agents" placeholder:"NAME" group:"parallel" help:"Agent for each slot of a task."`
	Verify     string   `config:"parallel.verify" placeholder:"CMD" group:"parallel" help:"Check run on an attempt before it counts as done."`
	Quorum     int      `config:"parallel.quorum" placeholder:"N" group:"parallel" help:"Verified done votes a task needs, 0 = majority."`
	Sparse     []string `config:"parallel.sparse" placeholder:"DIR" group:"parallel" help:"Directories each worktree checks out (sparse checkout)."`

	Sandbox   string `config:"sandbox.mode" placeholder:"MODE" group:"agents" help:"Run agents in a bubblewrap sandbox"`
	NoSandbox bool   `name:"no-sandbox" group:"agents" help:"Run every agent unsandboxed: the same as --sandbox off."`

	ClaudeBin      string   `config:"agents.claude.binary" placeholder:"PATH" group:"agents" help:"Claude Code executable."`
	CodexBin       string   `config:"agents.codex.binary" placeholder:"PATH" group:"agents" help:"Codex executable."`
	ClaudeModel    string   `config:"agents.claude.model" placeholder:"MODEL" group:"agents" help:"Claude model."`
	CodexModel     string   `config:"agents.codex.model" placeholder:"MODEL" group:"agents" help:"Codex model."`
	CodexReasoning string   `config:"agents.codex.reasoning" placeholder:"EFFORT" group:"agents" help:"Codex reasoning effort."`
	ClaudeArgs     []string `config:"agents.claude.args" placeholder:"ARG" group:"agents" help:"Extra claude arguments (write --claude-args=--x,--y)."`
	CodexArgs      []string `config:"agents.codex.args" placeholder:"ARG" group:"agents" help:"Extra codex arguments (write --codex-args=--x,--y)."`
	Agent          string   `placeholder:"NAME" predictor:"agent" group:"agents" help:"Agent for every role and slot of this run; \"fake\" is looper's built-in fake agent, which needs no API key and writes and commits looper-fake/<task>.txt per task (not real work)."`
}

// flagGroups titles the global flag groups in help.
var flagGroups = kong.ExplicitGroups([]kong.Group{
	{Key: "config", Title: "Configuration flags:"},
	{Key: "loop", Title: "Loop flags:"},
	{Key: "parallel", Title: "Parallel flags:"},
	{Key: "agents", Title: "Agent flags:"},
	{Key: "backlog", Title: "Backlog flags:"},
})

// configHelp is kong's help value formatter: for flags tied to a config
// key it appends the allowed values, the default and the environment
// variables, from the config package's key table; other flags get their
// kong default appended when their help does not mention one.
func configHelp(v *kong.Value) string {
	key := v.Tag.Get(config.Tag)
	if key == "" {
		help := kong.DefaultHelpValueFormatter(v)
		if v.HasDefault && v.Default != "" && !v.IsBool() && !strings.Contains(strings.ToLower(help), "default") {
			help = strings.TrimSuffix(help, ".") + " (default " + v.Default + ")."
		}
		return help
	}
	help := strings.TrimSuffix(v.Help, ".")
	var notes []string
	if enum := config.Enum(key); len(enum) > 0 {
		help += ": " + strings.Join(enum, ", ")
	}
	if d := config.DefaultText(key); d != `""` && d != "[]" && d != "false" {
		notes = append(notes, "default "+strings.Trim(d, `"`))
	}
	for _, e := range config.Env(key) {
		notes = append(notes, "$"+e)
	}
	if len(notes) > 0 {
		help += " (" + strings.Join(notes, ", ") + ")"
	}
	return help + "."
}

// configLoader loads the layered configuration once per run, with the
// flags typed on this command line applied last.
type configLoader struct {
	opts config.Options

	once sync.Once
	cfg  *config.Config
	err  error
}

// Load returns the effective configuration or the reasons it is invalid.
func (l *configLoader) Load() (*config.Config, error) {
	l.once.Do(func() { l.cfg, l.err = config.Load(l.opts) })
	return l.cfg, l.err
}

// bindConfig makes *config.Config available to every command's Run, loaded
// on first use so that commands which never ask for it (version, completion,
// fake-agent) run whatever the config files contain. Commands get warnings
// printed to stderr once; doctor and config take the *configLoader instead
// and show warnings themselves. It returns a usage error for a flag whose
// value is invalid on its own (a bad enum, a negative count).
func bindConfig(kctx *kong.Context, g *globalFlags, stderr io.Writer) error {
	overrides := config.Overrides(kctx)
	if g.NoSandbox {
		overrides = append(overrides, config.Override{Key: "sandbox.mode", Value: config.SandboxOff, Flag: "--no-sandbox"})
	}
	if g.Agent != "" {
		self, err := selfPath()
		if err != nil {
			return err
		}
		overrides = append(overrides, agentOverrides(g.Agent, self)...)
	}
	for _, ov := range overrides {
		if err := config.CheckOverride(ov); err != nil {
			return err
		}
	}
	loader := &configLoader{opts: config.Options{File: g.ConfigFile, Overrides: overrides}}
	kctx.Bind(loader)
	return kctx.BindSingletonProvider(func() (*config.Config, error) {
		cfg, err := loader.Load()
		if err != nil {
			return nil, err
		}
		for _, w := range cfg.Warnings {
			fmt.Fprintf(stderr, "looper: warning: %s\n", w)
		}
		return cfg, nil
	})
}

// configCmd prints the effective configuration.
type configCmd struct {
	JSON bool `help:"Print JSON: files, settings with value and source, warnings."`
}

func (configCmd) Help() string {
	return `Every key is printed with its effective value and where it came from: default, user
file, project file (with line), env VAR, --config file, flag, or derived from another key.
Layers, lowest first: defaults < user file < project file < environment < --config FILE <
flags.`
}

func (c *configCmd) Run(loader *configLoader, stdout io.Writer) error {
	cfg, err := loader.Load()
	if err != nil {
		return err
	}
	if c.JSON {
		return writeConfigJSON(stdout, cfg)
	}
	return writeConfigText(stdout, cfg)
}

func writeConfigText(w io.Writer, cfg *config.Config) error {
	fmt.Fprintln(w, "# Files:")
	for _, f := range cfg.Files {
		fmt.Fprintf(w, "#   %s\n", f)
	}
	if len(cfg.Warnings) > 0 {
		fmt.Fprintln(w, "# Warnings:")
		for _, wn := range cfg.Warnings {
			fmt.Fprintf(w, "#   %s\n", wn)
		}
	}
	tw := tabwriter.NewWriter(w, 0, 0, 1, ' ', 0)
	for _, s := range cfg.Settings() {
		fmt.Fprintf(tw, "%s\t= %s\t# %s\n", s.Key, s.Text, s.Source)
	}
	return tw.Flush()
}

// configJSON is the shape of `looper config --json`.
type configJSON struct {
	Files    []fileJSON    `json:"files"`
	Settings []settingJSON `json:"settings"`
	Warnings []string      `json:"warnings"`
}

type fileJSON struct {
	Path   string `json:"path"`
	Layer  string `json:"layer"`
	Loaded bool   `json:"loaded"`
}

type settingJSON struct {
	Key    string `json:"key"`
	Value  any    `json:"value"`
	Source string `json:"source"`
	Layer  string `json:"layer"`
	File   string `json:"file,omitempty"`
	Line   int    `json:"line,omitempty"`
	Env    string `json:"env,omitempty"`
	Flag   string `json:"flag,omitempty"`
}

func writeConfigJSON(w io.Writer, cfg *config.Config) error {
	out := configJSON{Settings: []settingJSON{}, Warnings: []string{}}
	for _, f := range cfg.Files {
		out.Files = append(out.Files, fileJSON{Path: f.Path, Layer: f.Kind.String(), Loaded: f.Loaded})
	}
	for _, s := range cfg.Settings() {
		j := settingJSON{Key: s.Key, Value: s.Value, Source: s.Source.String(), Layer: s.Source.Kind.String()}
		switch s.Source.Kind {
		case config.SourceUserFile, config.SourceProjectFile, config.SourceExplicitFile:
			j.File, j.Line = s.Source.Name, s.Source.Line
		case config.SourceEnv:
			j.Env = s.Source.Name
		case config.SourceFlag:
			j.Flag = s.Source.Name
		}
		out.Settings = append(out.Settings, j)
	}
	for _, wn := range cfg.Warnings {
		out.Warnings = append(out.Warnings, wn.String())
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(out)
}

// workDir is the directory paths in the configuration are relative to.
func workDir() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("cannot determine the working directory: %w", err)
	}
	return dir, nil
}
