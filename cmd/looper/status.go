package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sync/atomic"
	"time"

	"github.com/looper-go/looper/config"
	"github.com/looper-go/looper/sinks"
	"github.com/looper-go/looper/stages"
	"github.com/looper-go/looper/todo"
)

// statusCmd is `looper status`: what the run of this project is doing, from
// another terminal.
type statusCmd struct {
	JSON bool `name:"json" help:"Print the status as one JSON object (its fields are documented in README.md and stable)."`
}

func (statusCmd) Help() string {
	return `Reads the state file the newest run of this project keeps beside its log
(<log_dir>/<project>-<hash>/<run-id>.state.json, rewritten at most twice a second) and
checks that its looper process still holds the run's log, so a run killed outright shows
as such rather than as running. While a run goes: its running tasks with their agents,
attempt, elapsed time, tokens and cost so far (agents report usage when an attempt ends),
the done/blocked/queued counts, the queue and the last decision. After it: the run's
result line. Exit status 0 when a run was found, 1 when this project has none.`
}

func (c *statusCmd) Run(ctx context.Context, cfg *config.Config, stdout io.Writer) error {
	dir, err := projectLogDir(ctx, cfg)
	if err != nil {
		return err
	}
	st, err := readRunStatus(dir, time.Now())
	if err != nil {
		return err
	}
	if c.JSON {
		b, err := json.MarshalIndent(st, "", "  ")
		if err != nil {
			return err
		}
		_, err = stdout.Write(append(b, '\n'))
		return err
	}
	return st.WriteText(stdout, time.Local)
}

// readRunStatus returns the status of the run a status or watch should
// show: the newest run a looper process holds, else the newest run.
func readRunStatus(dir string, now time.Time) (*sinks.RunStatus, error) {
	runs, err := sinks.ListRuns(dir)
	if err != nil {
		return nil, fmt.Errorf("cannot list runs: %w", err)
	}
	var pick *sinks.Run
	for i := range runs {
		r := &runs[i]
		if r.Log == "" {
			continue
		}
		if pick == nil || (r.Live && !pick.Live) {
			pick = r
		}
	}
	if pick == nil {
		return nil, fmt.Errorf("no run of this project in %s yet: looper run writes its log and state there (log_dir in looper.toml, --log-dir or LOOPER_LOG_DIR choose the base)", dir)
	}
	st, err := sinks.ReadStatus(sinks.StatePath(pick.Log))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("run %s left no state file (a looper before status existed ran it); looper tail shows its log", pick.ID)
	}
	if err != nil {
		return nil, err
	}
	st.Check(pick.Live, now)
	return st, nil
}

// runQueue tells the state file which tasks a run has still to do, from
// the backlog the run holds, in the order its strategy would pick them.
// The store is set once the run opened it; until then the queue is empty.
type runQueue struct {
	store    atomic.Pointer[stages.Store]
	strategy todo.Strategy
}

// tasks returns the queue: the ready tasks in dispatch order, then the
// tasks waiting on a dependency, in backlog order. Tasks at work or
// finished in this run are left out by the state itself.
func (q *runQueue) tasks() []sinks.QueuedTask {
	store := q.store.Load()
	if store == nil {
		return []sinks.QueuedTask{}
	}
	b, err := store.Snapshot()
	if err != nil {
		return []sinks.QueuedTask{}
	}
	ready := todo.NewReadySet(b, q.strategy, nil).Order()
	titles := make(map[string]string, len(b.Tasks))
	for _, t := range b.Tasks {
		titles[t.ID] = t.Title
	}
	out := make([]sinks.QueuedTask, 0, len(b.Tasks))
	isReady := make(map[string]bool, len(ready))
	for _, id := range ready {
		isReady[id] = true
		out = append(out, sinks.QueuedTask{TaskID: id, Title: titles[id], Ready: true})
	}
	for _, t := range b.Tasks {
		if t.Status != todo.StatusDone && t.Status != todo.StatusBlocked && !isReady[t.ID] {
			out = append(out, sinks.QueuedTask{TaskID: t.ID, Title: t.Title})
		}
	}
	return out
}

// openStateFile creates the run's state file beside its log, for `looper
// status` and `looper watch`.
func openStateFile(cfg *config.Config, runLog *sinks.RunLog, root, todoPath string, q *runQueue) (sinks.Sink, error) {
	q.strategy = todo.StrategyPriority
	if cfg.Parallel.Enabled {
		q.strategy = todo.Strategy(cfg.Parallel.Strategy)
	}
	st := sinks.NewRunState()
	st.RunID, st.PID, st.Project, st.Backlog, st.Log = runLog.ID(), os.Getpid(), root, todoPath, runLog.Path()
	return sinks.NewStateFile(sinks.StateOptions{Path: sinks.StatePath(runLog.Path()), State: st, Queue: q.tasks})
}
