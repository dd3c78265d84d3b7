package budget

import (
	"errors"
	"math"
	"slices"
	"sync"
	"testing"
)

func mustNew(t *testing.T, l Limits) *Tracker {
	t.Helper()
	tr, err := New(l)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func TestSpendWarnsAtEightyPercentThenStopsAtTheLimit(t *testing.T) {
	tr := mustNew(t, Limits{RunCostUSD: 1})
	if got := tr.Spend("T1", Usage{CostUSD: 0.5}); len(got) != 0 {
		t.Fatalf("50%%: %v, want nothing", got)
	}
	got := tr.Spend("T2", Usage{CostUSD: 0.3})
	if len(got) != 1 || got[0].Exhausted || got[0].Scope != ScopeRun || got[0].Metric != MetricCost {
		t.Fatalf("80%%: %v, want one run cost warning", got)
	}
	if want := "run cost $0.8000 is 80% of budget.max_cost_usd ($1.00)"; got[0].String() != want {
		t.Errorf("warning reads %q, want %q", got[0], want)
	}
	if _, ok := tr.RunExhausted(); ok {
		t.Fatal("exhausted at 80%")
	}
	if got := tr.Spend("T3", Usage{CostUSD: 0.1}); len(got) != 0 {
		t.Fatalf("90%%: %v; the warning was given already", got)
	}
	got = tr.Spend("T3", Usage{CostUSD: 0.2})
	if len(got) != 1 || !got[0].Exhausted {
		t.Fatalf("110%%: %v, want exhausted", got)
	}
	c, ok := tr.RunExhausted()
	if !ok || c.Key() != "budget.max_cost_usd" {
		t.Fatalf("RunExhausted = %v, %v", c, ok)
	}
	if got := tr.Spend("T3", Usage{CostUSD: 5}); len(got) != 0 {
		t.Errorf("after the limit: %v; it was reported already", got)
	}
	if s := tr.Spent(); math.Abs(s.CostUSD-6.1) > 1e-9 {
		t.Errorf("spent %v, want 6.1 (attempts after the limit still count)", s.CostUSD)
	}
}

func TestAJumpPastTheLimitReportsOnlyTheLimit(t *testing.T) {
	tr := mustNew(t, Limits{RunTokens: 1000})
	got := tr.Spend("", Usage{Tokens: 5000})
	if len(got) != 1 || !got[0].Exhausted || got[0].Metric != MetricTokens {
		t.Fatalf("got %v, want one exhausted tokens crossing", got)
	}
	if want := "run tokens 5,000 reached budget.max_tokens (1,000)"; got[0].String() != want {
		t.Errorf("reads %q, want %q", got[0], want)
	}
}

func TestTaskLimitsAreKeptPerTask(t *testing.T) {
	tr := mustNew(t, Limits{TaskTokens: 100, TaskCostUSD: 1})
	tr.Spend("T1", Usage{Tokens: 60})
	if got := tr.Spend("T2", Usage{Tokens: 60}); len(got) != 0 {
		t.Fatalf("T2 at 60%%: %v", got)
	}
	got := tr.Spend("T1", Usage{Tokens: 60, CostUSD: 0.9})
	// T1: tokens 120 of 100 reached, cost 0.9 of 1 is a warning.
	if len(got) != 2 || got[0].Task != "T1" || got[0].Metric != MetricCost || got[0].Exhausted ||
		got[1].Metric != MetricTokens || !got[1].Exhausted || got[1].Key() != "budget.task_max_tokens" {
		t.Fatalf("got %v", got)
	}
	if c, ok := tr.TaskExhausted("T1"); !ok || c.Metric != MetricTokens {
		t.Errorf("T1 exhausted = %v, %v", c, ok)
	}
	if _, ok := tr.TaskExhausted("T2"); ok {
		t.Error("T2 exhausted by T1's spending")
	}
	if _, ok := tr.RunExhausted(); ok {
		t.Error("a task limit ended the run")
	}
	if got := tr.ExhaustedTasks(); !slices.Equal(got, []string{"T1"}) {
		t.Errorf("exhausted tasks %v", got)
	}
	if u := tr.TaskSpent("T1"); u.Tokens != 120 {
		t.Errorf("T1 spent %+v", u)
	}
}

func TestNilAndZeroTrackersSpendWithoutLimit(t *testing.T) {
	var nilTracker *Tracker
	if got := nilTracker.Spend("T1", Usage{Tokens: 1 << 40, CostUSD: 1e9}); got != nil {
		t.Errorf("nil tracker reported %v", got)
	}
	if _, ok := nilTracker.RunExhausted(); ok || nilTracker.StopNow() {
		t.Error("nil tracker is exhausted or stops")
	}
	zero := mustNew(t, Limits{})
	if got := zero.Spend("T1", Usage{Tokens: 1 << 40, CostUSD: 1e9}); len(got) != 0 {
		t.Errorf("no limits reported %v", got)
	}
	if zero.Limits().Enabled() || zero.Limits().Stop != StopFinish {
		t.Errorf("limits %+v", zero.Limits())
	}
	if got := zero.Spend("T1", Usage{Tokens: -5, CostUSD: -1}); len(got) != 0 || zero.Spent().Tokens != 1<<40 {
		t.Errorf("negative usage changed the count: %+v", zero.Spent())
	}
}

func TestNewRejectsLimitsThatCannotBeMet(t *testing.T) {
	for _, l := range []Limits{{RunCostUSD: -1}, {TaskTokens: -1}, {RunCostUSD: math.NaN()}, {TaskCostUSD: math.Inf(1)}, {Stop: "later"}} {
		if _, err := New(l); err == nil {
			t.Errorf("New(%+v) accepted", l)
		}
	}
	if tr, err := New(Limits{Stop: StopNow, RunCostUSD: 1}); err != nil || !tr.StopNow() {
		t.Errorf("stop now: %v", err)
	}
	if !errors.Is(ErrExhausted, ErrExhausted) {
		t.Fatal("unreachable")
	}
}

// TestConcurrentSpendingReportsEachThresholdOnce runs many attempts'
// spending at once (run it with -race): the warning and the limit are each
// reported exactly once, and nothing is lost from the total.
func TestConcurrentSpendingReportsEachThresholdOnce(t *testing.T) {
	tr := mustNew(t, Limits{RunTokens: 1000, TaskTokens: 100})
	const workers, each = 8, 50
	var mu sync.Mutex
	var all []Crossing
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			task := []string{"A", "B"}[w%2]
			for range each {
				got := tr.Spend(task, Usage{Tokens: 3})
				mu.Lock()
				all = append(all, got...)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if s := tr.Spent(); s.Tokens != workers*each*3 {
		t.Errorf("spent %d tokens, want %d", s.Tokens, workers*each*3)
	}
	count := map[string]int{}
	for _, c := range all {
		key := string(c.Scope) + c.Task
		if c.Exhausted {
			key += "!"
		}
		count[key]++
	}
	want := map[string]int{"run": 1, "run!": 1, "taskA": 1, "taskA!": 1, "taskB": 1, "taskB!": 1}
	for k, n := range want {
		if count[k] != n {
			t.Errorf("%s reported %d times, want %d (all: %v)", k, count[k], n, count)
		}
	}
}
