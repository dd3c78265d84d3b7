package stages

import (
	"errors"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/looper-go/looper/internal/agent"
	"github.com/looper-go/looper/internal/budget"
	"github.com/looper-go/looper/sinks"
	"github.com/looper-go/looper/todo"
)

// costs returns a behaviour that works for d, reports status and spent usd.
func costs(d time.Duration, usd float64, class agent.Class) behaviour {
	return func(req agent.Request, _ int) (time.Duration, agent.Result) {
		res := okResult(req.TaskID, todo.SummaryDone)
		if class != agent.ClassOK {
			res = agent.Result{Class: class, Err: "API Error: 500"}
		}
		res.Usage = sinks.Usage{CostUSD: usd, InputTokens: 1000, OutputTokens: 100}
		return d, res
	}
}

func withBudget(t *testing.T, h *harness, l budget.Limits) {
	t.Helper()
	if _, err := budget.New(l); err != nil {
		t.Fatal(err)
	}
	h.deps.Budget = l
}

// budgetEvents returns the messages of the budget events, in order.
func budgetEvents(h *harness) []string {
	var out []string
	for _, e := range h.events.of(sinks.KindBudget) {
		out = append(out, e.Message)
	}
	return out
}

func TestRunBudgetWarnsAtEightyPercentAndStartsNothingAtTheLimit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newFakeRunner(costs(time.Minute, 0.30, agent.ClassOK))
		h := newHarness(t, r, independent(6)...)
		h.deps.MaxTasks = 1
		withBudget(t, h, budget.Limits{RunCostUSD: 1})
		rep, err := h.run(t.Context(), true)
		if err != nil {
			t.Fatal(err)
		}
		// 0.30 a task: the third reaches 90% (warning), the fourth 120%.
		if rep.Done != 4 || rep.Budget == "" || rep.OK() {
			t.Fatalf("report %+v; want 4 done and the budget named", rep)
		}
		if !strings.Contains(rep.Budget, "budget.max_cost_usd") {
			t.Errorf("report names %q, not the key", rep.Budget)
		}
		msgs := budgetEvents(h)
		if len(msgs) != 2 || !strings.Contains(msgs[0], "90% of budget.max_cost_usd") ||
			!strings.Contains(msgs[1], "reached budget.max_cost_usd") || !strings.Contains(msgs[1], "no new attempt starts") {
			t.Fatalf("budget events %q", msgs)
		}
		if len(r.started("T5"))+len(r.started("T6")) != 0 {
			t.Error("a task started after the budget was spent")
		}
		if rep.Reviewed || rep.Remaining != 2 {
			t.Errorf("reviewed %v, remaining %d; want no review and 2 left", rep.Reviewed, rep.Remaining)
		}
		b := h.backlog()
		if b.Task("T5").Status != todo.StatusTodo || b.Task("T4").Status != todo.StatusDone {
			t.Errorf("T4 %s, T5 %s", b.Task("T4").Status, b.Task("T5").Status)
		}
	})
}

func TestRunBudgetWithStopNowStopsRunningAttemptsAndPutsTheirTasksBack(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newFakeRunner(costs(10*time.Minute, 0.10, agent.ClassOK))
		r.plan["T1"] = costs(time.Minute, 1.50, agent.ClassOK)
		h := newHarness(t, r, task{id: "T1", priority: 1}, task{id: "T2", priority: 2}, task{id: "T3", priority: 2}, task{id: "T4", priority: 5})
		h.deps.MaxTasks = 3
		h.deps.Parallel = true
		withBudget(t, h, budget.Limits{RunCostUSD: 1, Stop: budget.StopNow})
		start := time.Now()
		rep, err := h.run(t.Context(), true)
		if !errors.Is(err, budget.ErrExhausted) || rep.Budget == "" || rep.Interrupted {
			t.Fatalf("err %v, report %+v; want the budget to end the run, not an interrupt", err, rep)
		}
		if got := time.Since(start); got != time.Minute {
			t.Errorf("the run lasted %s; the running attempts were not stopped at once", got)
		}
		b := h.backlog()
		for _, id := range []string{"T2", "T3", "T4"} {
			if st := b.Task(id).Status; st != todo.StatusTodo || len(b.Task(id).Blockers) != 0 {
				t.Errorf("%s is %s with blockers %q; want todo as before", id, st, b.Task(id).Blockers)
			}
		}
		if len(r.started("T4")) != 0 {
			t.Error("T4 started after the budget was spent")
		}
		if msgs := budgetEvents(h); len(msgs) != 1 || !strings.Contains(msgs[0], `stop = "now"`) {
			t.Errorf("budget events %q", msgs)
		}
	})
}

