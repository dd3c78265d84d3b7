package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/looper-go/looper/config"
	"github.com/looper-go/looper/todo"
)

// initCmd writes a starter backlog and the bundled schema.
type initCmd struct {
	Force bool `help:"Overwrite the backlog and schema if they exist."`
}

func (initCmd) Help() string {
	return `Writes .looper/todo.json (or the --todo / todo_file path) with one example task, and the
bundled JSON schema beside it as todo.schema.json (or at schema_file), for editors and
agents. Existing files are left alone unless --force is given; then nothing is written
unless both can be.`
}

func (c *initCmd) Run(cfg *config.Config, stdout io.Writer) error {
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
	files := []struct {
		path string
		data []byte
	}{{backlog, data}, {schema, todo.SchemaJSON}}

	// Check everything before writing anything.
	for _, f := range files {
		_, err := os.Stat(f.path)
		switch {
		case err == nil && !c.Force:
			return &exitError{code: exitFailure, err: fmt.Errorf("%s already exists; use --force to overwrite it", shortPath(dir, f.path))}
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
		if err := todo.WriteFileAtomic(f.path, f.data); err != nil {
			return &exitError{code: exitFailure, err: err}
		}
		fmt.Fprintf(stdout, "wrote %s\n", shortPath(dir, f.path))
	}
	fmt.Fprintf(stdout, "next: edit the tasks in %s, check them with `looper validate`, then `looper run`\n", shortPath(dir, backlog))
	return nil
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
