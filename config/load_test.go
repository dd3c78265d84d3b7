package config

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// sandbox is a home directory and a separate project directory, with the
// process environment cleared of every variable looper reads.
type sandbox struct {
	t             *testing.T
	home, project string
}

func newSandbox(t *testing.T) *sandbox {
	t.Helper()
	root := t.TempDir()
	s := &sandbox{t: t, home: filepath.Join(root, "home"), project: filepath.Join(root, "project")}
	for _, d := range []string{s.home, s.project} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("HOME", s.home)
	t.Setenv("XDG_CONFIG_HOME", "")
	for _, st := range settings {
		for _, e := range st.env {
			t.Setenv(e, "")
		}
	}
	for _, envs := range builtinAgentEnv {
		for _, e := range envs {
			t.Setenv(e, "")
		}
	}
	return s
}

func (s *sandbox) write(path, text string) string {
	s.t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		s.t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		s.t.Fatal(err)
	}
	return path
}

func (s *sandbox) load(file string, overrides ...Override) (*Config, error) {
	return Load(Options{Dir: s.project, Home: s.home, File: file, Overrides: overrides})
}

func (s *sandbox) mustLoad(file string, overrides ...Override) *Config {
	s.t.Helper()
	c, err := s.load(file, overrides...)
	if err != nil {
		s.t.Fatal(err)
	}
	return c
}

// TestPrecedence walks the layers one row at a time: each row adds a layer
// that sets parallel.max_tasks, and the newest layer must win with its
// source named.
func TestPrecedence(t *testing.T) {
	s := newSandbox(t)
	userFile := filepath.Join(s.home, ".looper", "looper.toml")
	projectFile := filepath.Join(s.project, ".looper", "looper.toml")
	explicit := filepath.Join(s.project, "ci.toml")
	rows := []struct {
		name  string
		setup func()
		flag  []Override
		want  int
		src   string
	}{
		{"default", func() {}, nil, 0, "default"},
		{"user file", func() { s.write(userFile, "[parallel]\nmax_tasks = 1\n") }, nil, 1, "user file " + userFile + ":2"},
		{"project file beats user file", func() { s.write(projectFile, "# project\n[parallel]\nmax_tasks = 2\n") }, nil, 2, "project file " + projectFile + ":3"},
		{"environment beats files", func() { t.Setenv("LOOPER_MAX_TASKS", "3") }, nil, 3, "env LOOPER_MAX_TASKS"},
		{"--config file beats environment", func() { s.write(explicit, "parallel.max_tasks = 4\n") }, nil, 4, "--config file " + explicit + ":1"},
		{"flag beats everything", func() {}, []Override{{Key: "parallel.max_tasks", Value: 5, Flag: "--max-tasks"}}, 5, "flag --max-tasks"},
	}
	for _, r := range rows {
		r.setup()
		file := ""
		if _, err := os.Stat(explicit); err == nil {
			file = explicit
		}
		c := s.mustLoad(file, r.flag...)
		if c.Parallel.MaxTasks != r.want {
			t.Errorf("%s: max_tasks = %d, want %d", r.name, c.Parallel.MaxTasks, r.want)
		}
		if got := c.Source("parallel.max_tasks").String(); got != r.src {
			t.Errorf("%s: source = %q, want %q", r.name, got, r.src)
		}
	}
}

// TestPrecedencePerKey checks that layers merge key by key: a higher layer
// that sets one key leaves the others to the lower layers.
func TestPrecedencePerKey(t *testing.T) {
	s := newSandbox(t)
	s.write(filepath.Join(s.home, ".looper", "looper.toml"), "max_iterations = 7\n[parallel]\nstrategy = \"mixed\"\n[agents.codex]\nmodel = \"o3\"\n")
	s.write(filepath.Join(s.project, "looper.toml"), "[parallel]\nenabled = true\n[agents.codex]\nreasoning = \"high\"\n")
	t.Setenv("CODEX_MODEL", "gpt-5")
	c := s.mustLoad("")
	got := map[string]string{}
	for _, st := range c.Settings() {
		got[st.Key] = st.Text + " @ " + st.Source.Kind.String()
	}
	want := map[string]string{
		"max_iterations":         "7 @ user file",
		"parallel.strategy":      `"mixed" @ user file`,
		"parallel.enabled":       "true @ project file",
		"parallel.max_tasks":     "0 @ default",
		"agents.codex.model":     `"gpt-5" @ env`,
		"agents.codex.reasoning": `"high" @ project file`,
		"agents.codex.binary":    `"codex" @ default`,
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s = %s, want %s", k, got[k], w)
		}
	}
}

