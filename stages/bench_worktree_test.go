package stages

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"

	"sync"
	"testing"
	"time"

	"github.com/looper-go/looper/internal/agent"
	"github.com/looper-go/looper/internal/worktree"
	"github.com/looper-go/looper/sinks"
	"github.com/looper-go/looper/todo"
)

// The benchmarks in this file run the real pipeline twice per iteration,
// once without git (attempts in place) and once with a worktree per
// attempt, side by side, and report the ratio: on a shared, busy machine
// absolute times say little, a ratio measured in one run says what
// isolation costs.

// writes is a behaviour that works for d and runs a process, as an agent
// is one, that leaves file <task>.txt in the attempt's directory
// uncommitted (looper commits it in a worktree), then reports done: the
// same agent work with and without git.
func writes(d time.Duration) behaviour {
	return func(req agent.Request, _ int) (time.Duration, agent.Result) {
		cmd := exec.Command("sh", "-c", `printf '%s\n' "$1" > "$1.txt"`, "agent", req.TaskID)
		cmd.Dir = req.Dir
		_ = cmd.Run()
		return d, okResult(req.TaskID, todo.SummaryDone)
	}
}

// benchHarness is a harness over tasks, in a git repository with a worktree
// per attempt when git is set, in place otherwise.
func benchHarness(b *testing.B, r *fakeRunner, git bool, tasks ...task) *harness {
	b.Helper()
	h := newHarness(b, r, tasks...)
	h.deps.Parallel = true
	if !git {
		return h
	}
	gitIn(b, h.dir, "init", "-q", "-b", "main")
	if err := os.WriteFile(filepath.Join(h.dir, ".gitignore"), []byte(".looper/\n"), 0o644); err != nil {
		b.Fatal(err)
	}
	gitIn(b, h.dir, "add", ".gitignore")
	gitIn(b, h.dir, "commit", "-qm", "start")
	repo, err := worktree.Open(h.dir)
	if err != nil {
		b.Fatal(err)
	}
	h.deps.Repo = repo
	return h
}

// sideBySide runs one(git) for both modes on every iteration and reports
// each mode's mean of measure and the ratio worktrees/no-git.
func sideBySide(b *testing.B, unit string, one func(b *testing.B, git bool) time.Duration) {
	var sum [2]time.Duration
	n := 0
	for b.Loop() {
		// Alternate the order so that neither mode always runs second.
		order := []bool{false, true}
		if n%2 == 1 {
			order = []bool{true, false}
		}
		for _, git := range order {
			i := 0
			if git {
				i = 1
			}
			sum[i] += one(b, git)
		}
		n++
	}
	b.ReportMetric(float64(sum[0].Microseconds())/1000/float64(n), "nogit-"+unit)
	b.ReportMetric(float64(sum[1].Microseconds())/1000/float64(n), "worktree-"+unit)
	b.ReportMetric(float64(sum[1])/float64(sum[0]), "worktree/nogit")
}

// BenchmarkZeroWork runs 200 independent tasks whose agent returns at once
// (leaving one new file) with max_tasks 8: the wall time is all overhead.
func BenchmarkZeroWork(b *testing.B) {
	var tasks []task
	for i := range benchN() {
		tasks = append(tasks, task{id: fmt.Sprintf("T%03d", i+1)})
	}
	sideBySide(b, "ms", func(b *testing.B, git bool) time.Duration {
		h := benchHarness(b, newFakeRunner(writes(0)), git, tasks...)
		h.deps.MaxTasks = 8
		start := time.Now()
		rep, err := h.run(b.Context(), false)
		if err != nil || rep.Done != len(tasks) {
			b.Fatalf("git %v: report %+v, err %v", git, rep, err)
		}
		return time.Since(start)
	})
}

// BenchmarkDependencyEdge runs a chain of 10 tasks, each depending on the
// one before, and reports the mean time from one agent's exit to the next
// agent's start: everything looper does to land a task and start its
// dependant (inspect, vote, merge, record, clean up, dispatch, prepare).
func BenchmarkDependencyEdge(b *testing.B) {
	const n = 10
	var tasks []task
	for i := range n {
		t := task{id: fmt.Sprintf("C%02d", i+1)}
		if i > 0 {
			t.deps = []string{fmt.Sprintf("C%02d", i)}
		}
		tasks = append(tasks, t)
	}
	sideBySide(b, "ms/edge", func(b *testing.B, git bool) time.Duration {
		r := newFakeRunner(writes(0))
		h := benchHarness(b, r, git, tasks...)
		h.deps.MaxTasks = 4
		rep, err := h.run(b.Context(), false)
		if err != nil || rep.Done != n {
			b.Fatalf("git %v: report %+v, err %v", git, rep, err)
		}
		var edges time.Duration
		for i := 1; i < n; i++ {
			edges += r.started(tasks[i].id)[0].Sub(r.ended(tasks[i-1].id)[0])
		}
		return edges / (n - 1)
	})
}

