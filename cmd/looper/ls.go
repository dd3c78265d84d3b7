package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/looper-go/looper/config"
	"github.com/looper-go/looper/todo"
)

// lsCmd lists the backlog grouped by status, as upstream's `looper ls`.
type lsCmd struct {
	Status  string `arg:"" optional:"" predictor:"status" help:"Show only this status: todo, doing, blocked or done. A file name here is taken as the file."`
	File    string `arg:"" optional:"" help:"Backlog file (default: --todo / todo_file, else .looper/todo.json or to-do.json)."`
	JSON    bool   `help:"Print JSON: the file, counts, the next task and the tasks with a ready flag."`
	Verbose bool   `short:"v" help:"Also print each task's details, blockers and files."`
}

func (lsCmd) Help() string {
	return `Tasks are grouped todo, doing, blocked, done and sorted by priority, then id (T2 before
T10). Each line shows the id, the priority, the title and the dependencies, marking those
not done yet. The last line names the task a sequential run would pick next.`
}

// Validate accepts `ls FILE` for `ls "" FILE`, as upstream does.
func (c *lsCmd) Validate() error {
	if c.Status == "" || todo.Status(c.Status).Valid() {
		return nil
	}
	if c.File != "" {
		return fmt.Errorf("%q is not a status; use todo, doing, blocked or done", c.Status)
	}
	c.Status, c.File = "", c.Status
	return nil
}

func (c *lsCmd) Run(ctx context.Context, cfg *config.Config, stdout io.Writer) error {
	_, bk, b, err := openSource(ctx, c.File, cfg)
	if err != nil {
		return err
	}
	path := bk.String()
	groups := groupTasks(b)
	next := b.Select()
	if c.JSON {
		return writeLsJSON(stdout, path, b, groups, next, todo.Status(c.Status))
	}
	return writeLsText(stdout, b, groups, next, todo.Status(c.Status), c.Verbose)
}

// groupTasks returns the tasks by status, each group sorted by priority,
// then id.
func groupTasks(b *todo.Backlog) map[todo.Status][]*todo.Task {
	groups := map[todo.Status][]*todo.Task{}
	for i := range b.Tasks {
		t := &b.Tasks[i]
		groups[t.Status] = append(groups[t.Status], t)
	}
	for _, g := range groups {
		slices.SortStableFunc(g, func(x, y *todo.Task) int {
			if x.Priority != y.Priority {
				return x.Priority - y.Priority
			}
			return todo.CompareIDs(x.ID, y.ID)
		})
	}
	return groups
}

