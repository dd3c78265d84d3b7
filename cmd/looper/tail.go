package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/looper-go/looper/config"
	"github.com/looper-go/looper/internal/agent"
	"github.com/looper-go/looper/sinks"
)

// tailCmd prints the newest run log of the current project.
type tailCmd struct {
	Follow bool   `short:"f" help:"Keep printing lines as the run appends them, until interrupted."`
	Lines  int    `short:"n" default:"50" placeholder:"N" help:"Print the last N lines first (default ${default})."`
	Task   string `placeholder:"ID" predictor:"task" help:"Show only the events of this task."`
}

func (tailCmd) Help() string {
	return `Shows the newest run of this project (the git top level, else the current directory)
from <log_dir>/<project>-<hash>/, one line per event as "looper run" prints them, without
colour unless stdout is a terminal. --log-level debug adds raw agent output.`
}

func (c *tailCmd) Run(ctx context.Context, cfg *config.Config, stdout io.Writer) error {
	if c.Lines < 0 {
		return &exitError{code: exitUsage, err: fmt.Errorf("-n/--lines must be 0 or more, not %d", c.Lines)}
	}
	dir, err := projectLogDir(ctx, cfg)
	if err != nil {
		return err
	}
	runs, err := sinks.ListRuns(dir)
	if err != nil {
		return fmt.Errorf("cannot list run logs: %w", err)
	}
	for _, r := range runs {
		if r.Log == "" {
			continue
		}
		return sinks.Tail(ctx, r.Log, stdout, sinks.TailOptions{
			Lines:  c.Lines,
			Task:   c.Task,
			Level:  cfg.SlogLevel(),
			Color:  sinks.UseColor(stdout),
			Follow: c.Follow,
			Expand: agent.LogReplayer,
		})
	}
	return fmt.Errorf("no run logs in %s: a run writes one there (log_dir in looper.toml, --log-dir or LOOPER_LOG_DIR choose the base)", dir)
}

// projectLogDir returns the directory of this project's run logs: the
// configured log_dir, then <slug>-<hash8> of the project root.
func projectLogDir(ctx context.Context, cfg *config.Config) (string, error) {
	cwd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	return sinks.ProjectLogDir(cfg.LogDirPath(cwd), projectRoot(ctx, cwd)), nil
}

// projectRoot is the project a run in cwd belongs to, as upstream looper
// decided it: the git top level when cwd is inside a work tree, else cwd.
func projectRoot(ctx context.Context, cwd string) string {
	cmd := exec.CommandContext(ctx, "git", "rev-parse", "--show-toplevel")
	cmd.Dir = cwd
	out, err := cmd.Output()
	if root := strings.TrimSpace(string(out)); err == nil && root != "" {
		return filepath.FromSlash(root)
	}
	return cwd // not a repository, or no git

}