// TestFlagOverridesFileDisable is the issue's own example: --parallel on the
// command line beats enabled = false in the project file.
func TestFlagOverridesFileDisable(t *testing.T) {
	s := newSandbox(t)
	s.write(filepath.Join(s.project, ".looper", "looper.toml"), "[parallel]\nenabled = false\n")
	c := s.mustLoad("")
	if c.Parallel.Enabled {
		t.Fatal("enabled = false in the project file did not apply")
	}
	c = s.mustLoad("", Override{Key: "parallel.enabled", Value: true, Flag: "--parallel"})
	if !c.Parallel.Enabled || c.Source("parallel.enabled").String() != "flag --parallel" {
		t.Fatalf("enabled = %v from %s, want true from flag --parallel", c.Parallel.Enabled, c.Source("parallel.enabled"))
	}
}

func TestUserFileLocations(t *testing.T) {
	for _, tc := range []struct {
		name  string
		files []string // relative to home; written in order
		xdg   string   // relative to home; "" = unset
		want  string   // relative to home
	}{
		{"dot looper", []string{".looper/looper.toml"}, "", ".looper/looper.toml"},
		{"xdg default", []string{".config/looper/looper.toml"}, "", ".config/looper/looper.toml"},
		{"xdg set", []string{"xdg/looper/looper.toml"}, "xdg", "xdg/looper/looper.toml"},
		{"dot looper wins over xdg", []string{"xdg/looper/looper.toml", ".looper/looper.toml"}, "xdg", ".looper/looper.toml"},
		{"xdg set hides ~/.config", []string{".config/looper/looper.toml"}, "xdg", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSandbox(t)
			for i, f := range tc.files {
				s.write(filepath.Join(s.home, f), "max_iterations = "+string(rune('2'+i))+"\n")
			}
			if tc.xdg != "" {
				t.Setenv("XDG_CONFIG_HOME", filepath.Join(s.home, tc.xdg))
			}
			c := s.mustLoad("")
			src := c.Source("max_iterations")
			if tc.want == "" {
				if src.Kind != SourceDefault {
					t.Fatalf("source = %s, want default", src)
				}
				return
			}
			if src.Kind != SourceUserFile || src.Name != filepath.Join(s.home, tc.want) {
				t.Fatalf("source = %s, want user file %s", src, tc.want)
			}
		})
	}
}

func TestProjectFileOrder(t *testing.T) {
	s := newSandbox(t)
	for i, f := range []string{".looper.toml", "looper.toml", ".looper/looper.toml"} {
		s.write(filepath.Join(s.project, f), "max_iterations = "+string(rune('2'+i))+"\n")
		c := s.mustLoad("")
		if c.Source("max_iterations").Name != filepath.Join(s.project, f) {
			t.Errorf("with %s present, read %s", f, c.Source("max_iterations"))
		}
	}
	var loaded []string
	for _, f := range s.mustLoad("").Files {
		if f.Loaded {
			loaded = append(loaded, f.Kind.String())
		}
	}
	if !slices.Equal(loaded, []string{"project file"}) {
		t.Errorf("loaded files = %v, want only the project file", loaded)
	}
}