// BenchmarkMergeBurst lets 12 independent tasks finish at the same moment
// and reports how long the burst takes to land (the last agent's exit to
// the last outcome) over the time one task takes to land alone (its
// agent's exit to its outcome), with worktrees: each outcome is a merge.
func BenchmarkMergeBurst(b *testing.B) {
	land := func(b *testing.B, n int) time.Duration {
		var tasks []task
		for i := range n {
			tasks = append(tasks, task{id: fmt.Sprintf("B%02d", i+1)})
		}
		r := newFakeRunner(writes(0))
		// Every agent waits until all have started, then all exit at once.
		var wg sync.WaitGroup
		wg.Add(n)
		r.fallback = func(req agent.Request, call int) (time.Duration, agent.Result) {
			wg.Done()
			wg.Wait()
			return writes(0)(req, call)
		}
		h := benchHarness(b, r, true, tasks...)
		h.deps.MaxTasks = n
		var mu sync.Mutex
		var last time.Time
		h.deps.Output = sinks.Func(func(e sinks.Event) {
			if e.Kind == sinks.KindOutcome {
				mu.Lock()
				last = time.Now()
				mu.Unlock()
			}
			h.events.emit(e)
		})
		rep, err := h.run(context.Background(), false)
		if err != nil || rep.Done != n {
			b.Fatalf("report %+v, err %v", rep, err)
		}
		var exit time.Time
		for _, t := range tasks {
			if e := r.ended(t.id)[0]; e.After(exit) {
				exit = e
			}
		}
		return last.Sub(exit)
	}
	var one, burst time.Duration
	runs := 0
	for b.Loop() {
		one += land(b, 1)
		burst += land(b, 12)
		runs++
	}
	b.ReportMetric(float64(one.Microseconds())/1000/float64(runs), "one-ms")
	b.ReportMetric(float64(burst.Microseconds())/1000/float64(runs), "burst12-ms")
	b.ReportMetric(float64(burst)/float64(one), "burst/one")
}

// BenchmarkMakespanWorktrees runs the 40-task DAG of BenchmarkMakespan
// with 0.2–2 s tasks and 4 workers, in place and with worktrees, under the
// mixed and the dependency strategy, and reports each makespan over the
// DAG's lower bound, beside what the strategy reaches with no overhead at
// all (ideal/bound) and what a scheduler that knew every task's duration
// would (known-durations/bound).
func BenchmarkMakespanWorktrees(b *testing.B) {
	if testing.Short() {
		b.Skip("takes about a minute per iteration")
	}
	for _, strategy := range []todo.Strategy{todo.StrategyMixed, todo.StrategyDependency} {
		b.Run(string(strategy), func(b *testing.B) { makespanWorktrees(b, strategy) })
	}
}

func makespanWorktrees(b *testing.B, strategy todo.Strategy) {
	const slots = 4
	unit := 200 * time.Millisecond
	dag := benchDAG(unit)
	bound := lowerBound(dag, slots)
	var sum [2]time.Duration
	runs := 0
	for b.Loop() {
		for _, git := range []bool{runs%2 == 1, runs%2 == 0} {
			r := newFakeRunner(writes(unit))
			var tasks []task
			for _, t := range dag {
				r.plan[t.id] = writes(t.work)
				var deps []string
				for _, d := range t.deps {
					deps = append(deps, dag[d].id)
				}
				tasks = append(tasks, task{id: t.id, priority: t.priority, deps: deps})
			}
			h := benchHarness(b, r, git, tasks...)
			h.deps.MaxTasks = slots
			h.deps.Strategy = strategy
			start := time.Now()
			rep, err := h.run(b.Context(), false)
			if err != nil || rep.Done != len(dag) {
				b.Fatalf("git %v: report %+v, err %v", git, rep, err)
			}
			k := 0
			if git {
				k = 1
			}
			sum[k] += time.Since(start)
		}
		runs++
	}
	b.ReportMetric(float64(sum[0])/float64(runs)/float64(bound), "nogit/bound")
	b.ReportMetric(float64(sum[1])/float64(runs)/float64(bound), "worktree/bound")
	b.ReportMetric(float64(listMakespan(dag, slots, strategy))/float64(bound), "ideal/bound")
	b.ReportMetric(float64(knownDurationsMakespan(dag, slots))/float64(bound), "known-durations/bound")
}

// benchN is the number of tasks BenchmarkZeroWork runs: 200, or
// LOOPER_BENCH_TASKS for a quick look.
func benchN() int {
	n := 200
	if v, err := strconv.Atoi(os.Getenv("LOOPER_BENCH_TASKS")); err == nil && v > 0 {
		n = v
	}
	return n
}
