package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/looper-go/looper/config"
	"github.com/looper-go/looper/stages"
)

// pipeCmd is `looper pipe`: one pass of a pipeline made of the named
// stages, composed at run time from the stages registry.
type pipeCmd struct {
	Stages []string `default:"select,execute,vote,merge,sink" placeholder:"STAGE,..." help:"Stages to run, in order, comma-separated."`
	File   string   `arg:"" optional:"" help:"Backlog file (default: --todo / todo_file, else .looper/todo.json or to-do.json)."`
}

func (pipeCmd) Help() string {
	return `The stages are select (ready tasks → jobs), execute (jobs → ballots: up to max_tasks tasks
at once, each through the agents fan-out), agents (jobs → ballots: one task at a time, its
max_agents agents at once), vote (ballots → decisions), merge (decisions → outcomes: the only
stage that writes the backlog and merges branches), sink (outcomes → completions: reports each
outcome; a pipeline with merge ends with it) and review (a review pass of its own). Each
stage's input must be the previous stage's output, and the last one's must tell select that
a task has left the pipeline: an impossible order fails before anything runs, naming both
stages and types, with the same check looper run makes.

Without merge it is a dry run: "--stages select,execute,vote" runs the agents of one pass,
each attempt in its own git worktree on its own branch whatever isolation says, and shows
each decision with the branch that holds each candidate. Your branch, index, working tree
and backlog are left as they were; looper clean --worktrees --force removes the candidates.
"--stages select" only lists the tasks one pass would start, in order. There is no review
pass unless review is named, which is never a dry run (the review agent edits the backlog).`
}

func (c *pipeCmd) Run(ctx context.Context, cfg *config.Config, stdout io.Writer) error {
	// Check the composition before opening anything, with the check the
	// loop makes: a registry over zero settings builds the same typed
	// stages.
	nodes, err := stages.Registry(stages.Settings{}, stages.Services{}).Lookup(c.Stages...)
	if err != nil {
		return &exitError{code: exitUsage, err: err}
	}
	if _, err := stages.Compose(nodes...); err != nil {
		return &exitError{code: exitUsage, err: fmt.Errorf("--stages %s: %w", strings.Join(c.Stages, ","), err)}
	}
	cwd, err := workDir()
	if err != nil {
		return err
	}
	if c.File != "" {
		cfg = cfg.Clone()
		cfg.TodoFile = c.File
	}
	has := func(name string) bool { return slices.Contains(c.Stages, name) }
	writes := has("merge") || has("review")
	agents := has("execute") || has("agents")
	return withSession(ctx, cfg, cwd, sessionOptions{Stdout: stdout, ReadOnly: !writes}, func(ctx context.Context, s *session) error {
		if _, err := s.store.Snapshot(); err != nil {
			return err
		}
		switch {
		case writes:
			if err := s.isolate(ctx, false); err != nil {
				return err
			}
		case agents:
			if err := s.isolateDryRun(); err != nil {
				return err
			}
		}
		nodes, err := stages.Registry(s.settings, s.services).Lookup(c.Stages...)
		if err != nil {
			return err
		}
		if !writes {
			if report, ok := dryRunReport(s, c.Stages[len(c.Stages)-1]); ok {
				nodes = append(nodes, report)
			}
		}
		s.announce()
		loop := &stages.Loop{Settings: s.settings, Services: s.services, Nodes: nodes}
		rep, err := loop.Run(ctx)
		if !writes && agents {
			s.dryRunEnd()
		}
		return exitCode(rep, err)
	})
}