// TestHomeIsProject: working in the home directory, ~/.looper/looper.toml is
// the user file and the project file at once; it is read once, as the
// project file.
func TestHomeIsProject(t *testing.T) {
	s := newSandbox(t)
	s.write(filepath.Join(s.home, ".looper", "looper.toml"), "schedule = \"odd-even\"\n")
	c, err := Load(Options{Dir: s.home, Home: s.home})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Warnings) != 1 || c.Warnings[0].Source.Kind != SourceProjectFile {
		t.Fatalf("warnings = %v, want one, from the project file", c.Warnings)
	}
	if len(c.Files) != 1 || c.Files[0].Kind != SourceProjectFile || !c.Files[0].Loaded {
		t.Fatalf("files = %v, want the project file only", c.Files)
	}
}

// TestNoHome: without a home directory there is no user file, and nothing
// relative to the working directory is mistaken for one.
func TestNoHome(t *testing.T) {
	s := newSandbox(t)
	s.write(filepath.Join(s.project, ".config", "looper", "looper.toml"), "max_iterations = 3\n")
	t.Setenv("HOME", "") // os.UserHomeDir fails
	c, err := Load(Options{Dir: s.project, Home: "", LookupEnv: func(string) (string, bool) { return "", false }})
	if err != nil {
		t.Fatal(err)
	}
	if c.MaxIterations != 50 || len(c.Files) != 1 {
		t.Fatalf("max_iterations %d, files %v", c.MaxIterations, c.Files)
	}
}

func TestEnvironment(t *testing.T) {
	s := newSandbox(t)
	env := map[string]string{
		"LOOPER_TODO": "tasks.json", "LOOPER_SCHEMA": "s.json", "LOOPER_BASE_DIR": "/base", "LOOPER_LOG_DIR": "/logs",
		"LOOPER_PROMPT": "a todo app", "LOOPER_WORKFLOW": "traditional", "LOOPER_MAX_ITERATIONS": "9",
		"LOOPER_APPLY_SUMMARY": "off", "LOOPER_GIT_INIT": "no", "LOOPER_HOOK": "notify", "LOOPER_LOOP_DELAY": "2",
		"CODEX_BIN": "/opt/codex", "CLAUDE_BIN": "/opt/claude", "CODEX_MODEL": "o3", "CLAUDE_MODEL": "opus",
		"CODEX_REASONING": "low", "CODEX_REASONING_EFFORT": "high", "CODEX_ARGS": "--a, --b", "CLAUDE_ARGS": "--c",
		"LOOPER_LOG_LEVEL": "debug", "LOOPER_LOG_FORMAT": "json", "LOOPER_LOG_TIMESTAMPS": "1", "LOOPER_LOG_CALLER": "yes",
		"LOOPER_PARALLEL": "true", "LOOPER_MAX_TASKS": "3", "LOOPER_MAX_AGENTS_PER_TASK": "2",
		"LOOPER_PARALLEL_STRATEGY": "dependency", "LOOPER_FAIL_FAST": "on", "LOOPER_OUTPUT_MODE": "buffered",
	}
	for k, v := range env {
		t.Setenv(k, v)
	}
	c := s.mustLoad("")
	want := Defaults()
	want.TodoFile, want.SchemaFile, want.LogDir = "tasks.json", "s.json", "/logs"
	want.Prompt, want.MaxIterations, want.ApplySummary, want.GitInit = "a todo app", 9, false, false
	want.HookCommand, want.LoopDelaySeconds = "notify", 2
	want.LogLevel, want.LogFormat, want.LogTimestamps, want.LogCaller = "debug", "json", true, true
	want.Parallel.Enabled, want.Parallel.MaxTasks, want.Parallel.MaxAgentsPerTask = true, 3, 2
	want.Parallel.Strategy, want.Parallel.FailFast, want.Parallel.OutputMode = StrategyDependency, true, OutputBuffered
	cl, cx := want.Agents["claude"], want.Agents["codex"]
	cl.Binary, cl.Model, cl.Args = "/opt/claude", "opus", []string{"--c"}
	cx.Binary, cx.Model, cx.Reasoning, cx.Args = "/opt/codex", "o3", "high", []string{"--a", "--b"}
	want.Agents["claude"], want.Agents["codex"] = cl, cx
	if d := cmp.Diff(values(want), values(c)); d != "" {
		t.Errorf("values (-want +got):\n%s", d)
	}
	for key, v := range map[string]string{"log_dir": "LOOPER_LOG_DIR", "agents.codex.reasoning": "CODEX_REASONING_EFFORT", "prompt": "LOOPER_PROMPT"} {
		if got := c.Source(key); got.Kind != SourceEnv || got.Name != v {
			t.Errorf("%s from %s, want env %s", key, got, v)
		}
	}
}

