package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"

	"github.com/looper-go/looper/config"
	"github.com/looper-go/looper/internal/atomicfile"
	"github.com/looper-go/looper/source"
	"github.com/looper-go/looper/todo"
)

// backlogSource returns the backlog a command works on in cwd: the one
// named on the command line (a to-do.json path, or a tracker as
// taskmaster:PATH, beads:PATH, github:OWNER/REPO), else backlog.source
// (--backlog), else the configured or usual to-do.json when there is one,
// else the Task Master or Beads file the project has, else the to-do.json
// a run would bootstrap.
func backlogSource(arg string, cfg *config.Config, cwd string) (*source.Backlog, error) {
	opts := source.Options{Tag: cfg.Backlog.TaskmasterTag, Label: cfg.Backlog.GithubLabel,
		Milestone: cfg.Backlog.GithubMilestone, Close: cfg.Backlog.GithubClose}
	spec := arg
	if spec == "" {
		spec = cfg.Backlog.Source
	}
	if spec == "" && cfg.TodoFile == "" && !hasTodoFile(cwd) {
		spec = source.Detect(cwd)
	}
	if source.Named(spec) {
		bk, err := source.Open(spec, cwd, opts)
		if err != nil {
			return nil, &exitError{code: exitUsage, err: err}
		}
		if rel, err := filepath.Rel(cwd, bk.Path); err == nil && filepath.IsLocal(rel) && bk.Remote == nil {
			bk.Path = rel // short messages, as for to-do.json
		}
		return bk, nil
	}
	path := spec
	if path == "" {
		path = cfg.TodoPath(cwd)
		if rel, err := filepath.Rel(cwd, path); err == nil && filepath.IsLocal(rel) {
			path = rel
		}
	}
	return &source.Backlog{Kind: source.KindTodo, Path: path, Format: source.Native{}}, nil
}

// hasTodoFile reports whether the project has looper's own backlog.
func hasTodoFile(cwd string) bool {
	for _, rel := range []string{todo.DefaultPath, todo.LegacyPath} {
		if _, err := os.Stat(filepath.Join(cwd, filepath.FromSlash(rel))); err == nil {
			return true
		}
	}
	return false
}

// openSource finds the backlog the command names (arg, the config, or the
// project's own) from the working directory and loads it: what ls and
// validate start with. It returns the working directory too.
func openSource(ctx context.Context, arg string, cfg *config.Config) (dir string, bk *source.Backlog, b *todo.Backlog, err error) {
	if dir, err = workDir(); err != nil {
		return "", nil, nil, err
	}
	if bk, err = backlogSource(arg, cfg, dir); err != nil {
		return "", nil, nil, err
	}
	b, err = loadSource(ctx, bk)
	return dir, bk, b, err
}

// loadSource loads a backlog for a command that only reads it, with the
// same exit-1 errors as loadBacklog: a missing file says how to name one,
// a broken one lists its problems with their positions.
func loadSource(ctx context.Context, bk *source.Backlog) (*todo.Backlog, error) {
	if bk.Kind == source.KindTodo {
		return loadBacklog(bk.Path)
	}
	b, err := bk.Load(ctx)
	switch {
	case err == nil:
		return b, nil
	case errors.Is(err, fs.ErrNotExist):
		return nil, &exitError{code: exitFailure, err: fmt.Errorf("no %s backlog at %s; name the file (--backlog %s:PATH)", bk.Kind, bk.Path, bk.Kind)}
	}
	return nil, &exitError{code: exitFailure, err: err}
}

// excludeRuntime keeps looper's run-time files beside another tracker's
// backlog (its lock, the temporary files of a save) out of an agent's
// `git add -A`: the tracker's directory has no .gitignore of looper's, so
// the patterns go to the repository's own .git/info/exclude, which is not
// shared. Outside git there is nothing to do.
func excludeRuntime(ctx context.Context, root, backlog string) error {
	cmd := exec.CommandContext(ctx, "git", "rev-parse", "--git-path", "info/exclude")
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		return nil
	}
	exclude := strings.TrimSpace(string(out))
	if !filepath.IsAbs(exclude) {
		exclude = filepath.Join(root, exclude)
	}
	rel, err := filepath.Rel(root, backlog)
	if err != nil || !filepath.IsLocal(rel) {
		return nil
	}
	dir := path.Dir(filepath.ToSlash(rel))
	current, err := os.ReadFile(exclude)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	have := map[string]bool{}
	for line := range strings.Lines(string(current)) {
		have[strings.TrimSpace(line)] = true
	}
	add := bytes.Clone(current)
	if len(add) > 0 && !bytes.HasSuffix(add, []byte("\n")) {
		add = append(add, '\n')
	}
	n := len(add)
	for _, p := range runtimeIgnores(backlog) {
		if dir != "." {
			p = "/" + dir + p
		}
		if !have[p] {
			add = append(add, p+"\n"...)
		}
	}
	if len(add) == n {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(exclude), 0o755); err != nil {
		return err
	}
	return atomicfile.Write(exclude, add, 0o644)
}