func writeLsText(w io.Writer, b *todo.Backlog, groups map[todo.Status][]*todo.Task, next *todo.Task, only todo.Status, verbose bool) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	shown := 0
	for _, st := range todo.Statuses() {
		if only != "" && st != only {
			continue
		}
		g := groups[st]
		if len(g) == 0 {
			continue
		}
		if shown > 0 {
			fmt.Fprintln(tw)
		}
		shown++
		fmt.Fprintf(tw, "%s (%d)\n", st, len(g))
		for _, t := range g {
			fmt.Fprintf(tw, "  %s\tP%d\t%s", t.ID, t.Priority, oneLine(t.Title))
			if len(t.DependsOn) > 0 {
				fmt.Fprintf(tw, "\tdeps: %s", depsText(b, t))
			}
			fmt.Fprintln(tw)
			if verbose {
				writeTaskDetails(tw, t)
			}
		}
	}
	if shown == 0 {
		if only != "" {
			fmt.Fprintf(tw, "no %s tasks\n", only)
		} else {
			fmt.Fprintln(tw, "no tasks")
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	counts := make([]string, 0, 4)
	for _, st := range todo.Statuses() {
		counts = append(counts, fmt.Sprintf("%d %s", len(groups[st]), st))
	}
	fmt.Fprintf(w, "\n%s: %s\n", tasksText(len(b.Tasks)), strings.Join(counts, ", "))
	if next != nil {
		fmt.Fprintf(w, "next: %s %s\n", next.ID, oneLine(next.Title))
	} else {
		fmt.Fprintln(w, "next: none (every task is done or waits on one that is not)")
	}
	return nil
}

// depsText lists a task's dependencies, marking those not done yet with
// their status ("missing" for an unknown id).
func depsText(b *todo.Backlog, t *todo.Task) string {
	parts := make([]string, len(t.DependsOn))
	for i, d := range t.DependsOn {
		parts[i] = d
		switch dt := b.Task(d); {
		case dt == nil:
			parts[i] += " (missing)"
		case dt.Status != todo.StatusDone:
			parts[i] += " (" + string(dt.Status) + ")"
		}
	}
	return strings.Join(parts, ", ")
}

func writeTaskDetails(w io.Writer, t *todo.Task) {
	if t.Details != "" {
		for _, line := range strings.Split(strings.TrimSpace(t.Details), "\n") {
			fmt.Fprintf(w, "      %s\n", line)
		}
	}
	for _, bl := range t.Blockers {
		fmt.Fprintf(w, "      blocker: %s\n", oneLine(bl))
	}
	if len(t.Files) > 0 {
		fmt.Fprintf(w, "      files: %s\n", strings.Join(t.Files, ", "))
	}
}

// tasksText is "1 task" or "n tasks".
func tasksText(n int) string {
	if n == 1 {
		return "1 task"
	}
	return fmt.Sprintf("%d tasks", n)
}

// oneLine keeps a title on its line of the listing.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// lsJSON is the shape of `looper ls --json`.
type lsJSON struct {
	File   string              `json:"file"`
	Counts map[todo.Status]int `json:"counts"`
	Next   *string             `json:"next"`
	Tasks  []lsTaskJSON        `json:"tasks"`
}

// lsTaskJSON is a task as in the file, plus whether its dependencies are
// all done.
type lsTaskJSON struct {
	todo.Task
	Ready bool `json:"ready"`
}

func writeLsJSON(w io.Writer, path string, b *todo.Backlog, groups map[todo.Status][]*todo.Task, next *todo.Task, only todo.Status) error {
	out := lsJSON{File: path, Counts: map[todo.Status]int{}, Tasks: []lsTaskJSON{}}
	for _, st := range todo.Statuses() {
		out.Counts[st] = len(groups[st])
		if only != "" && st != only {
			continue
		}
		for _, t := range groups[st] {
			out.Tasks = append(out.Tasks, lsTaskJSON{Task: *t, Ready: t.Status != todo.StatusDone && b.DependenciesDone(t.ID)})
		}
	}
	if next != nil {
		out.Next = &next.ID
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// backlogPath returns the backlog a command works on: the file named on
// the command line, else the configured one (--todo, todo_file), else
// .looper/todo.json or to-do.json. A path inside the working directory is
// made relative to it, so messages stay short.
func backlogPath(arg string, cfg *config.Config) (string, error) {
	if arg != "" {
		return arg, nil
	}
	dir, err := workDir()
	if err != nil {
		return "", err
	}
	path := cfg.TodoPath(dir)
	if rel, err := filepath.Rel(dir, path); err == nil && filepath.IsLocal(rel) {
		return rel, nil
	}
	return path, nil
}

// openBacklog loads the backlog a command works on (see backlogPath) and
// returns its path with it.
func openBacklog(arg string, cfg *config.Config) (string, *todo.Backlog, error) {
	path, err := backlogPath(arg, cfg)
	if err != nil {
		return "", nil, err
	}
	b, err := loadBacklog(path)
	return path, b, err
}

// loadBacklog loads the backlog at path. Every failure is an exit-1 error:
// a missing file says how to create one, a broken one lists its problems.
func loadBacklog(path string) (*todo.Backlog, error) {
	b, err := todo.Load(path)
	switch {
	case err == nil:
		return b, nil
	case errors.Is(err, fs.ErrNotExist):
		return nil, &exitError{code: exitFailure, err: fmt.Errorf("no backlog at %s: run `looper init` to create one, or name the file", path)}
	case errors.Is(err, os.ErrPermission):
		return nil, &exitError{code: exitFailure, err: fmt.Errorf("cannot read the backlog: %w", err)}
	}
	return nil, &exitError{code: exitFailure, err: err}
}
