package stages

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/looper-go/looper/todo"
)

// dagTask is one task of the benchmark DAG.
type dagTask struct {
	id       string
	priority int
	deps     []int
	work     time.Duration
}

// benchDAG is a fixed 40-task DAG with heterogeneous durations: each task
// depends on up to two earlier ones, durations are 1 to 10 units.
func benchDAG(unit time.Duration) []dagTask {
	r := rand.New(rand.NewPCG(40, 4))
	var ts []dagTask
	for i := range 40 {
		t := dagTask{id: fmt.Sprintf("T%02d", i+1), priority: 1 + r.IntN(5), work: time.Duration(1+r.IntN(10)) * unit}
		for range r.IntN(3) {
			if i > 0 {
				if d := r.IntN(i); !slices.Contains(t.deps, d) {
					t.deps = append(t.deps, d)
				}
			}
		}
		ts = append(ts, t)
	}
	return ts
}

// lowerBound is max(critical path, total work / slots): no schedule on
// that many slots can finish sooner.
func lowerBound(ts []dagTask, slots int) time.Duration {
	finish := make([]time.Duration, len(ts))
	var critical, total time.Duration
	for i, t := range ts {
		var start time.Duration
		for _, d := range t.deps {
			start = max(start, finish[d])
		}
		finish[i] = start + t.work
		critical = max(critical, finish[i])
		total += t.work
	}
	return max(critical, total/time.Duration(slots))
}

// barrierMakespan is the makespan of the schedule upstream's parallel mode
// used: take up to slots ready tasks in priority order, run them, wait for
// all of them, repeat.
func barrierMakespan(ts []dagTask, slots int) time.Duration {
	done := make([]bool, len(ts))
	var makespan time.Duration
	for remaining := len(ts); remaining > 0; {
		var ready []int
		for i, t := range ts {
			if done[i] {
				continue
			}
			if !slices.ContainsFunc(t.deps, func(d int) bool { return !done[d] }) {
				ready = append(ready, i)
			}
		}
		slices.SortStableFunc(ready, func(a, b int) int {
			if ts[a].priority != ts[b].priority {
				return ts[a].priority - ts[b].priority
			}
			return todo.CompareIDs(ts[a].id, ts[b].id)
		})
		batch := ready[:min(slots, len(ready))]
		var longest time.Duration
		for _, i := range batch {
			longest = max(longest, ts[i].work)
			done[i] = true
			remaining--
		}
		makespan += longest
	}
	return makespan
}

// listMakespan simulates continuous dispatch with a ready set and the
// given strategy, with no overhead at all: the best the scheduling policy
// itself can do on this DAG, to tell policy from overhead.
func listMakespan(ts []dagTask, slots int, strategy todo.Strategy) time.Duration {
	b := &todo.Backlog{SchemaVersion: 1}
	work := map[string]time.Duration{}
	for _, t := range ts {
		var deps []string
		for _, d := range t.deps {
			deps = append(deps, ts[d].id)
		}
		b.Tasks = append(b.Tasks, todo.Task{ID: t.id, Title: t.id, Priority: t.priority, Status: todo.StatusTodo, DependsOn: deps})
		work[t.id] = t.work
	}
	ready := todo.NewReadySet(b, strategy, nil)
	type running struct {
		id  string
		end time.Duration
	}
	var now time.Duration
	var run []running
	for {
		for len(run) < slots {
			t, ok := ready.Next()
			if !ok {
				break
			}
			run = append(run, running{t.ID, now + work[t.ID]})
		}
		if len(run) == 0 {
			return now
		}
		slices.SortFunc(run, func(a, b running) int { return int(a.end - b.end) })
		now = run[0].end
		ready.Complete(run[0].id, todo.StatusDone)
		run = run[1:]
	}
}