// values is every setting's value by key, for comparing configurations.
func values(c *Config) map[string]any {
	m := map[string]any{}
	for _, s := range c.Settings() {
		m[s.Key] = s.Value
	}
	return m
}

func TestEmptyEnvironmentIsUnset(t *testing.T) {
	s := newSandbox(t)
	s.write(filepath.Join(s.project, "looper.toml"), "hook_command = \"notify\"\n")
	t.Setenv("LOOPER_HOOK", "")
	if c := s.mustLoad(""); c.HookCommand != "notify" {
		t.Fatalf("hook_command = %q; an empty LOOPER_HOOK must not clear it", c.HookCommand)
	}
}

func TestEnvironmentErrors(t *testing.T) {
	for _, tc := range []struct{ name, value, want string }{
		{"LOOPER_MAX_TASKS", "four", `env LOOPER_MAX_TASKS: parallel.max_tasks: LOOPER_MAX_TASKS="four": got "four"; want a whole number ≥ 0`},
		{"LOOPER_MAX_TASKS", "-2", `got -2; want a whole number ≥ 0`},
		{"LOOPER_PARALLEL", "maybe", `LOOPER_PARALLEL="maybe": got "maybe"; want one of 1, true, yes, on, 0, false, no, off`},
		{"LOOPER_PARALLEL_STRATEGY", "fast", `got "fast"; want one of "priority", "dependency", "mixed"`},
		{"LOOPER_OUTPUT_MODE", "quiet", `want one of "multiplexed", "buffered", "summary"`},
		{"LOOPER_MAX_ITERATIONS", "-1", `want a whole number ≥ 0`},
		{"LOOPER_LOG_LEVEL", "loud", `want one of "debug", "info", "warn", "error", "fatal"`},
	} {
		t.Run(tc.name+"="+tc.value, func(t *testing.T) {
			s := newSandbox(t)
			t.Setenv(tc.name, tc.value)
			_, err := s.load("")
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestFlagErrors(t *testing.T) {
	for _, tc := range []struct {
		ov   Override
		want string
	}{
		{Override{Key: "parallel.max_tasks", Value: -1, Flag: "--max-tasks"}, "flag --max-tasks: parallel.max_tasks: got -1; want a whole number ≥ 0"},
		{Override{Key: "parallel.strategy", Value: "random", Flag: "--strategy"}, `flag --strategy: parallel.strategy: got "random"; want one of "priority", "dependency", "mixed"`},
		{Override{Key: "parallel.isolation", Value: "docker", Flag: "--isolation"}, `want one of "auto", "worktree", "none"`},
		{Override{Key: "parallel.quorum", Value: -3, Flag: "--quorum"}, "got -3; want a whole number ≥ 0"},
	} {
		err := CheckOverride(tc.ov)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("CheckOverride(%v) = %v, want %q", tc.ov, err, tc.want)
		}
	}
	if err := CheckOverride(Override{Key: "parallel.max_agents_per_task", Value: 3, Flag: "--max-agents"}); err != nil {
		t.Errorf("valid flag: %v", err)
	}
}

func TestExplicitFileMissing(t *testing.T) {
	s := newSandbox(t)
	_, err := s.load(filepath.Join(s.project, "nope.toml"))
	if err == nil || !strings.Contains(err.Error(), "flag --config:") || !strings.Contains(err.Error(), "name an existing TOML file") {
		t.Fatalf("error = %v", err)
	}
}

func TestCrossKeyChecks(t *testing.T) {
	for _, tc := range []struct {
		name, file string
		want       []string
	}{
		{"undefined role", "[roles]\nreview = \"codx\"\n",
			[]string{`looper.toml:2: roles.review: agent "codx" is not defined (did you mean "codex"?); or add an [agents.codx] table with binary and format`}},
		{"undefined slot agent", "[parallel]\nagents = [\"claude\", \"gemini\"]\n",
			[]string{`looper.toml:2: parallel.agents: agent "gemini" is not defined; use one of "claude", "codex", or add an [agents.gemini] table with binary and format`}},
		{"generic agent incomplete", "\n[agents.aider]\nmodel = \"x\"\n",
			[]string{`looper.toml:2: agents.aider: a generic agent needs binary = "<command>"`,
				`looper.toml:2: agents.aider: a generic agent needs format = one of "claude", "codex", "text" (the output it prints)`}},
		{"built-in with foreign format", "[agents.codex]\nformat = \"claude\"\n",
			[]string{`looper.toml:2: agents.codex.format: codex always prints its own format; remove format (it is for generic agents), or define a generic agent under another name`}},
		{"empty built-in binary", "[agents.claude]\nbinary = \"\"\n",
			[]string{`looper.toml:2: agents.claude.binary: is empty; remove it to use "claude" from PATH, or name the executable`}},
		{"slots disagree", "[parallel]\nmax_agents_per_task = 2\nagents = [\"claude\", \"codex\", \"claude\"]\n",
			[]string{`looper.toml:3: parallel.agents: names 3 agents but max_agents_per_task is 2 (project file `}},
		{"quorum too high", "[parallel]\nmax_agents_per_task = 2\nquorum = 3\n",
			[]string{`looper.toml:3: parallel.quorum: 3 can never be met with max_agents_per_task = 2; use 0 to 2`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSandbox(t)
			s.write(filepath.Join(s.project, "looper.toml"), tc.file)
			_, err := s.load("")
			var cerr *Error
			if !errors.As(err, &cerr) {
				t.Fatalf("error = %v, want *Error", err)
			}
			if len(cerr.Problems) != len(tc.want) {
				t.Fatalf("problems:\n%v\nwant %d", err, len(tc.want))
			}
			for i, w := range tc.want {
				if got := cerr.Problems[i].String(); !strings.Contains(got, w) {
					t.Errorf("problem %d = %q, want it to contain %q", i, got, w)
				}
			}
		})
	}
}

func TestDerivedValues(t *testing.T) {
	s := newSandbox(t)
	s.write(filepath.Join(s.project, "looper.toml"), "workflow = \"parallel\"\n[parallel]\nagents = \"claude, CODEX ,claude\"\n")
	c := s.mustLoad("")
	if !c.Parallel.Enabled || c.Source("parallel.enabled").Kind != SourceDerived {
		t.Errorf("workflow = parallel: enabled = %v from %s", c.Parallel.Enabled, c.Source("parallel.enabled"))
	}
	if !slices.Equal(c.Parallel.Agents, []string{"claude", "codex", "claude"}) {
		t.Errorf("agents = %q, want lower-cased and trimmed", c.Parallel.Agents)
	}
	if c.Parallel.MaxAgentsPerTask != 3 || !strings.Contains(c.Source("parallel.max_agents_per_task").String(), "derived from parallel.agents") {
		t.Errorf("max_agents_per_task = %d from %s, want 3 derived", c.Parallel.MaxAgentsPerTask, c.Source("parallel.max_agents_per_task"))
	}
	if got := c.RoleAgents(); !slices.Equal(got, []string{"claude", "codex"}) {
		t.Errorf("RoleAgents = %v", got)
	}
	// An explicit enabled = false beats workflow = "parallel".
	s.write(filepath.Join(s.project, "looper.toml"), "workflow = \"parallel\"\n[parallel]\nenabled = false\n")
	if c := s.mustLoad(""); c.Parallel.Enabled {
		t.Error("explicit enabled = false lost to workflow = parallel")
	}
}

func TestUpstreamFileLoadsWithWarnings(t *testing.T) {
	s := newSandbox(t)
	data, err := os.ReadFile(filepath.Join("..", "testdata", "configs", "upstream-looper.toml"))
	if err != nil {
		t.Fatal(err)
	}
	s.write(filepath.Join(s.project, ".looper", "looper.toml"), string(data))
	c := s.mustLoad("")
	var got []string
	for _, w := range c.Warnings {
		got = append(got, filepath.Base(w.Source.Name)+":"+strconv.Itoa(w.Source.Line)+" "+w.Key)
	}
	want := []string{
		"looper.toml:10 schedule", "looper.toml:11 repair_agent", "looper.toml:12 review_agent",
		"looper.toml:34 agents.codex.parser", "looper.toml:41 agents.claude.parser",
		"looper.toml:51 workflows.code-review", "looper.toml:55 plugins.amp",
		"looper.toml:40 agents.claude.prompt_format", "looper.toml:33 agents.codex.prompt_format",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("warnings (-want +got):\n%s", d)
	}
	if c.TodoFile != "to-do.json" || c.Roles.Iter != "codex" || c.Agents["codex"].Reasoning != "high" {
		t.Errorf("values not applied: todo %q iter %q reasoning %q", c.TodoFile, c.Roles.Iter, c.Agents["codex"].Reasoning)
	}
	if a := c.Agents["claude"].Args; !slices.Equal(a, []string{"--max-turns", "50"}) {
		t.Errorf("comma-separated args = %q", a)
	}
	if c.Parallel.MaxAgentsPerTask != 1 {
		t.Errorf("upstream's max_agents_per_task = 0 read as %d, want 1", c.Parallel.MaxAgentsPerTask)
	}
}

func TestUpstreamNestedAgents(t *testing.T) {
	s := newSandbox(t)
	data, err := os.ReadFile(filepath.Join("..", "testdata", "configs", "upstream-nested-agents.toml"))
	if err != nil {
		t.Fatal(err)
	}
	s.write(filepath.Join(s.project, "looper.toml"), string(data))
	c := s.mustLoad("")
	if a := c.Agents["codex"]; a.Binary != "codex-nightly" || a.Model != "o3" {
		t.Errorf("nested agent table not applied: %+v", a)
	}
	if len(c.Warnings) != 1 || c.Warnings[0].Key != "agents.agents" || c.Warnings[0].Source.Line != 5 {
		t.Errorf("warnings = %v", c.Warnings)
	}
	if _, ok := c.Agents["agents"]; ok {
		t.Error(`legacy nesting defined an agent named "agents"`)
	}
}

func TestVerifiedVotingFixture(t *testing.T) {
	s := newSandbox(t)
	data, err := os.ReadFile(filepath.Join("..", "testdata", "configs", "verified-voting.toml"))
	if err != nil {
		t.Fatal(err)
	}
	s.write(filepath.Join(s.project, "looper.toml"), string(data))
	c := s.mustLoad("")
	if len(c.Warnings) != 0 {
		t.Errorf("warnings: %v", c.Warnings)
	}
	p := c.Parallel
	if p.MaxAgentsPerTask != 3 || p.Quorum != 2 || p.Retries != 1 || p.Isolation != "worktree" || p.Verify != "go test ./..." {
		t.Errorf("parallel = %+v", p)
	}
	aider := c.Agents["aider"]
	if aider.Format != "text" || aider.PromptFormat != "arg" || aider.Timeout != 45*time.Minute || aider.IdleTimeout != 5*time.Minute {
		t.Errorf("aider = %+v", aider)
	}
	if !slices.Equal(aider.Env, []string{"AIDER_DARK_MODE=false", "OPENAI_API_BASE=http://localhost:8080"}) {
		t.Errorf("aider env = %q", aider.Env)
	}
	if c.VerifyCommand([]string{"x", "ui tests"}) != "npm test" || c.VerifyCommand([]string{"x"}) != "go test ./..." {
		t.Errorf("VerifyCommand by tag wrong: %v", c.Verify.ByTag)
	}
	if c.Verify.Timeout != 15*time.Minute || !slices.Equal(c.Worktree.Copy, []string{".env", "config/local.json"}) {
		t.Errorf("verify/worktree = %+v %+v", c.Verify, c.Worktree)
	}
	if c.Agents["codex"].Sandbox != "workspace-write" || c.Agents["claude"].PermissionMode != "acceptEdits" {
		t.Errorf("policy keys lost")
	}
	if got := c.AgentNames(); !slices.Equal(got, []string{"claude", "codex", "aider"}) {
		t.Errorf("AgentNames = %v", got)
	}
}

func TestInapplicableAgentKeysWarn(t *testing.T) {
	s := newSandbox(t)
	s.write(filepath.Join(s.project, "looper.toml"), "[agents.claude]\nsandbox = \"read-only\"\n[agents.codex]\npermission_mode = \"plan\"\n")
	c := s.mustLoad("")
	var got []string
	for _, w := range c.Warnings {
		got = append(got, w.String())
	}
	want := []string{
		filepath.Join(s.project, "looper.toml") + ":2: agents.claude.sandbox: ignored: sandbox applies to codex only",
		filepath.Join(s.project, "looper.toml") + ":4: agents.codex.permission_mode: ignored: permission_mode applies to claude only",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
}

func TestPaths(t *testing.T) {
	s := newSandbox(t)
	c := s.mustLoad("")
	if got, want := c.TodoPath(s.project), filepath.Join(s.project, ".looper", "todo.json"); got != want {
		t.Errorf("TodoPath with nothing = %s, want %s", got, want)
	}
	s.write(filepath.Join(s.project, "to-do.json"), "{}")
	if got, want := c.TodoPath(s.project), filepath.Join(s.project, "to-do.json"); got != want {
		t.Errorf("TodoPath with to-do.json = %s, want %s", got, want)
	}
	s.write(filepath.Join(s.project, ".looper", "todo.json"), "{}")
	if got, want := c.TodoPath(s.project), filepath.Join(s.project, ".looper", "todo.json"); got != want {
		t.Errorf("TodoPath with both = %s, want %s", got, want)
	}
	t.Setenv("LOOPER_TODO", "work/tasks.json")
	c = s.mustLoad("")
	if got, want := c.TodoPath(s.project), filepath.Join(s.project, "work", "tasks.json"); got != want {
		t.Errorf("TodoPath configured = %s, want %s", got, want)
	}
	if got, want := c.LogDirPath(s.project), filepath.Join(s.home, ".looper"); got != want {
		t.Errorf("LogDirPath = %s, want %s", got, want)
	}
	t.Setenv("LOGROOT", "/var/log")
	t.Setenv("LOOPER_LOG_DIR", "$LOGROOT/looper")
	if got := s.mustLoad("").LogDirPath(s.project); got != "/var/log/looper" {
		t.Errorf("LogDirPath with $VAR = %s", got)
	}
	if c.SchemaPath(s.project) != "" {
		t.Errorf("SchemaPath default = %q, want empty", c.SchemaPath(s.project))
	}
}

func TestClone(t *testing.T) {
	c := Defaults()
	d := c.Clone()
	d.Parallel.Agents = append(d.Parallel.Agents, "x")
	a := d.Agents["claude"]
	a.Args = append(a.Args, "--x")
	d.Agents["claude"] = a
	d.Verify.ByTag["t"] = "x"
	if len(c.Parallel.Agents) != 0 || len(c.Agents["claude"].Args) != 0 || len(c.Verify.ByTag) != 0 {
		t.Error("Clone shares state with the original")
	}
}

// BenchmarkLoad measures a full load: user and project files (the project
// file is the complete example), environment, checks.
func BenchmarkLoad(b *testing.B) {
	root := b.TempDir()
	home, project := filepath.Join(root, "home"), filepath.Join(root, "project")
	for p, text := range map[string][]byte{
		filepath.Join(home, ".looper", "looper.toml"):    []byte("[agents.codex]\nmodel = \"o3\"\n"),
		filepath.Join(project, ".looper", "looper.toml"): ExampleTOML(),
	} {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(p, text, 0o644); err != nil {
			b.Fatal(err)
		}
	}
	env := func(string) (string, bool) { return "", false }
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Load(Options{Dir: project, Home: home, LookupEnv: env}); err != nil {
			b.Fatal(err)
		}
	}
}

// TestAgentGrace checks [agents.<name>] grace: 10s by default, a duration
// or "0" (SIGKILL at once), and anything else an error naming the file and
// line.
func TestAgentGrace(t *testing.T) {
	s := newSandbox(t)
	if g := s.mustLoad("").Agents["claude"].Grace; g != 10*time.Second {
		t.Errorf("default grace = %s, want 10s", g)
	}
	s.write(filepath.Join(s.project, "looper.toml"), "[agents.claude]\ngrace = \"1500ms\"\n[agents.codex]\ngrace = \"0\"\n")
	c := s.mustLoad("")
	if g := c.Agents["claude"].Grace; g != 1500*time.Millisecond {
		t.Errorf("claude grace = %s, want 1.5s", g)
	}
	if g := c.Agents["codex"].Grace; g != 0 {
		t.Errorf("codex grace = %s, want 0", g)
	}
	for _, bad := range []string{`"-1s"`, `"soon"`, `10`} {
		s.write(filepath.Join(s.project, "looper.toml"), "[agents.claude]\n\ngrace = "+bad+"\n")
		_, err := s.load("")
		if err == nil || !strings.Contains(err.Error(), "looper.toml:3") || !strings.Contains(err.Error(), "agents.claude.grace") {
			t.Errorf("grace = %s: error = %v, want one naming looper.toml:3 and agents.claude.grace", bad, err)
		}
	}
}

// TestPermissionModeChecked: Claude Code 2.1.328 rejects "delegate" (exit 1),
// so loading the config must refuse it, at its file and line, with the
// modes Claude accepts; every accepted mode loads.
func TestPermissionModeChecked(t *testing.T) {
	s := newSandbox(t)
	file := s.write(filepath.Join(s.project, "looper.toml"), "[agents.claude]\nmodel = \"opus\"\npermission_mode = \"delegate\"\n")
	_, err := s.load("")
	want := file + `:3: agents.claude.permission_mode: got "delegate"; want one of "", "acceptEdits", "auto", "bypassPermissions", "default", "dontAsk", "manual", "plan"`
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("error = %v\nwant it to contain %s", err, want)
	}
	for _, mode := range []string{"acceptEdits", "auto", "bypassPermissions", "default", "dontAsk", "manual", "plan"} {
		s.write(file, "[agents.claude]\npermission_mode = \""+mode+"\"\n")
		if c := s.mustLoad(""); c.Agents["claude"].PermissionMode != mode {
			t.Errorf("permission_mode %q loaded as %q", mode, c.Agents["claude"].PermissionMode)
		}
	}
}

// The roles left unset follow roles.iter; one set keeps its agent.
func TestRolesFollowIter(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, ".looper"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, ".looper", "looper.toml"), []byte("[roles]\niter = \"codex\"\nreview = \"claude\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := Load(Options{Dir: dir, Home: t.TempDir(), LookupEnv: func(string) (string, bool) { return "", false }})
	if err != nil {
		t.Fatal(err)
	}
	if c.Roles.Iter != "codex" || c.Roles.Repair != "codex" || c.Roles.Bootstrap != "codex" || c.Roles.Review != "claude" {
		t.Errorf("roles = %+v, want repair and bootstrap to follow iter (codex), review kept (claude)", c.Roles)
	}
	if s := c.Source("roles.repair"); s.Kind != SourceDerived {
		t.Errorf("roles.repair's source = %v, want derived from roles.iter", s)
	}
	if d := Defaults(); d.Roles.Review != AgentClaude {
		t.Errorf("default review agent = %q", d.Roles.Review)
	}
}
