package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/looper-go/looper/config"
	"github.com/looper-go/looper/pipeline"
	"github.com/looper-go/looper/stages"
)

// pipeCmd is `looper pipe`: one pass of a pipeline made of the named
// stages, composed at run time from the stages registry.
type pipeCmd struct {
	Stages []string `default:"select,execute,vote,merge" placeholder:"STAGE,..." help:"Stages to run, in order, comma-separated."`
	File   string   `arg:"" optional:"" help:"Backlog file (default: --todo / todo_file, else .looper/todo.json or to-do.json)."`
}

func (pipeCmd) Help() string {
	return `The stages are select (ready tasks → jobs), execute (jobs → ballots: the task's agents
run), vote (ballots → decisions) and merge (decisions → outcomes: the only stage that writes
the backlog and merges branches). Each stage's input must be the previous stage's output:
an impossible order fails before anything runs, naming both stages and types.

Without merge it is a dry run: "--stages select,execute,vote" runs the agents of one pass,
each attempt in its own git worktree on its own branch whatever isolation says, and shows
each decision with the branch that holds each candidate. Your branch, index, working tree
and backlog are left as they were; looper clean --worktrees --force removes the candidates.
There is no review pass.`
}

func (c *pipeCmd) Run(ctx context.Context, cfg *config.Config, stdout io.Writer) error {
	// Check the composition before opening anything: a registry over empty
	// deps builds the same typed nodes.
	nodes, err := stages.Registry(&stages.Deps{}).Lookup(c.Stages...)
	if err != nil {
		return &exitError{code: exitUsage, err: err}
	}
	if _, err := pipeline.Build[stages.Tick](nodes...); err != nil {
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
	writes := slices.Contains(c.Stages, "merge")
	return withSession(ctx, cfg, cwd, sessionOptions{Stdout: stdout, ReadOnly: !writes}, func(ctx context.Context, s *session) error {
		if _, err := s.store.Snapshot(); err != nil {
			return err
		}
		if writes {
			if err := s.isolate(ctx, false); err != nil {
				return err
			}
		} else if err := s.isolateDryRun(); err != nil {
			return err
		}
		nodes, err := stages.Registry(s.deps).Lookup(c.Stages...)
		if err != nil {
			return err
		}
		if !writes {
			if report, ok := dryRunReport(s, c.Stages[len(c.Stages)-1]); ok {
				nodes = append(nodes, report)
			}
		}
		s.announce()
		loop := &stages.Loop{Deps: s.deps, Nodes: nodes}
		rep, err := loop.Run(ctx)
		if !writes {
			s.dryRunEnd()
		}
		return exitCode(rep, err)
	})
}