// knownDurationsMakespan simulates continuous dispatch, with no overhead,
// by a scheduler that knows every task's duration and starts the ready
// task heading the longest remaining path of work first. Looper does not
// know durations; this is how close to the lower bound a schedule of the
// DAG can get when it does.
func knownDurationsMakespan(ts []dagTask, slots int) time.Duration {
	n := len(ts)
	dependants := make([][]int, n)
	for i, t := range ts {
		for _, d := range t.deps {
			dependants[d] = append(dependants[d], i)
		}
	}
	path := make([]time.Duration, n) // dependencies always come earlier
	for i := n - 1; i >= 0; i-- {
		path[i] = ts[i].work
		for _, k := range dependants[i] {
			path[i] = max(path[i], ts[i].work+path[k])
		}
	}
	waiting := make([]int, n)
	var ready []int
	for i, t := range ts {
		if waiting[i] = len(t.deps); waiting[i] == 0 {
			ready = append(ready, i)
		}
	}
	type running struct {
		i   int
		end time.Duration
	}
	var now time.Duration
	var run []running
	for {
		slices.SortStableFunc(ready, func(a, b int) int { return int(path[b] - path[a]) })
		for len(run) < slots && len(ready) > 0 {
			run = append(run, running{ready[0], now + ts[ready[0]].work})
			ready = ready[1:]
		}
		if len(run) == 0 {
			return now
		}
		slices.SortFunc(run, func(a, b running) int { return int(a.end - b.end) })
		now = run[0].end
		for _, k := range dependants[run[0].i] {
			if waiting[k]--; waiting[k] == 0 {
				ready = append(ready, k)
			}
		}
		run = run[1:]
	}
}

// BenchmarkMakespan runs the real pipeline (select, execute, vote, merge,
// with the real backlog store on disk) over the 40-task DAG with
// max_tasks 4 and an in-process agent that works for each task's duration,
// and reports the mean makespan as a ratio to the lower bound, next to the
// ratio the same policy reaches with zero overhead (ideal/bound) and the
// ratio of a barrier-per-batch schedule of the same DAG (barrier/bound).
func BenchmarkMakespan(b *testing.B) {
	const slots = 4
	unit := 40 * time.Millisecond
	dag := benchDAG(unit)
	bound := lowerBound(dag, slots)
	for _, strategy := range []todo.Strategy{todo.StrategyPriority, todo.StrategyDependency, todo.StrategyMixed} {
		b.Run(string(strategy), func(b *testing.B) {
			var total time.Duration
			runs := 0
			for b.Loop() {
				r := newFakeRunner(done(unit))
				var tasks []task
				for _, t := range dag {
					r.plan[t.id] = done(t.work)
					var deps []string
					for _, d := range t.deps {
						deps = append(deps, dag[d].id)
					}
					tasks = append(tasks, task{id: t.id, priority: t.priority, deps: deps})
				}
				h := newHarness(b, r, tasks...)
				h.deps.MaxTasks = slots
				h.deps.Strategy = strategy
				start := time.Now()
				rep, err := h.run(b.Context(), false)
				if err != nil || rep.Done != len(dag) {
					b.Fatalf("report %+v, err %v", rep, err)
				}
				total += time.Since(start)
				runs++
			}
			b.ReportMetric(float64(total)/float64(runs)/float64(bound), "makespan/bound")
			b.ReportMetric(float64(listMakespan(dag, slots, strategy))/float64(bound), "ideal/bound")
			b.ReportMetric(float64(barrierMakespan(dag, slots))/float64(bound), "barrier/bound")
			b.ReportMetric(float64(knownDurationsMakespan(dag, slots))/float64(bound), "known-durations/bound")
		})
	}
}

// BenchmarkDecide measures one vote over three attempts.
func BenchmarkDecide(b *testing.B) {
	attempts := []Attempt{at(1, "done", diff(40, 2, 3)), at(2, "blocked"), at(3, "done", diff(5, 5, 2))}
	ballot := Ballot{Job: Job{Task: todo.Task{ID: "T1"}}, Attempts: attempts}
	for b.Loop() {
		Decide(ballot, 0)
	}
}
