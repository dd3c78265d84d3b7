package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/alecthomas/kong"

	"github.com/looper-go/looper/config"
)

// probeCLI has one command that asks for the configuration and one that
// does not, around the real global flags.
type probeCLI struct {
	globalFlags `embed:""`
	Probe       probeCmd `cmd:""`
	Plain       plainCmd `cmd:""`
}

type probeCmd struct{ got *config.Config }

func (p *probeCmd) Run(cfg *config.Config) error { p.got = cfg; return nil }

type plainCmd struct{ ran bool }

func (p *plainCmd) Run() error { p.ran = true; return nil }

// probe parses and runs args in a fresh project directory holding the
// given project file ("" for none), the way run does.
func probe(t *testing.T, projectFile string, args ...string) (cli *probeCLI, stderr string, err error) {
	t.Helper()
	dir := t.TempDir()
	t.Chdir(dir)
	t.Setenv("HOME", filepath.Join(dir, "home"))
	t.Setenv("XDG_CONFIG_HOME", "")
	for _, e := range []string{"LOOPER_PARALLEL", "LOOPER_MAX_TASKS"} {
		t.Setenv(e, "")
	}
	if projectFile != "" {
		if err := os.WriteFile(filepath.Join(dir, "looper.toml"), []byte(projectFile), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cli = &probeCLI{}
	var errOut bytes.Buffer
	parser, perr := newParser(cli, io.Discard, &errOut, kong.Exit(func(int) { t.Fatal("exit") }))
	if perr != nil {
		t.Fatal(perr)
	}
	kctx, perr := parser.Parse(args)
	if perr != nil {
		t.Fatal(perr)
	}
	if err = bindConfig(kctx, &cli.globalFlags, &errOut); err == nil {
		err = kctx.Run()
	}
	return cli, errOut.String(), err
}

// TestConfigIsLazy: a broken config file fails the commands that use the
// configuration, with file and line, and no others.
func TestConfigIsLazy(t *testing.T) {
	broken := "[parallel]\nmax_taks = 2\n"
	cli, _, err := probe(t, broken, "plain")
	if err != nil || !cli.Plain.ran {
		t.Fatalf("plain command with a broken config: ran %v, err %v", cli.Plain.ran, err)
	}
	_, _, err = probe(t, broken, "probe")
	if err == nil || !strings.Contains(err.Error(), `looper.toml:2: parallel.max_taks: unknown key (did you mean "max_tasks"?)`) {
		t.Fatalf("probe with a broken config: err = %v", err)
	}
}

func TestConfigFlagsAnywhere(t *testing.T) {
	for _, args := range [][]string{
		{"--parallel", "--max-tasks", "3", "probe"},
		{"probe", "--parallel", "--max-tasks=3"},
		{"--parallel", "probe", "--max-tasks", "3"},
	} {
		cli, _, err := probe(t, "[parallel]\nenabled = false\nmax_tasks = 1\n", args...)
		if err != nil {
			t.Fatalf("%q: %v", args, err)
		}
		c := cli.Probe.got
		if !c.Parallel.Enabled || c.Parallel.MaxTasks != 3 || c.Source("parallel.enabled").String() != "flag --parallel" {
			t.Errorf("%q: enabled %v max_tasks %d from %s", args, c.Parallel.Enabled, c.Parallel.MaxTasks, c.Source("parallel.enabled"))
		}
		// The resolver filled the flag fields, too.
		if !cli.Parallel || cli.MaxTasks != 3 || cli.Strategy != "priority" {
			t.Errorf("%q: flag fields %v %d %q", args, cli.Parallel, cli.MaxTasks, cli.Strategy)
		}
	}
}

func TestConfigWarningsPrinted(t *testing.T) {
	_, stderr, err := probe(t, "schedule = \"odd-even\"\n", "probe")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stderr, "looper: warning: ") || !strings.Contains(stderr, "looper.toml:1: schedule: ignored") {
		t.Errorf("stderr = %q", stderr)
	}
	_, stderr, _ = probe(t, "schedule = \"odd-even\"\n", "plain")
	if stderr != "" {
		t.Errorf("a command without the configuration printed %q", stderr)
	}
}

func TestConfigBadFlagIsUsageError(t *testing.T) {
	_, _, err := probe(t, "", "plain", "--quorum=-1")
	if err == nil || !strings.Contains(err.Error(), "flag --quorum: parallel.quorum: got -1; want a whole number ≥ 0") {
		t.Fatalf("err = %v", err)
	}
}

// TestEveryGlobalFlagHasAKey: each config-tagged flag names a real key, and
// every environment variable upstream reads has a flag or is file-only.
func TestEveryGlobalFlagHasAKey(t *testing.T) {
	var root cli
	parser, err := newParser(&root, io.Discard, io.Discard, kong.Exit(func(int) {}))
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string]bool{}
	for _, f := range parser.Model.Node.Flags {
		key := f.Tag.Get(config.Tag)
		if key == "" {
			continue
		}
		keys[key] = true
		config.Enum(key) // panics on an unknown key
	}
	for _, want := range []string{"todo_file", "schema_file", "log_dir", "max_iterations", "apply_summary", "git_init", "hook_command",
		"loop_delay_seconds", "log_level", "log_format", "parallel.enabled", "parallel.max_tasks", "parallel.max_agents_per_task",
		"parallel.strategy", "parallel.fail_fast", "parallel.output_mode", "agents.codex.binary", "agents.claude.binary",
		"agents.codex.model", "agents.claude.model", "agents.codex.reasoning", "agents.codex.args", "agents.claude.args",
		"prompt", "parallel.agents", "parallel.verify", "parallel.quorum", "parallel.retries", "parallel.isolation"} {
		if !keys[want] {
			t.Errorf("no global flag for %s", want)
		}
	}
}

// TestExitCodes: a bad flag value is a usage error (2); an invalid config
// file fails the commands that read it (1), naming file and line.
func TestExitCodes(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	t.Setenv("HOME", dir)
	var errOut bytes.Buffer
	if code := run(context.Background(), []string{"version", "--strategy", "fastest"}, io.Discard, &errOut); code != exitUsage {
		t.Errorf("bad --strategy: exit %d, want %d (%s)", code, exitUsage, errOut.String())
	}
	if err := os.WriteFile(filepath.Join(dir, "looper.toml"), []byte("\n[parallel]\nmax_tasks = -1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	errOut.Reset()
	if code := run(context.Background(), []string{"config"}, io.Discard, &errOut); code != exitFailure ||
		!strings.Contains(errOut.String(), "looper.toml:3: parallel.max_tasks: got -1; want a whole number ≥ 0") {
		t.Errorf("invalid file: exit %d, stderr %q", code, errOut.String())
	}
	if code := run(context.Background(), []string{"version"}, io.Discard, io.Discard); code != exitOK {
		t.Errorf("version with an invalid file: exit %d", code)
	}
}
