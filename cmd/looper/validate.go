package main

import (
	"context"
	"fmt"
	"io"

	"github.com/looper-go/looper/config"
	"github.com/looper-go/looper/source"
	"github.com/looper-go/looper/todo"
)

// validateCmd checks a backlog and lists every problem in it.
type validateCmd struct {
	File string `arg:"" optional:"" help:"Backlog file (default: --todo / todo_file, else .looper/todo.json or to-do.json)."`
}

func (validateCmd) Help() string {
	return `Checks the JSON syntax, the bundled schema (unknown, missing and mistyped fields,
priority 1-5, statuses, date-time timestamps), duplicate keys and ids, dependencies on
ids that do not exist, dependency cycles, and ids unsafe as file names. Every problem is
printed with its file:line:column and JSON path; the exit status is 1 if there is any.
A schema_file set in the config must be satisfied as well.`
}

func (c *validateCmd) Run(ctx context.Context, cfg *config.Config, stdout io.Writer) error {
	dir, bk, b, err := openSource(ctx, c.File, cfg)
	if err != nil {
		return err
	}
	path := bk.String()
	if schema := cfg.SchemaPath(dir); schema != "" && bk.Kind == source.KindTodo {
		if err := todo.CheckSchemaFile(path, shortPath(dir, schema)); err != nil {
			return &exitError{code: exitFailure, err: err}
		}
	}
	counts := map[todo.Status]int{}
	for _, t := range b.Tasks {
		counts[t.Status]++
	}
	_, err = fmt.Fprintf(stdout, "%s: valid, %s (%d todo, %d doing, %d blocked, %d done)\n", path, tasksText(len(b.Tasks)),
		counts[todo.StatusTodo], counts[todo.StatusDoing], counts[todo.StatusBlocked], counts[todo.StatusDone])
	return err
}
