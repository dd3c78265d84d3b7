package stages

import (
	"context"
	"errors"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/looper-go/looper/internal/agent"
	"github.com/looper-go/looper/pipeline"
	"github.com/looper-go/looper/todo"
)

// TestARegistryAndALoopFromEqualSettingsDoNotDeadlock: the stages come
// from one Registry and the Loop is given another copy of equal settings
// and services. Run state used to live in the value the stages were built
// on, so select waited on one completions channel while the loop reported
// on another ("blocked goroutines remain"). Now the run state is made in
// Loop.Run and travels with the Tick and the Jobs.
func TestARegistryAndALoopFromEqualSettingsDoNotDeadlock(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, newFakeRunner(done(time.Minute)), task{id: "T1"}, task{id: "T2", deps: []string{"T1"}}, task{id: "T3"})
		h.deps.MaxTasks = 2
		settings, services := h.deps.Settings, h.deps.Services
		nodes, err := Registry(settings, services).Lookup(DefaultStages...)
		if err != nil {
			t.Fatal(err)
		}
		copied := settings // an equal value, not the one the stages hold
		other := Services{Store: services.Store, Runner: services.Runner, Output: services.Output}
		l := &Loop{Settings: copied, Services: other, Nodes: nodes}
		rep, err := l.Run(t.Context())
		if err != nil || rep.Done != 3 || !rep.OK() {
			t.Fatalf("report %+v, err %v; want 3 done", rep, err)
		}
	})
}

// TestOneRegistryServesSeveralRuns: the same stages run in two loops one
// after another, and in a loop built from a second registry on the same
// settings and services; each run counts from its own start.
func TestOneRegistryServesSeveralRuns(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newFakeRunner(done(time.Minute))
		h := newHarness(t, r, task{id: "T1"}, task{id: "T2"})
		h.deps.MaxIterations = 1 // each run dispatches one task: its own count
		l := h.loop(false)
		for i, want := range []string{"T1", "T2"} {
			rep, err := l.Run(t.Context())
			if err != nil || rep.Done != 1 || rep.Remaining != 1-i {
				t.Fatalf("run %d: report %+v, err %v", i+1, rep, err)
			}
			if st := h.status(want); st != todo.StatusDone {
				t.Errorf("run %d: %s is %s, want done", i+1, want, st)
			}
		}
		b := h.backlog()
		b.Tasks = append(b.Tasks, todo.Task{ID: "T3", Title: "more", Priority: 3, Status: todo.StatusTodo})
		if err := todo.Save(h.path, b); err != nil {
			t.Fatal(err)
		}
		second := h.loop(false)
		if rep, err := second.Run(t.Context()); err != nil || rep.Done != 1 {
			t.Fatalf("second registry: report %+v, err %v", rep, err)
		}
		if got := strings.Join(r.order, ","); got != "T1,T2,T3" {
			t.Errorf("agents ran on %s, want T1,T2,T3", got)
		}
	})
}

