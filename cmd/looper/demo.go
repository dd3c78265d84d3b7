package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/alecthomas/kong"

	"github.com/looper-go/looper/config"
	"github.com/looper-go/looper/internal/shellquote"
	"github.com/looper-go/looper/todo"
)

// demoCmd is `looper demo`: a throwaway project with a 12-task backlog
// (dependencies, mixed durations), worked through by the fake agent with
// the real pipeline, so a newcomer sees the whole tool in one command.
type demoCmd struct {
	Dir string `placeholder:"DIR" help:"Create the demo project here (an empty or missing directory) instead of a new temporary directory."`
}

func (demoCmd) Help() string {
	return `The demo project is a git repository with a README, a backlog of 12 tasks with
dependencies, and a fake "claude" agent (looper's own fake-agent, impersonating the real
CLI) that works on each task for a fraction of a second, writes a file and commits it. It
runs with the global flags you give, and ignores your config files and environment:

  looper demo                                  sequential, as upstream looper
  looper demo --parallel --max-tasks 4         four at a time, a worktree per attempt
  looper demo --parallel --max-agents 3        three agents vote on every task
  looper demo --parallel --output-mode summary

The project is left in place afterwards so you can look at it (looper ls, git log).`
}

// demoTask is one task of the demo backlog and what the fake agent does.
type demoTask struct {
	id, title string
	priority  int
	deps      []string
	ms        int
}

var demoTasks = []demoTask{
	{"T1", "Lay out the calculator module", 1, nil, 300},
	{"T2", "Parse numbers", 2, []string{"T1"}, 900},
	{"T3", "Tokenize expressions", 2, []string{"T1"}, 600},
	{"T4", "Add and subtract", 2, []string{"T2", "T3"}, 500},
	{"T5", "Multiply and divide", 3, []string{"T2", "T3"}, 700},
	{"T6", "Write the README", 4, nil, 250},
	{"T7", "Explain errors with positions", 3, []string{"T4"}, 400},
	{"T8", "Add the command-line entry point", 3, []string{"T4", "T5"}, 800},
	{"T9", "Test the parser", 2, []string{"T2"}, 550},
	{"T10", "Benchmark evaluation", 5, []string{"T8"}, 350},
	{"T11", "Set up CI", 4, []string{"T1"}, 200},
	{"T12", "Write the release notes", 5, []string{"T6", "T8", "T10"}, 150},
}

func (c *demoCmd) Run(ctx context.Context, kctx *kong.Context, stdout io.Writer) error {
	dir := c.Dir
	if dir == "" {
		var err error
		if dir, err = os.MkdirTemp("", "looper-demo-"); err != nil {
			return err
		}
	} else if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		return fmt.Errorf("demo directory %s is not empty; give an empty or new directory", dir)
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	if err := writeDemoProject(ctx, dir); err != nil {
		return fmt.Errorf("set up the demo project in %s: %w", dir, err)
	}
	exe, err := keepExecutable(filepath.Join(dir, ".looper", "bin", "looper"))
	if err != nil {
		return fmt.Errorf("put a copy of looper in the demo project: %w", err)
	}
	wrapper := filepath.Join(dir, ".looper", "bin", "claude")
	script := fmt.Sprintf("#!/bin/sh\n# The demo's stand-in for the claude CLI: looper's fake agent.\nLOOPER_FAKE_SCENARIOS=%s exec %s fake-agent claude \"$@\"\n",
		shellquote.Quote(filepath.Join(dir, ".looper", "scenarios.json")), shellquote.Quote(exe))
	if err := os.WriteFile(wrapper, []byte(script), 0o755); err != nil {
		return err
	}

	// The demo's configuration: defaults and the flags typed, never the
	// user's files or environment, with the fake agent as claude.
	overrides := append(config.Overrides(kctx),
		config.Override{Key: "agents.claude.binary", Value: wrapper, Flag: "demo"},
		config.Override{Key: "log_dir", Value: filepath.Join(dir, ".looper", "logs"), Flag: "demo"},
	)
	cfg, err := config.Load(config.Options{
		Dir:       dir,
		Home:      filepath.Join(dir, ".looper", "home"),
		LookupEnv: func(string) (string, bool) { return "", false },
		Overrides: overrides,
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "looper demo: a 12-task project in %s\n\n", dir)
	runErr := runLoop(ctx, cfg, dir, stdout, true)
	fmt.Fprintf(stdout, "\nThe demo project is kept in %s, with a copy of this looper in .looper/bin. Look around:\n", dir)
	fmt.Fprintf(stdout, "  cd %s && .looper/bin/looper ls && git log --oneline --graph\n", shellquote.Quote(dir))
	fmt.Fprintln(stdout, "To try looper on your own project without an API key: looper init, then looper run --agent fake")
	fmt.Fprintln(stdout, "(go install ./cmd/looper puts looper on your PATH).")
	return runErr
}

// writeDemoProject creates the git repository, README, backlog and the fake
// agent's scenarios.
func writeDemoProject(ctx context.Context, dir string) error {
	if err := os.MkdirAll(filepath.Join(dir, ".looper"), 0o755); err != nil {
		return err
	}
	files := map[string]string{
		"README.md":  "# calc\n\nA tiny calculator, built task by task by looper's demo.\n",
		".gitignore": ".looper/\n",
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			return err
		}
	}
	b := &todo.Backlog{SchemaVersion: todo.SchemaVersion, Project: &todo.Project{Name: "calc", Root: "."}, SourceFiles: []string{"README.md"}}
	scenarios := map[string]any{}
	for _, t := range demoTasks {
		b.Tasks = append(b.Tasks, todo.Task{ID: t.id, Title: t.title, Priority: t.priority, Status: todo.StatusTodo, DependsOn: t.deps})
		file := "src/" + strings.ToLower(t.id) + ".txt"
		scenarios[t.id] = map[string]any{"steps": []any{
			map[string]any{"text": "Working on " + t.id + ": " + t.title + "."},
			map[string]any{"command": map[string]any{"cmd": "go test ./...", "output": "ok  \tcalc\t0.01s", "exit_code": 0}},
			map[string]any{"sleep_ms": t.ms},
			map[string]any{"write_file": map[string]any{"path": file, "content": t.title + "\n"}},
			map[string]any{"git_commit": map[string]any{"message": "feat: " + strings.ToLower(t.title[:1]) + t.title[1:]}},
			map[string]any{"summary": map[string]any{"status": "done", "summary": t.title + ": done and tested.", "files": []string{file}}},
		}}
	}
	if err := todo.Save(filepath.Join(dir, ".looper", "todo.json"), b); err != nil {
		return err
	}
	data, err := json.MarshalIndent(scenarios, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, ".looper", "scenarios.json"), data, 0o644); err != nil {
		return err
	}
	for _, args := range [][]string{
		{"init", "--quiet", "-b", "main"},
		{"config", "user.name", "looper demo"},
		{"config", "user.email", "demo@looper.invalid"},
		{"config", "commit.gpgsign", "false"},
		{"add", "README.md", ".gitignore"},
		{"commit", "--quiet", "-m", "Start the calc project"},
	} {
		cmd := exec.CommandContext(ctx, "git", args...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("git %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
		}
	}
	return nil
}
