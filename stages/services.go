package stages

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/looper-go/looper/internal/agent"
	"github.com/looper-go/looper/internal/prompts"
	"github.com/looper-go/looper/internal/worktree"
	"github.com/looper-go/looper/pipeline"
	"github.com/looper-go/looper/sinks"
)

// AgentRunner runs one agent attempt. *agent.Runner implements it; tests use
// in-process fakes so that scheduling can run under testing/synctest.
type AgentRunner interface {
	Run(ctx context.Context, spec agent.Spec, req agent.Request) agent.Result
}

// Services are what the stages call: the backlog's writer, the agent
// runner, git, the prompts, the clock and the output. They hold no run
// state, so the same Services serve any number of Registries, Loops and
// runs one after another. Store and Runner are required (a stage without
// them returns an error when it runs); every other zero field has a
// working default, noted on the field.
type Services struct {
	// Store is the backlog's single writer (OpenStore).
	Store *Store
	// Runner runs agent attempts.
	Runner AgentRunner
	// Prompts renders prompts (zero: the embedded templates only).
	Prompts prompts.Store
	// Output shows or stores a run's events (sinks.New, a run log's
	// Sink, sinks.Func, a Tee of them). It is not called directly: each
	// Loop.Run and Prepare opens a stream of its own on it (see
	// sinks.OpenStream and "The event stream" in the package doc), which
	// the stages and the agents send into and which is closed when the run
	// ends, so Output.Run is called once per run. Nil drops the events.
	Output sinks.Sink
	// LastMessagePath maps an attempt label to its last-message file (nil:
	// none is written).
	LastMessagePath func(label string) string
	// Repo is the git repository for worktree isolation; nil runs in place.
	Repo *worktree.Repo
	// InPlace is the git repository an in-place attempt works in
	// (sequential mode), nil outside git: after each attempt looper commits
	// what the agent changed and left uncommitted (see commitInPlace).
	InPlace *worktree.Repo
	// Now is the clock (nil: time.Now; tests pin it).
	Now func() time.Time
}

// eventBuffer is how many events a run's stream holds before a sender (an
// agent's output reader, a stage) waits for the output: output never
// holds up agents beyond this bounded buffer.
const eventBuffer = 1024

// openEvents opens the event stream of one run on the Output. ctx is the
// caller's, so that an interrupted run is shown as one (see sinks.Sink).
func (d *env) openEvents(ctx context.Context) *sinks.Stream {
	return sinks.OpenStream(ctx, d.Output, eventBuffer)
}

// errNoStore and errNoRunner reject Services without what every run needs.
var (
	errNoStore  = errors.New("stages: Services.Store is nil; open the backlog with stages.OpenStore")
	errNoRunner = errors.New("stages: Services.Runner is nil; give it an agent runner (stages.FromConfig builds one)")
)

// check reports what the stages cannot run without.
func (s Services) check() error {
	switch {
	case s.Store == nil:
		return errNoStore
	case s.Runner == nil:
		return errNoRunner
	}
	return nil
}

// env is what every stage works with: its settings and services, bound
// together once when the stage is built. The state of a run travels with
// the values (Tick, Job), never in env.
type env struct {
	Settings
	Services
}

func newEnv(s Settings, svc Services) *env { return &env{Settings: s, Services: svc} }

// checked makes s refuse to run, with an error, on settings and services
// a run cannot work with (see check), rather than fail in the middle.
func checked[In, Out any](d *env, s pipeline.Stage[In, Out]) pipeline.Stage[In, Out] {
	return pipeline.Func(s.Name(), func(ctx context.Context, in <-chan In, out chan<- Out) error {
		if err := d.check(); err != nil {
			return err
		}
		return s.Run(ctx, in, out)
	})
}

// check reports settings and services a stage cannot run with.
func (d *env) check() error {
	return errors.Join(d.Settings.Check(), d.Services.check())
}

func (d *env) now() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return time.Now()
}

// emit sends an event on the run's stream (none outside a loop: the
// event is dropped), stamped with the services' clock.
func (d *env) emit(run *runState, e sinks.Event) {
	if e.Time.IsZero() {
		e.Time = d.now()
	}
	run.stream().Send(e)
}

// event starts an event about a job.
func (d *env) event(j Job, stage string, kind sinks.Kind) sinks.Event {
	return sinks.Event{
		Time:      d.now(),
		Level:     slog.LevelInfo,
		Kind:      kind,
		TaskID:    j.Task.ID,
		Attempt:   j.Attempt,
		Iteration: j.Iteration,
		Stage:     stage,
		Title:     j.Task.Title,
	}
}

// info emits a run-level message.
func (d *env) info(run *runState, stage string, level slog.Level, kind sinks.Kind, msg string) {
	d.emit(run, sinks.Event{Level: level, Kind: kind, Stage: stage, Message: msg})
}

// lastMessage is the last-message file of an attempt label, "" without one.
func (d *env) lastMessage(label string) string {
	if d.LastMessagePath == nil {
		return ""
	}
	return d.LastMessagePath(label)
}
