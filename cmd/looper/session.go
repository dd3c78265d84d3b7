package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"time"

	"github.com/looper-go/looper/config"
	"github.com/looper-go/looper/internal/agent"
	"github.com/looper-go/looper/internal/budget"
	"github.com/looper-go/looper/internal/notify"
	"github.com/looper-go/looper/internal/prompts"
	"github.com/looper-go/looper/internal/worktree"
	"github.com/looper-go/looper/sinks"
	"github.com/looper-go/looper/source"
	"github.com/looper-go/looper/stages"
)

// eventBuffer is how many events may wait for the output sinks before an
// emitter (an agent's output reader, a stage) waits: output never blocks
// agents beyond this bounded buffer.
const eventBuffer = 1024

// session is everything one run of the pipeline needs, wired from the
// configuration: the output sinks and run log, the backlog store holding
// the lock, the git repository when attempts get worktrees, and the stages'
// Settings and Services. Commands open it, run a loop, and close it.
type session struct {
	cfg    *config.Config
	cwd    string
	root   string // project root: git top level, else cwd
	runLog *sinks.RunLog
	// backlog is where the tasks come from: to-do.json or another tracker.
	backlog *source.Backlog
	store   *stages.Store
	// settings and services are what the stages are built on; isolate and
	// commitInPlace complete them before the loop is built.
	settings stages.Settings
	services stages.Services
	repo     *worktree.Repo

	// closePlace ends the runner attempts run with ([runners]).
	closePlace func()
	// kube is the Kubernetes runner, when attempts run as pods.
	kube *kubeRun

	// events is the session's own event stream into the output sinks: its
	// messages, and each run's stream relayed (services.Output).
	events *sinks.Stream
	queue  runQueue // the run's queue, for its state file (status.go)

	ctx      context.Context  // the caller's: cancelled when the run is interrupted
	notifier *notify.Notifier // [notify] deliveries; nil when none are configured
}

// sessionOptions are what differs between run, pipe and demo.
type sessionOptions struct {
	// ReadOnly opens the backlog without writing it (pipe without merge).
	ReadOnly bool
	// Stdout receives the console output.
	Stdout io.Writer
}

// openSession wires a session from cfg for the project in cwd. On error
// everything opened so far is closed again.
func openSession(ctx context.Context, cfg *config.Config, cwd string, o sessionOptions) (_ *session, err error) {
	s := &session{cfg: cfg, cwd: cwd, root: projectRoot(ctx, cwd), ctx: ctx}
	backlog, err := backlogSource("", cfg, cwd)
	if err != nil {
		return nil, err
	}
	s.backlog = backlog
	todoPath := backlog.Path
	if !filepath.IsAbs(todoPath) {
		todoPath = filepath.Join(cwd, todoPath)
	}
	schemaPath := cfg.SchemaPath(cwd)
	if schemaPath == "" {
		schemaPath = filepath.Join(filepath.Dir(todoPath), "todo.schema.json")
	}

	// Preflight first: an agent that cannot run stops the run before the
	// run log, the backlog or any worktree is opened.
	runsAgents.Store(true)
	pre, err := preflight(ctx, cfg, s.root, todoPath)
	if err != nil {
		return nil, err
	}
	runLog, err := sinks.OpenRunLog(cfg.LogDirPath(cwd), s.root, time.Now())
	if err != nil {
		return nil, fmt.Errorf("open the run log: %w (set log_dir or --log-dir to a writable directory)", err)
	}
	s.runLog = runLog
	defer func() {
		if err != nil {
			s.close()
		}
	}()

	mode := string(cfg.Parallel.OutputMode)
	console, err := sinks.New(mode, sinks.Options{
		Out:      o.Stdout,
		Color:    sinks.UseColor(o.Stdout),
		Progress: sinks.Terminal(o.Stdout),
		Width:    sinks.TerminalWidth(o.Stdout),
		Level:    cfg.SlogLevel(),
		Start:    time.Now(),

		Format:     cfg.LogFormat,
		Timestamps: cfg.LogTimestamps,
		Caller:     cfg.LogCaller,
	})
	if err != nil {
		return nil, err
	}
	state, err := openStateFile(cfg, runLog, s.root, todoPath, &s.queue)
	if err != nil {
		return nil, err
	}
	s.events = sinks.OpenStream(ctx, sinks.Tee(console, runLog.Sink(), state), eventBuffer)
	s.notifier = openNotifier(cfg, s)
	s.reportAgents(pre)

	if backlog.Kind != source.KindTodo {
		if err := excludeRuntime(ctx, s.root, todoPath); err != nil {
			s.emit(slog.LevelWarn, sinks.KindWarning, "could not keep looper's lock out of git: "+err.Error())
		}
	}
	store, err := stages.OpenStore(todoPath, stages.StoreOptions{
		ReadOnly: o.ReadOnly,
		Format:   backlog.Format,
		Remote:   backlog.Remote,
		Warn:     func(msg string) { s.emit(slog.LevelWarn, sinks.KindWarning, msg) },
	})
	if err != nil {
		return nil, err
	}
	s.store = store
	s.queue.store.Store(store)
	exitStore.Store(store)

	d := stages.SettingsFromConfig(cfg, cwd)
	d.Agents = pre.Specs // checked by preflight, with versions and prices
	d.RunID = runLog.ID()
	d.TodoPath, d.SchemaPath = todoPath, schemaPath // the tracker's file when --backlog names one
	s.settings = d
	s.services = stages.Services{
		Store:           store,
		Runner:          &agent.Runner{Confine: pre.Sandbox},
		Prompts:         prompts.Store{Dir: filepath.Join(cwd, "prompts")},
		Output:          sinks.Func(s.send), // each run's stream, relayed in order
		LastMessagePath: runLog.LastMessagePath,
	}
	s.emit(slog.LevelInfo, sinks.KindInfo, "run log: "+runLog.Path())
	return s, nil
}

