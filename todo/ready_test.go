package todo

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// drain takes every task from r one at a time, completing each as done, and
// returns the order they came in.
func drain(r *ReadySet) []string {
	var order []string
	for {
		t, ok := r.Next()
		if !ok {
			return order
		}
		order = append(order, t.ID)
		r.Complete(t.ID, StatusDone)
	}
}

func TestStrategiesDiffer(t *testing.T) {
	t.Parallel()
	b, _ := loadFixture(t, "strategies.json")
	tests := []struct {
		strategy Strategy
		ready    []string // initial Order()
		drained  []string // one at a time, all done
	}{{
		strategy: StrategyPriority,
		ready:    []string{"T06", "T01", "T02", "T03", "T04", "T05", "T07"},
		drained:  []string{"T06", "T01", "T02", "T03", "T04", "T05", "T10", "T11", "T20", "T21", "T22", "T23", "T30", "T07"},
	}, {
		strategy: StrategyDependency,
		ready:    []string{"T06", "T03", "T02", "T05", "T01", "T04", "T07"},
		drained:  []string{"T06", "T03", "T20", "T02", "T21", "T05", "T10", "T22", "T01", "T04", "T11", "T23", "T30", "T07"},
	}, {
		strategy: StrategyMixed,
		ready:    []string{"T06", "T02", "T01", "T03", "T04", "T05", "T07"},
		drained:  []string{"T06", "T02", "T01", "T03", "T04", "T05", "T10", "T11", "T20", "T21", "T22", "T23", "T30", "T07"},
	}}
	orders := map[string]Strategy{}
	for _, tt := range tests {
		r := NewReadySet(b, tt.strategy, nil)
		if got := r.Order(); !slices.Equal(got, tt.ready) {
			t.Errorf("%s: Order() = %v, want %v", tt.strategy, got, tt.ready)
		}
		if got := drain(r); !slices.Equal(got, tt.drained) {
			t.Errorf("%s: drained %v, want %v", tt.strategy, got, tt.drained)
		}
		key := strings.Join(tt.ready, ",")
		if other, dup := orders[key]; dup {
			t.Errorf("%s and %s pick the same order", tt.strategy, other)
		}
		orders[key] = tt.strategy
	}
	r := NewReadySet(b, StrategyDependency, nil)
	for id, want := range map[string]int{"T03": 4, "T20": 3, "T02": 2, "T05": 1, "T01": 0, "T00": 0} {
		if got := r.Chain(id); got != want {
			t.Errorf("Chain(%s) = %d, want %d", id, got, want)
		}
	}
}

// TestReadySetFollowsSelect: with the priority strategy and one task at a
// time, the ready set picks exactly what upstream's Select picks.
func TestReadySetFollowsSelect(t *testing.T) {
	t.Parallel()
	check := func(t *testing.T, b *Backlog) {
		r := NewReadySet(b, StrategyPriority, nil)
		for step := 0; ; step++ {
			want := b.Select()
			got, ok := r.Next()
			if want == nil {
				if ok {
					t.Fatalf("step %d: ReadySet offers %s, Select nothing", step, got.ID)
				}
				return
			}
			if !ok || got.ID != want.ID {
				t.Fatalf("step %d: ReadySet offers %q (ok %v), Select %s", step, got.ID, ok, want.ID)
			}
			want.Status = StatusDone
			r.Complete(got.ID, StatusDone)
		}
	}
	t.Run("upstream fixture", func(t *testing.T) {
		b, _ := loadFixture(t, "upstream-91.json")
		check(t, b)
	})
	t.Run("strategies fixture", func(t *testing.T) {
		b, _ := loadFixture(t, "strategies.json")
		check(t, b)
	})
	rng := rand.New(rand.NewPCG(5, 6))
	for i := range 50 {
		t.Run(fmt.Sprintf("random %d", i), func(t *testing.T) { check(t, randomDAG(rng, 60)) })
	}
}

// randomDAG builds a backlog whose dependencies point at earlier tasks,
// with random statuses, priorities and a few missing dependencies.
func randomDAG(r *rand.Rand, n int) *Backlog {
	b := &Backlog{SchemaVersion: 1}
	statuses := []Status{StatusTodo, StatusTodo, StatusTodo, StatusDone, StatusDone, StatusDoing, StatusBlocked}
	for i := range n {
		t := Task{ID: fmt.Sprintf("T%d", r.IntN(3)*1000+i), Title: "t", Priority: 1 + r.IntN(5), Status: statuses[r.IntN(len(statuses))]}
		for range r.IntN(3) {
			if i > 0 {
				t.DependsOn = append(t.DependsOn, b.Tasks[r.IntN(i)].ID)
			}
		}
		if r.IntN(40) == 0 {
			t.DependsOn = append(t.DependsOn, "missing")
		}
		b.Tasks = append(b.Tasks, t)
	}
	return b
}

