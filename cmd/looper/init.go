package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/looper-go/looper/config"
	"github.com/looper-go/looper/internal/atomicfile"
	"github.com/looper-go/looper/todo"
)

// initCmd writes a starter backlog, the bundled schema and an example
// looper.toml.
type initCmd struct {
	Force      bool `help:"Overwrite the backlog, schema and looper.toml if they exist."`
	SkipConfig bool `help:"Do not write .looper/looper.toml."`
}

func (initCmd) Help() string {
	return `Writes .looper/todo.json (or the --todo / todo_file path) with one example task, the
bundled JSON schema beside it as todo.schema.json (or at schema_file), for editors and
agents, and .looper/looper.toml: every configuration key at its default, each with its
documentation (--skip-config leaves it out). The .gitignore beside the backlog gets
looper's run-time files (the lock, temporary saves, copies of a broken backlog,
attempt worktrees), so an agent's git add -A does not commit them. Existing files are left alone unless --force
is given; then nothing is written unless all can be. A looper.toml or .looper.toml the
project already has is never shadowed by a new .looper/looper.toml.`
}

func (c *initCmd) Run(ctx context.Context, cfg *config.Config, stdout io.Writer) error {
	dir, err := workDir()
	if err != nil {
		return err
	}
	backlog := filepath.Join(dir, filepath.FromSlash(todo.DefaultPath))
	if cfg.TodoFile != "" {
		backlog = cfg.TodoPath(dir)
	}
	schema := cfg.SchemaPath(dir)
	if schema == "" {
		schema = strings.TrimSuffix(backlog, ".json") + ".schema.json"
	}
	data, err := exampleBacklog(dir).Marshal()
	if err != nil {
		return err
	}
	files := []initFile{{path: backlog, data: data}, {path: schema, data: todo.SchemaJSON}}
	configPath := filepath.Join(dir, config.ProjectFiles[0])
	if !c.SkipConfig {
		if err := checkNoOtherProjectConfig(dir); err != nil {
			return &exitError{code: exitFailure, err: err}
		}
		files = append(files, initFile{configPath, config.ExampleTOML(), " or --skip-config to keep it"})
	}

	// Check everything before writing anything.
	for _, f := range files {
		_, err := os.Stat(f.path)
		switch {
		case err == nil && !c.Force:
			return &exitError{code: exitFailure, err: fmt.Errorf("%s already exists; use --force to overwrite it%s", shortPath(dir, f.path), f.fix)}
		case err != nil && !errors.Is(err, fs.ErrNotExist):
			return &exitError{code: exitFailure, err: err}
		}
	}
	if c.Force {
		// Do not rewrite a backlog under a running looper.
		if _, err := os.Stat(backlog); err == nil {
			lock, err := todo.AcquireLock(shortPath(dir, backlog))
			if err != nil {
				return &exitError{code: exitFailure, err: err}
			}
			defer lock.Release()
		}
	}
	for _, f := range files {
		if err := os.MkdirAll(filepath.Dir(f.path), 0o755); err != nil {
			return &exitError{code: exitFailure, err: err}
		}
		if err := atomicfile.Write(f.path, f.data, 0o644); err != nil {
			return &exitError{code: exitFailure, err: err}
		}
		fmt.Fprintf(stdout, "wrote %s\n", shortPath(dir, f.path))
	}
	if msg, run := gitInitPlan(dir, cfg.GitInit); msg != "" {
		fmt.Fprintln(stdout, msg)
		if run {
			if err := gitInit(ctx, dir); err != nil {
				return &exitError{code: exitFailure, err: err}
			}
		}
	}
	if ignore, wrote, err := ensureIgnored(backlog); err != nil {
		return &exitError{code: exitFailure, err: fmt.Errorf("add looper's run-time files to %s: %w", shortPath(dir, ignore), err)}
	} else if wrote {
		fmt.Fprintf(stdout, "wrote %s (looper's lock and temporary files, so an agent's git add -A leaves them out)\n", shortPath(dir, ignore))
	}
	if !c.SkipConfig {
		for _, f := range cfg.Files {
			if f.Kind == config.SourceUserFile && f.Loaded && !sameFile(f.Path, configPath) {
				fmt.Fprintf(stdout, "note: %s sets every key, so its values win over your user config %s; delete the keys you want to take from there\n",
					shortPath(dir, configPath), f.Path)
			}
		}
	}
	fmt.Fprintf(stdout, "next: edit the tasks in %s, check them with `looper validate`, then `looper run`\n", shortPath(dir, backlog))
	fmt.Fprintln(stdout, "to watch looper work first, without an API key: `looper run --agent fake` (its fake agent writes and commits looper-fake/<task>.txt per task: not real work)")
	return nil
}

// initFile is one file init writes; fix is added to the error saying it
// exists.
type initFile struct {
	path string
	data []byte
	fix  string
}

// checkNoOtherProjectConfig refuses to create .looper/looper.toml when the
// project's config is another of the project file names: the new file
// would be read first and silently take its place.
func checkNoOtherProjectConfig(dir string) error {
	if _, err := os.Stat(filepath.Join(dir, config.ProjectFiles[0])); err == nil {
		return nil
	}
	for _, name := range config.ProjectFiles[1:] {
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			return fmt.Errorf("%s is this project's config; a new %s would be read instead of it: use --skip-config, or move %s to %s first",
				name, config.ProjectFiles[0], name, config.ProjectFiles[0])
		}
	}
	return nil
}

// sameFile reports whether a and b name the same existing file.
func sameFile(a, b string) bool {
	ai, err := os.Stat(a)
	if err != nil {
		return false
	}
	bi, err := os.Stat(b)
	return err == nil && os.SameFile(ai, bi)
}

// exampleBacklog is the starter backlog: the project named after its
// directory and one task showing the fields an agent reads.
func exampleBacklog(dir string) *todo.Backlog {
	return &todo.Backlog{
		SchemaVersion: todo.SchemaVersion,
		Project:       &todo.Project{Name: filepath.Base(dir), Root: "."},
		SourceFiles:   []string{"README.md"},
		Tasks: []todo.Task{{
			ID:          "T001",
			Title:       "Example: Add project documentation",
			Description: "Write README.md: what the project does, how to build it, how to run its tests. Replace this task with your own.",
			Reference:   "README.md",
			Priority:    1,
			Status:      todo.StatusTodo,
			Steps:       []string{"Read the code and any existing docs", "Write README.md", "Check every command in it works"},
			Tags:        []string{"docs"},
		}},
	}
}

// shortPath shows path relative to dir when it is inside it.
func shortPath(dir, path string) string {
	if rel, err := filepath.Rel(dir, path); err == nil && filepath.IsLocal(rel) {
		return rel
	}
	return path
}
