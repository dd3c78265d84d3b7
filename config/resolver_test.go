package config

import (
	"path/filepath"
	"slices"
	"testing"

	"github.com/alecthomas/kong"
)

type testCLI struct {
	Config   string   `name:"config"`
	Parallel bool     `negatable:"" config:"parallel.enabled"`
	MaxTasks int      `config:"parallel.max_tasks"`
	Agents   []string `config:"parallel.agents"`
	Strategy string   `config:"parallel.strategy"`
	Timeout  string   `config:"verify.timeout"`
	Run      struct{} `cmd:""`
}

func parseTest(t *testing.T, s *sandbox, args ...string) (*testCLI, *kong.Context) {
	t.Helper()
	var cli testCLI
	r := &Resolver{Options: Options{Dir: s.project, Home: s.home}, FileFlag: "config"}
	p, err := kong.New(&cli, kong.Resolvers(r), kong.Exit(func(int) { t.Fatal("exit") }))
	if err != nil {
		t.Fatal(err)
	}
	kctx, err := p.Parse(args)
	if err != nil {
		t.Fatal(err)
	}
	return &cli, kctx
}

func TestResolver(t *testing.T) {
	s := newSandbox(t)
	s.write(filepath.Join(s.project, "looper.toml"), "[parallel]\nenabled = true\nmax_tasks = 2\nagents = [\"claude\", \"codex\"]\n")

	cli, kctx := parseTest(t, s, "run")
	if !cli.Parallel || cli.MaxTasks != 2 || !slices.Equal(cli.Agents, []string{"claude", "codex"}) || cli.Strategy != "priority" || cli.Timeout != "10m" {
		t.Errorf("file values not resolved: %+v", cli)
	}
	if ov := Overrides(kctx); len(ov) != 0 {
		t.Errorf("Overrides = %v, want none: nothing was typed", ov)
	}

	t.Setenv("LOOPER_MAX_TASKS", "3")
	if cli, _ := parseTest(t, s, "run"); cli.MaxTasks != 3 {
		t.Errorf("env did not win over the file: max tasks %d", cli.MaxTasks)
	}

	cli, kctx = parseTest(t, s, "--max-tasks", "5", "run", "--no-parallel")
	if cli.MaxTasks != 5 || cli.Parallel {
		t.Errorf("flags lost: %+v", cli)
	}
	want := []Override{{Key: "parallel.max_tasks", Value: 5, Flag: "--max-tasks"}, {Key: "parallel.enabled", Value: false, Flag: "--no-parallel"}}
	if got := Overrides(kctx); !slices.Equal(got, want) {
		t.Errorf("Overrides = %v, want %v", got, want)
	}

	explicit := s.write(filepath.Join(s.project, "ci.toml"), "[parallel]\nmax_tasks = 9\n")
	if cli, _ := parseTest(t, s, "run", "--config", explicit); cli.MaxTasks != 9 {
		t.Errorf("--config file not resolved: max tasks %d", cli.MaxTasks)
	}
}

// TestResolverBadConfig: a broken file must not break parsing (commands
// that never read the configuration still run); the flags stay unset.
func TestResolverBadConfig(t *testing.T) {
	s := newSandbox(t)
	s.write(filepath.Join(s.project, "looper.toml"), "[parallel]\nmax_tasks = -4\n")
	cli, _ := parseTest(t, s, "run")
	if cli.MaxTasks != 0 {
		t.Errorf("max tasks = %d from a rejected file", cli.MaxTasks)
	}
}