// TestReadySetInvariants drains random backlogs in parallel batches with
// random outcomes and checks what must always hold: a task is offered only
// when its dependencies are done, Order predicts Next, blocked tasks and
// their dependants are never offered again, and everything reachable runs.
func TestReadySetInvariants(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(7, 8))
	for iter := range 100 {
		b := randomDAG(rng, 80)
		strategy := Strategy(Strategies()[iter%3])
		skipped := map[string]bool{b.Tasks[rng.IntN(len(b.Tasks))].ID: true}
		r := NewReadySet(b, strategy, func(id string) bool { return skipped[id] })
		done := map[string]bool{}
		for _, tk := range b.Tasks {
			if tk.Status == StatusDone {
				done[tk.ID] = true
			}
		}
		blocked := map[string]bool{}
		for r.Len() > 0 || r.InFlight() > 0 {
			order := r.Order()
			var batch []Task
			for k := 0; k < 1+rng.IntN(4); k++ {
				tk, ok := r.Next()
				if !ok {
					break
				}
				if tk.ID != order[k] {
					t.Fatalf("Next() = %s, Order() said %s", tk.ID, order[k])
				}
				for _, d := range tk.DependsOn {
					if !done[d] {
						t.Fatalf("%s offered before its dependency %s is done", tk.ID, d)
					}
				}
				if blocked[tk.ID] || skipped[tk.ID] || done[tk.ID] {
					t.Fatalf("%s offered again", tk.ID)
				}
				batch = append(batch, tk)
			}
			if got := r.InFlight(); got != len(batch) {
				t.Fatalf("InFlight() = %d, want %d", got, len(batch))
			}
			for _, tk := range batch {
				switch rng.IntN(6) {
				case 0:
					blocked[tk.ID] = true
					r.Complete(tk.ID, StatusBlocked)
				case 1:
					r.Complete(tk.ID, StatusTodo) // retried later
				default:
					done[tk.ID] = true
					r.Complete(tk.ID, StatusDone)
				}
			}
		}
		// Every task that was not skipped, blocked or behind one of those
		// (or a missing dependency) is done.
		for _, tk := range b.Tasks {
			if done[tk.ID] || blocked[tk.ID] || skipped[tk.ID] {
				continue
			}
			reachable := true
			for _, d := range tk.DependsOn {
				if !done[d] {
					reachable = false
				}
			}
			if reachable {
				t.Fatalf("%s (%s) was never offered although its dependencies are done", tk.ID, tk.Status)
			}
		}
	}
}

func TestReadySetSkipAndBlocked(t *testing.T) {
	t.Parallel()
	b := backlogOf(task("T1", 1, StatusTodo), task("T2", 1, StatusTodo, "T1"), task("T3", 2, StatusTodo), task("T4", 3, StatusTodo, "T3"))
	r := NewReadySet(b, StrategyPriority, func(id string) bool { return id == "T3" })
	if got := r.Order(); !slices.Equal(got, []string{"T1"}) {
		t.Fatalf("Order() = %v, want [T1] (T3 skipped)", got)
	}
	t1, _ := r.Next()
	r.Complete(t1.ID, StatusBlocked)
	if r.Len() != 0 || r.InFlight() != 0 {
		t.Fatalf("after blocking T1: Len %d InFlight %d, want 0 0", r.Len(), r.InFlight())
	}
	if _, ok := r.Next(); ok {
		t.Fatal("Next() offered a task behind a blocked one")
	}
}

func TestReadySetRetry(t *testing.T) {
	t.Parallel()
	b := backlogOf(task("T1", 2, StatusDoing), task("T2", 1, StatusTodo))
	r := NewReadySet(b, StrategyPriority, nil)
	first, _ := r.Next()
	if first.ID != "T1" {
		t.Fatalf("Next() = %s, want the doing task T1", first.ID)
	}
	r.Complete("T1", StatusTodo) // back in the todo tier, behind T2 by priority
	if got := r.Order(); !slices.Equal(got, []string{"T2", "T1"}) {
		t.Fatalf("Order() = %v, want [T2 T1]", got)
	}
	second, _ := r.Next()
	second.Files = append(second.Files, "changed")
	second.DependsOn = append(second.DependsOn, "x")
	r.Complete(second.ID, StatusDoing) // doing tier again: first
	if got := r.Order(); !slices.Equal(got, []string{"T2", "T1"}) {
		t.Fatalf("Order() = %v, want [T2 T1]", got)
	}
	again, _ := r.Next()
	if len(again.Files) != 0 || len(again.DependsOn) != 0 {
		t.Fatalf("a caller's change to a returned task leaked into the set: %+v", again)
	}
}

func TestReadySetExclusions(t *testing.T) {
	t.Parallel()
	b := backlogOf(task("T1", 1, StatusDone), task("T2", 1, StatusTodo, "T404"), task("T3", 1, StatusTodo),
		task("T3", 1, StatusTodo), task("T4", 1, "weird"), task("T5", 1, StatusTodo, "T5"))
	r := NewReadySet(b, StrategyPriority, nil)
	if got := r.Order(); !slices.Equal(got, []string{"T3"}) {
		t.Fatalf("Order() = %v, want only T3 (done, missing dependency, duplicate, bad status, cycle excluded)", got)
	}
}

func TestReadySetPanics(t *testing.T) {
	t.Parallel()
	b := backlogOf(task("T1", 1, StatusTodo))
	mustPanic := func(name string, f func()) {
		t.Helper()
		defer func() {
			if recover() == nil {
				t.Errorf("%s did not panic", name)
			}
		}()
		f()
	}
	mustPanic("unknown strategy", func() { NewReadySet(b, "fastest", nil) })
	r := NewReadySet(b, "", nil)
	mustPanic("Complete of a task not in flight", func() { r.Complete("T1", StatusDone) })
	r.Next()
	mustPanic("Complete with a bad status", func() { r.Complete("T1", "finished") })
}

func TestParseStrategy(t *testing.T) {
	t.Parallel()
	for _, name := range append(Strategies(), "") {
		if _, err := ParseStrategy(name); err != nil {
			t.Errorf("ParseStrategy(%q): %v", name, err)
		}
	}
	if _, err := ParseStrategy("random"); err == nil || !strings.Contains(err.Error(), "priority, dependency, mixed") {
		t.Errorf("ParseStrategy(random) = %v", err)
	}
}
