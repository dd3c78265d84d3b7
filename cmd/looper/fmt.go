package main

import (
	"bytes"
	"fmt"
	"io"
	"os"

	"github.com/rogpeppe/go-internal/diff"

	"github.com/looper-go/looper/config"
	"github.com/looper-go/looper/internal/atomicfile"
	"github.com/looper-go/looper/todo"
)

// fmtCmd rewrites a backlog in canonical form, as upstream's `looper fmt`.
type fmtCmd struct {
	File  string `arg:"" optional:"" help:"Backlog file (default: --todo / todo_file, else .looper/todo.json or to-do.json)."`
	Write bool   `short:"w" xor:"mode" help:"Write the canonical form back to the file (atomically, under the backlog lock)."`
	Check bool   `xor:"mode" help:"Exit 1, naming the file, if it is not in canonical form; write nothing."`
	Diff  bool   `short:"d" help:"Print a unified diff from the file to its canonical form."`
	Sort  bool   `help:"Also sort the tasks by priority, then id (T2 before T10), as upstream's fmt did."`
}

func (fmtCmd) Help() string {
	return `The canonical form is what looper writes when it saves the backlog: upstream's key order,
2-space indent, a trailing newline, the tasks in the file's own order, and no \u003c-style
escapes. A file upstream looper wrote (with those escapes) counts as formatted too, so fmt
never rewrites a file only to change them. --sort also orders the tasks by priority, then
id. The comparison is byte for byte, so whitespace differences count. Without -w, --check
or -d, fmt says whether the file is formatted and exits 1 if it is not. A backlog with
problems is never rewritten: fix what "looper validate" reports first.`
}

func (c *fmtCmd) Run(cfg *config.Config, stdout io.Writer) error {
	path, b, err := openBacklog(c.File, cfg)
	if err != nil {
		return err
	}
	current, err := os.ReadFile(path)
	if err != nil {
		return &exitError{code: exitFailure, err: err}
	}
	if c.Sort {
		b.SortTasks()
	}
	canonical, err := b.Marshal()
	if err != nil {
		return err
	}
	changed := !bytes.Equal(current, canonical)
	if changed {
		// Upstream's escaped rendering of the same backlog is formatted too.
		if upstream, err := b.MarshalUpstream(); err == nil && bytes.Equal(current, upstream) {
			changed = false
		}
	}
	if c.Diff && changed {
		if _, err := stdout.Write(diff.Diff(path+".orig", current, path, canonical)); err != nil {
			return err
		}
	}
	switch {
	case c.Write:
		if !changed {
			return nil
		}
		lock, err := todo.AcquireLock(path)
		if err != nil {
			return &exitError{code: exitFailure, err: err}
		}
		defer lock.Release()
		// Re-check under the lock: a writer may have changed the file since.
		again, err := os.ReadFile(path)
		if err != nil {
			return &exitError{code: exitFailure, err: err}
		}
		if !bytes.Equal(again, current) {
			return &exitError{code: exitFailure, err: fmt.Errorf("%s changed while it was being formatted; run looper fmt -w again", path)}
		}
		if err := atomicfile.Write(path, canonical, 0o644); err != nil {
			return &exitError{code: exitFailure, err: err}
		}
		fmt.Fprintf(stdout, "formatted %s\n", path)
		return nil
	case c.Check:
		if changed {
			fmt.Fprintln(stdout, path)
			return &exitError{code: exitFailure, err: fmt.Errorf("%s is not formatted; run looper fmt -w", path)}
		}
		return nil
	case c.Diff:
		return nil
	}
	if changed {
		return &exitError{code: exitFailure, err: fmt.Errorf("%s is not formatted; run looper fmt -w to format it, or -d to see how", path)}
	}
	fmt.Fprintf(stdout, "%s is formatted\n", path)
	return nil
}
