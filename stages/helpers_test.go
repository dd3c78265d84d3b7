package stages

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/looper-go/looper/internal/agent"
	"github.com/looper-go/looper/sinks"
	"github.com/looper-go/looper/todo"
)

// task is a compact backlog entry for tests.
type task struct {
	id       string
	priority int
	status   todo.Status
	deps     []string
	tags     []string
}

// writeBacklog writes a valid backlog with the given tasks to dir and
// returns its path.
func writeBacklog(t testing.TB, dir string, tasks ...task) string {
	t.Helper()
	b := &todo.Backlog{SchemaVersion: 1, SourceFiles: []string{}}
	for _, tk := range tasks {
		st := tk.status
		if st == "" {
			st = todo.StatusTodo
		}
		p := tk.priority
		if p == 0 {
			p = 3
		}
		b.Tasks = append(b.Tasks, todo.Task{ID: tk.id, Title: "Task " + tk.id, Priority: p, Status: st, DependsOn: tk.deps, Tags: tk.tags})
	}
	path := filepath.Join(dir, ".looper", "todo.json")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := todo.Save(path, b); err != nil {
		t.Fatal(err)
	}
	return path
}

// behaviour is what a fake agent does on one call: how long it works and
// what it returns. The context is the attempt's; Run handles cancellation.
type behaviour func(req agent.Request, call int) (time.Duration, agent.Result)

// done returns a behaviour that works for d and reports done.
func done(d time.Duration) behaviour {
	return func(req agent.Request, _ int) (time.Duration, agent.Result) {
		return d, okResult(req.TaskID, todo.SummaryDone)
	}
}

func okResult(id, status string) agent.Result {
	s := &todo.Summary{TaskID: id, Status: status, Summary: fmt.Sprintf("%s %s", id, status), Files: []string{id + ".txt"}}
	data, _ := json.Marshal(s)
	return agent.Result{Class: agent.ClassOK, Summary: s, SummaryJSON: data}
}

// fakeRunner is an in-process AgentRunner whose attempts take virtual time,
// so schedules can be checked exactly under testing/synctest.
type fakeRunner struct {
	mu         sync.Mutex
	plan       map[string]behaviour // by task id ("" = review and helpers)
	byAgent    map[string]behaviour // by agent id ("claude#2"), before plan
	fallback   behaviour
	running    int
	maxRunning int
	calls      map[string]int
	starts     map[string][]time.Time
	ends       map[string][]time.Time
	order      []string
	specs      []string // spec names in call order
}

func newFakeRunner(fallback behaviour) *fakeRunner {
	return &fakeRunner{plan: map[string]behaviour{}, byAgent: map[string]behaviour{}, fallback: fallback,
		calls: map[string]int{}, starts: map[string][]time.Time{}, ends: map[string][]time.Time{}}
}

func (f *fakeRunner) Run(ctx context.Context, spec agent.Spec, req agent.Request) agent.Result {
	f.mu.Lock()
	f.calls[req.TaskID]++
	call := f.calls[req.TaskID]
	b := f.plan[req.TaskID]
	if ab, ok := f.byAgent[req.AgentID]; ok {
		b = ab
	}
	if b == nil {
		b = f.fallback
	}
	f.running++
	f.maxRunning = max(f.maxRunning, f.running)
	f.starts[req.TaskID] = append(f.starts[req.TaskID], time.Now())
	f.order = append(f.order, req.TaskID)
	f.specs = append(f.specs, spec.Name)
	f.mu.Unlock()

	d, res := b(req, call)
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
	case <-ctx.Done():
		res = agent.Result{Class: agent.ClassKilled, Err: "killed: " + context.Cause(ctx).Error()}
	}
	res.Duration = d

	f.mu.Lock()
	f.running--
	f.ends[req.TaskID] = append(f.ends[req.TaskID], time.Now())
	f.mu.Unlock()
	return res
}

func (f *fakeRunner) started(id string) []time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.starts[id])
}

func (f *fakeRunner) ended(id string) []time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.ends[id])
}

// eventLog collects emitted events.
type eventLog struct {
	mu     sync.Mutex
	events []sinks.Event
}

func (l *eventLog) emit(e sinks.Event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events = append(l.events, e)
}

// Run makes the log a run's output (Services.Output).
func (l *eventLog) Run(_ context.Context, events <-chan sinks.Event) error {
	for e := range events {
		l.emit(e)
	}
	return nil
}

func (l *eventLog) of(kind sinks.Kind) []sinks.Event {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []sinks.Event
	for _, e := range l.events {
		if e.Kind == kind {
			out = append(out, e)
		}
	}
	return out
}

// harness is a project with a backlog, a store and deps wired to a fake
// runner.
type harness struct {
	t      testing.TB
	dir    string
	path   string
	runner *fakeRunner
	events *eventLog
	deps   *env // the settings and services each run is built from
}

func newHarness(t testing.TB, runner *fakeRunner, tasks ...task) *harness {
	t.Helper()
	dir := t.TempDir()
	path := writeBacklog(t, dir, tasks...)
	h := &harness{t: t, dir: dir, path: path, runner: runner, events: &eventLog{}}
	store, err := OpenStore(path, StoreOptions{Warn: func(msg string) {
		h.events.emit(sinks.Event{Kind: sinks.KindWarning, Message: msg})
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	h.deps = newEnv(Settings{
		Agents:         map[string]agent.Spec{"claude": {Name: "claude"}, "codex": {Name: "codex"}},
		IterAgent:      "claude",
		ReviewAgent:    "claude",
		BootstrapAgent: "claude",
		RepairAgent:    "claude",
		WorkDir:        dir,
		TodoPath:       path,
		SchemaPath:     filepath.Join(dir, ".looper", "todo.schema.json"),
		RunID:          "test",
		MaxAgents:      1,
		Strategy:       todo.StrategyPriority,
		ApplySummary:   true,
	}, Services{
		Store:  store,
		Runner: runner,
		Output: h.events,
	})
	return h
}

// run runs the loop with the default stages, and the review pass when
// review is set.
func (h *harness) run(ctx context.Context, review bool) (Report, error) {
	l := h.loop(review)
	return l.Run(ctx)
}

// loop builds a loop from the harness's settings and services, as looper
// run does.
func (h *harness) loop(review bool) *Loop {
	reg := Registry(h.deps.Settings, h.deps.Services)
	nodes, err := reg.Lookup(DefaultStages...)
	if err != nil {
		h.t.Fatal(err)
	}
	l := &Loop{Settings: h.deps.Settings, Services: h.deps.Services, Nodes: nodes}
	if review {
		r, err := reg.Lookup("review")
		if err != nil {
			h.t.Fatal(err)
		}
		l.Review = r[0]
	}
	return l
}

// backlog loads the backlog from disk.
func (h *harness) backlog() *todo.Backlog {
	h.t.Helper()
	b, err := todo.Load(h.path)
	if err != nil {
		h.t.Fatal(err)
	}
	return b
}

func (h *harness) status(id string) todo.Status {
	h.t.Helper()
	tk := h.backlog().Task(id)
	if tk == nil {
		h.t.Fatalf("task %s is gone", id)
	}
	return tk.Status
}

func writeFile(path, content string) error { return os.WriteFile(path, []byte(content), 0o644) }