// withSession opens a session, runs body, and closes the session (which
// prints the final summary line) whatever body returns. The output sees
// the caller's context, so its summary says when the run was interrupted;
// the loop cancels its own for fail_fast.
func withSession(ctx context.Context, cfg *config.Config, cwd string, o sessionOptions, body func(context.Context, *session) error) (err error) {
	s, err := openSession(ctx, cfg, cwd, o)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := s.close(); err == nil && cerr != nil {
			err = cerr
		}
	}()
	return body(ctx, s)
}

// gitInit says what looper does about a project in no git repository,
// then does it: `git init` when git_init is on (upstream's behaviour), a
// warning of what is lost when it is off.
func (s *session) gitInit(ctx context.Context) {
	msg, run := gitInitPlan(s.cwd, s.cfg.GitInit)
	if msg == "" {
		return
	}
	if !run {
		s.emit(slog.LevelWarn, sinks.KindWarning, msg)
		return
	}
	s.emit(slog.LevelInfo, sinks.KindInfo, msg)
	if err := gitInit(ctx, s.cwd); err != nil {
		s.emit(slog.LevelWarn, sinks.KindWarning, err.Error())
		return
	}
	s.root = s.cwd
}

// commitInPlace gives a sequential run the repository its attempts work
// in, so looper commits what an agent changed and left uncommitted (its own
// commit denied, its sandbox keeping .git read-only). Parallel runs commit
// in each attempt's worktree instead; outside git there is nothing to do.
func (s *session) commitInPlace() {
	if s.cfg.Parallel.Enabled {
		return
	}
	if repo, err := worktree.Open(s.cwd); err == nil {
		s.services.InPlace = repo
		s.settings.InPlaceIgnore = []string{s.cfg.LogDirPath(s.cwd)}
	}
}

// send hands an event to the output sinks.
func (s *session) send(e sinks.Event) {
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	s.events.Send(e)
	s.notifier.Observe(e)
}

// emit sends a run-level message.
func (s *session) emit(level slog.Level, kind sinks.Kind, msg string) {
	s.send(sinks.Event{Level: level, Kind: kind, Stage: "run", Message: msg})
}