// TestZeroValuesAreRejectedWithAnError: a Loop, a stage or Prepare without
// the services a run needs, or with settings it cannot work with, returns
// an error and never panics.
func TestZeroValuesAreRejectedWithAnError(t *testing.T) {
	var zero Loop
	if _, err := zero.Run(t.Context()); !errors.Is(err, errNoStore) {
		t.Errorf("zero Loop: %v, want %v", err, errNoStore)
	}
	h := newHarness(t, newFakeRunner(done(0)), task{id: "T1"})
	l := h.loop(false)
	l.Services.Runner = nil
	if _, err := l.Run(t.Context()); !errors.Is(err, errNoRunner) {
		t.Errorf("no runner: %v, want %v", err, errNoRunner)
	}
	l = h.loop(false)
	l.Settings.Strategy = "fastest"
	if _, err := l.Run(t.Context()); err == nil || !strings.Contains(err.Error(), "Settings.Strategy") {
		t.Errorf("bad strategy: %v", err)
	}
	l = h.loop(false)
	l.Settings.MaxTasks = -1
	if _, err := l.Run(t.Context()); err == nil || !strings.Contains(err.Error(), "Settings.MaxTasks is -1") {
		t.Errorf("negative max_tasks: %v", err)
	}
	if err := Prepare(t.Context(), Settings{}, Services{}, ""); !errors.Is(err, errNoRunner) {
		t.Errorf("zero Prepare: %v", err)
	}

	// Every registered stage, built on zero values, fails with an error
	// when it runs.
	for _, name := range Registry(Settings{}, Services{}).Names() {
		nodes, _ := Registry(Settings{}, Services{}).Lookup(name)
		in := nodes[0].In()
		if in.Name() != "Tick" {
			continue // only a Tick can start a pipeline here; the others are checked below
		}
		p, err := pipeline.Build[Tick](nodes...)
		if err != nil {
			t.Fatal(err)
		}
		src := make(chan Tick, 1)
		src <- Tick{}
		close(src)
		if err := p.Run(t.Context(), src); !errors.Is(err, errNoStore) {
			t.Errorf("stage %s on zero values: %v, want %v", name, err, errNoStore)
		}
	}
	ballots := make(chan Ballot)
	close(ballots)
	for name, run := range map[string]func() error{
		"execute": func() error {
			in := make(chan Job)
			close(in)
			return Execute(Settings{}, Services{}).Run(t.Context(), in, make(chan Ballot))
		},
		"agents": func() error {
			in := make(chan Job)
			close(in)
			return Agents(Settings{}, Services{}).Run(t.Context(), in, make(chan Ballot))
		},
		"merge": func() error {
			in := make(chan Decision)
			close(in)
			return Merge(Settings{}, Services{}).Run(t.Context(), in, make(chan Outcome))
		},
	} {
		if err := run(); !errors.Is(err, errNoStore) {
			t.Errorf("%s on zero values: %v, want %v", name, err, errNoStore)
		}
	}
	// Vote needs nothing: its zero value works.
	if err := Vote(Settings{}, Services{}).Run(t.Context(), ballots, make(chan Decision)); err != nil {
		t.Errorf("vote on zero values: %v", err)
	}
}

// TestSelectRefusesATickFromOutsideALoop: a Tick without a completions
// channel would leave select waiting forever for its first job.
func TestSelectRefusesATickFromOutsideALoop(t *testing.T) {
	h := newHarness(t, newFakeRunner(done(0)), task{id: "T1"})
	in := make(chan Tick, 1)
	in <- Tick{}
	close(in)
	err := Select(h.deps.Settings, h.deps.Services).Run(t.Context(), in, make(chan Job, 1))
	if !errors.Is(err, errNoCompletions) {
		t.Fatalf("select on a zero Tick: %v, want %v", err, errNoCompletions)
	}
}

// TestAJobFromOutsideALoopRunsAlone: a Job no select dispatched carries no
// run; the agents stage runs it without shared pauses or resume points.
func TestAJobFromOutsideALoopRunsAlone(t *testing.T) {
	h := newHarness(t, newFakeRunner(func(req agent.Request, _ int) (time.Duration, agent.Result) {
		return 0, agent.Result{Class: agent.ClassRateLimited, Err: "429"}
	}), task{id: "T1"})
	in := make(chan Job, 1)
	in <- Job{Task: todo.Task{ID: "T1", Title: "one"}, Iteration: 1, Attempt: 1}
	close(in)
	out := make(chan Ballot, 1)
	if err := Agents(h.deps.Settings, h.deps.Services).Run(context.Background(), in, out); err != nil {
		t.Fatal(err)
	}
	if b := <-out; len(b.Attempts) != 1 || b.Attempts[0].Result.Class != agent.ClassRateLimited {
		t.Errorf("ballot %+v, want one rate-limited attempt", b)
	}
}