func TestTaskBudgetBlocksTheTaskNotTheRun(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newFakeRunner(costs(time.Minute, 0.10, agent.ClassOK))
		r.plan["T1"] = costs(time.Minute, 0.60, agent.ClassAgentError)
		h := newHarness(t, r, task{id: "T1", priority: 1}, task{id: "T2", priority: 2})
		h.deps.MaxTasks = 1
		h.deps.Retries = 5
		withBudget(t, h, budget.Limits{TaskCostUSD: 1})
		rep, err := h.run(t.Context(), false)
		if err != nil {
			t.Fatal(err)
		}
		// T1 spends 0.60, then 1.20: its third attempt is refused.
		if n := len(r.started("T1")); n != 2 {
			t.Errorf("T1 ran %d times, want 2", n)
		}
		if rep.Budget != "" || rep.Done != 1 || rep.Blocked != 1 {
			t.Errorf("report %+v; want T2 done, T1 blocked, the run not ended by a budget", rep)
		}
		tk := h.backlog().Task("T1")
		if tk.Status != todo.StatusBlocked || len(tk.Blockers) == 0 || !strings.Contains(tk.Blockers[len(tk.Blockers)-1], "task T1 cost $1.20 reached budget.task_max_cost_usd") {
			t.Errorf("T1 %s, blockers %q", tk.Status, tk.Blockers)
		}
		if h.backlog().Task("T2").Status != todo.StatusDone {
			t.Error("T2 did not run")
		}
	})
}

func TestTaskBudgetWithStopNowStopsTheTasksOtherAttempts(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newFakeRunner(costs(time.Minute, 0.10, agent.ClassOK))
		r.plan["T1"] = func(req agent.Request, _ int) (time.Duration, agent.Result) {
			if req.AgentID == "claude#1" {
				return costs(time.Minute, 2, agent.ClassOK)(req, 0)
			}
			return costs(time.Hour, 0.10, agent.ClassOK)(req, 0)
		}
		h := newHarness(t, r, task{id: "T1", priority: 1}, task{id: "T2", priority: 2})
		h.deps.MaxTasks = 1
		h.deps.MaxAgents = 2
		withBudget(t, h, budget.Limits{TaskCostUSD: 1, Stop: budget.StopNow})
		start := time.Now()
		rep, err := h.run(t.Context(), false)
		if err != nil {
			t.Fatal(err)
		}
		// T1's first attempt spends its budget in a minute; its second
		// (an hour's work) is stopped at once; T2 takes 2 × 1 minute.
		if got := time.Since(start); got != 3*time.Minute {
			t.Errorf("run lasted %s; T1's second attempt was not stopped", got)
		}
		var stopped bool
		for _, e := range h.events.of(sinks.KindAttempt) {
			if e.TaskID == "T1" && e.AgentID == "claude#2" && e.Class == string(agent.ClassKilled) && strings.Contains(e.Message, "budget.task_max_cost_usd") {
				stopped = true
			}
		}
		if !stopped {
			t.Errorf("T1's second attempt was not stopped by its budget: %+v", h.events.of(sinks.KindAttempt))
		}
		if h.backlog().Task("T2").Status != todo.StatusDone || rep.Budget != "" {
			t.Errorf("T2 %s, report %+v: the run should go on", h.backlog().Task("T2").Status, rep)
		}
	})
}
