package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strings"

	"github.com/alecthomas/kong"

	"github.com/looper-go/looper/config"
	"github.com/looper-go/looper/sinks"
	"github.com/looper-go/looper/source"
	"github.com/looper-go/looper/stages"
	"github.com/looper-go/looper/todo"
)

// runCmd is `looper run`: work through the backlog until nothing is left,
// review, and mark the project done.
type runCmd struct {
	File  string `arg:"" optional:"" help:"Backlog file (default: --todo / todo_file, else .looper/todo.json or to-do.json)."`
	Fresh bool   `help:"Start every task from the current tip, ignoring the work an interrupted run left in its worktrees (by default a task that is still todo or doing continues from it)."`

	MaxCost   float64 `config:"budget.max_cost_usd" placeholder:"USD" help:"US dollars the run may spend on agents; 0 = no limit."`
	MaxTokens int     `config:"budget.max_tokens" placeholder:"N" help:"Tokens the run may spend on agents; 0 = no limit."`
}

func (runCmd) Help() string {
	return `Sequential by default: one task per iteration, picked as upstream looper picks it (doing,
then todo, then blocked; by priority, then id), each in a fresh agent process. With
--parallel (or [parallel] enabled = true) up to --max-tasks tasks run at once, each with
--max-agents agents that vote; in a git repository every attempt works in its own worktree
and the winner is merged back. A missing backlog is written by the bootstrap agent; an
invalid one is repaired first. When nothing is left to run, a review pass may add tasks;
when it adds none, the PROJECT-DONE marker is appended.

Before any task moves, every agent the run may use is checked (looper doctor shows the same
checks): its binary resolves and claude and codex answer --version. When one cannot be used,
looper exits with status 3 and the fix, and nothing is written.

Exit status: 0 when every task that ran is done, 1 when a task failed or ended blocked (or
fail_fast stopped the run, or ready tasks are left: run again to continue), 3 when an agent
cannot be used (missing, bad credentials, model API unreachable), 4 when a [budget] limit of
the run was reached (--max-cost, --max-tokens), 130 when interrupted.
Ctrl-C stops dispatching, gives agents a grace period, puts in-flight tasks back as they
were and exits; a second Ctrl-C kills at once.`
}

func (c *runCmd) Run(ctx context.Context, kctx *kong.Context, cfg *config.Config, stdout io.Writer) error {
	cwd, err := workDir()
	if err != nil {
		return err
	}
	// run is the default command, as upstream's is: "looper FILE" runs the
	// backlog FILE. A word that is neither a command nor an existing file
	// is a usage error, not a backlog for the bootstrap agent to write
	// (naming a new file after an explicit "run" still bootstraps it).
	if c.File != "" && !slices.Contains(kctx.Args, "run") && !source.Named(c.File) {
		if _, err := os.Stat(c.File); err != nil {
			return &exitError{code: exitUsage, err: fmt.Errorf("unexpected argument %s: not a command, and no backlog file of that name (see looper --help)", c.File)}
		}
	}
	if c.File != "" {
		cfg = cfg.Clone()
		if source.Named(c.File) {
			cfg.Backlog.Source = c.File
		} else {
			cfg.TodoFile = c.File
			cfg.Backlog.Source = ""
		}
	}
	return runLoop(ctx, cfg, cwd, stdout, !c.Fresh)
}

// runLoop runs looper's loop in cwd with cfg: the body of run and demo.
// With resume, tasks continue from the work interrupted runs left.
func runLoop(ctx context.Context, cfg *config.Config, cwd string, stdout io.Writer, resume bool) error {
	return withSession(ctx, cfg, cwd, sessionOptions{Stdout: stdout}, func(ctx context.Context, s *session) error {
		s.gitInit(ctx)
		s.commitInPlace()
		if s.backlog.Kind == source.KindTodo {
			if err := stages.Prepare(ctx, s.settings, s.services, cfg.Prompt); err != nil {
				return exitCode(stages.Report{}, err)
			}
		} else if _, err := s.store.Snapshot(); err != nil {
			// Another tracker's file is the team's: looper neither writes
			// a missing one nor has an agent repair it; it says what is wrong.
			return exitCode(stages.Report{}, err)
		}
		if err := s.isolate(ctx, resume); err != nil {
			return err
		}
		reg := stages.Registry(s.settings, s.services)
		nodes, err := reg.Lookup(stages.DefaultStages...)
		if err != nil {
			return err
		}
		review, err := reg.Lookup("review")
		if err != nil {
			return err
		}
		s.announce()
		loop := &stages.Loop{Settings: s.settings, Services: s.services, Nodes: nodes}
		if s.backlog.Kind == source.KindTodo {
			// The review pass writes new tasks into looper's own file;
			// another tracker's backlog is the team's to plan.
			loop.Review = review[0]
		}
		rep, err := loop.Run(ctx)
		if len(rep.Kept) > 0 {
			s.emit(slog.LevelWarn, sinks.KindWarning, "kept for inspection (failed or blocked attempts; looper clean --worktrees --force removes them):\n  "+strings.Join(rep.Kept, "\n  "))
		}
		return exitCode(rep, err)
	})
}

// announce says what the run is about to do and how many tasks it may run,
// which also sizes the progress line. It is the run's KindStart: only a
// run that got this far ends with a result line, so a refusal before it
// prints the refusal alone.
func (s *session) announce() {
	d := s.settings
	total := 0
	if b, err := s.store.Snapshot(); err == nil {
		for _, t := range b.Tasks {
			if t.Status != todo.StatusDone {
				total++
			}
		}
	}
	mode := "sequential"
	if d.Parallel {
		tasks := fmt.Sprintf("auto (%d)", stages.AutoMaxTasks)
		if d.MaxTasks > 0 {
			tasks = fmt.Sprint(d.MaxTasks)
		}
		where := "in place"
		if s.services.Repo != nil {
			where = "a worktree per attempt"
		}
		mode = fmt.Sprintf("parallel: %s tasks at once, %d agent(s) per task, strategy %s, %s", tasks, d.MaxAgents, d.Strategy, where)
	}
	s.send(sinks.Event{Level: slog.LevelInfo, Kind: sinks.KindStart, Stage: "run", Total: total,
		Message: fmt.Sprintf("%s: %d task(s) to do, %s", s.backlogName(), total, mode)})
}

// backlogName names the backlog in messages: the to-do.json's path, or the
// tracker (a file's path, github:OWNER/REPO).
func (s *session) backlogName() string {
	if s.backlog.Kind == source.KindTodo {
		return s.settings.TodoPath
	}
	return s.backlog.String()
}