// close stops the output (which prints the final summary line), closes the
// run log and releases the backlog lock. It returns the first output error.
func (s *session) close() error {
	var errs []error
	if s.closePlace != nil {
		s.closePlace()
	}
	if s.kube != nil && s.events != nil {
		msg, err := s.kube.finish(0)
		if msg != "" {
			s.emit(slog.LevelWarn, sinks.KindWarning, msg)
		}
		errs = append(errs, err)
		s.kube = nil
	}
	if s.events != nil {
		s.notifier.Close(s.ctx.Err() != nil) // its last warnings still reach the output
		errs = append(errs, s.events.Close())
		s.events = nil
	}
	if s.runLog != nil {
		errs = append(errs, s.runLog.Close())
	}
	if s.store != nil {
		exitStore.CompareAndSwap(s.store, nil)
		errs = append(errs, s.store.Close())
	}
	return errors.Join(errs...)
}

// exitCode maps a finished loop to the process exit code: 130 when a signal
// stopped it, 3 when an agent could not be used (its tasks were left as
// they were), 1 when fail_fast stopped it, any task failed or ended
// blocked, or ready tasks are left (max_iterations, or a stop), else 0.
// The error is the last line looper prints; when ready tasks are left it
// says how many and how to continue.
func exitCode(rep stages.Report, err error) error {
	left := ""
	if rep.Remaining > 0 {
		why := ""
		if rep.MaxIterations {
			why = " (max_iterations reached; raise it, or set it to 0 for no limit)"
		}
		left = fmt.Sprintf("; %d ready task(s) left%s: run looper run again to continue", rep.Remaining, why)
	}
	switch {
	case rep.Interrupted || errors.Is(err, stages.ErrInterrupted):
		return &exitError{code: exitInterrupted, err: errors.New("interrupted; in-flight tasks were put back as they were" + left)}
	case rep.Budget != "" || errors.Is(err, budget.ErrExhausted):
		return budgetExit(rep, err, left)
	case errors.Is(err, stages.ErrAgentUnusable) || (err == nil && len(rep.Unusable) > 0):
		reasons := rep.Unusable
		if len(reasons) == 0 {
			reasons = []string{err.Error()}
		}
		last := ""
		if left != "" {
			last = "\n" + strings.TrimPrefix(left, "; ")
		}
		return &exitError{code: exitAgent, err: fmt.Errorf("stopped using %s; the tasks they would have run are left as they were:\n  %s%s",
			plural(len(reasons), "agent"), strings.Join(reasons, "\n  "), last)}
	case err != nil && left != "":
		return fmt.Errorf("%w%s", err, left)
	case err != nil:
		return err
	case rep.Failed > 0 || rep.Blocked > 0 || rep.FailFast || len(rep.Waiting) > 0:
		return &exitError{code: exitFailure, err: errors.New(unfinishedMessage(rep) + left)}
	case left != "":
		return &exitError{code: exitFailure, err: errors.New(strings.TrimPrefix(left, "; "))}
	}
	return nil
}

// unfinishedMessage says, in the backlog's words, why a run that went to
// its end is not a success: how many tasks ended blocked (a task whose
// attempts failed is blocked too), that fail_fast stopped it, and which
// tasks did not run because a dependency is blocked.
func unfinishedMessage(rep stages.Report) string {
	var parts []string
	if n := rep.Failed + rep.Blocked; n > 0 {
		parts = append(parts, fmt.Sprintf("%s ended blocked; see why with looper ls blocked", plural(n, "task")))
	}
	if rep.FailFast {
		parts = append(parts, "fail_fast stopped the run")
	}
	msg := strings.Join(parts, "; ")
	if len(rep.Waiting) > 0 {
		lines := make([]string, len(rep.Waiting))
		for i, w := range rep.Waiting {
			lines[i] = "  " + w.String()
		}
		if msg != "" {
			msg += "\n"
		}
		msg += fmt.Sprintf("%s did not run because a dependency is blocked:\n%s", plural(len(rep.Waiting), "task"), strings.Join(lines, "\n"))
	}
	return msg
}
