package stages

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/looper-go/looper/internal/agent"
	"github.com/looper-go/looper/sinks"
	"github.com/looper-go/looper/todo"
)

func independent(n int) []task {
	var ts []task
	for i := 1; i <= n; i++ {
		ts = append(ts, task{id: fmt.Sprintf("T%d", i)})
	}
	return ts
}

func TestTenIndependentTasksRunAtMostFourAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newFakeRunner(done(time.Minute))
		for i, d := range []time.Duration{3, 1, 2, 1, 4, 1, 2, 3, 1, 2} {
			r.plan[fmt.Sprintf("T%d", i+1)] = done(d * time.Minute)
		}
		h := newHarness(t, r, independent(10)...)
		h.deps.MaxTasks = 4
		h.deps.Parallel = true
		start := time.Now()
		rep, err := h.run(t.Context(), false)
		if err != nil {
			t.Fatal(err)
		}
		if r.maxRunning != 4 {
			t.Errorf("at most %d ran at once, want exactly 4", r.maxRunning)
		}
		if rep.Done != 10 || !rep.OK() {
			t.Errorf("report %+v, want 10 done", rep)
		}
		for _, tk := range h.backlog().Tasks {
			if tk.Status != todo.StatusDone {
				t.Errorf("%s is %s, want done", tk.ID, tk.Status)
			}
		}
		// Continuous dispatch of 20 minutes of work on 4 slots in priority
		// order (all priority 3, so by id) finishes at 6 minutes; waves of 4
		// would take 4+3+2 = 9.
		if got := time.Since(start); got != 6*time.Minute {
			t.Errorf("makespan %s, want 6m0s", got)
		}
	})
}

func TestDependenciesAreNeverStartedBeforeTheirDependenciesAreDone(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newFakeRunner(done(time.Minute))
		r.plan["A"] = done(5 * time.Minute)
		r.plan["B"] = done(time.Minute)
		tasks := []task{
			{id: "A"}, {id: "B"}, {id: "C", deps: []string{"A"}}, {id: "D", deps: []string{"B", "C"}},
			{id: "E", deps: []string{"B"}}, {id: "F"},
		}
		h := newHarness(t, r, tasks...)
		h.deps.MaxTasks = 0 // unlimited: only dependencies hold tasks back
		if _, err := h.run(t.Context(), false); err != nil {
			t.Fatal(err)
		}
		for _, tk := range tasks {
			starts := r.started(tk.id)
			if len(starts) != 1 {
				t.Fatalf("%s started %d times", tk.id, len(starts))
			}
			for _, dep := range tk.deps {
				if ends := r.ended(dep); len(ends) == 0 || starts[0].Before(ends[0]) {
					t.Errorf("%s started at %v before its dependency %s ended (%v)", tk.id, starts[0], dep, ends)
				}
			}
		}
		if r.maxRunning != 3 { // A, B and F at first
			t.Errorf("max running %d, want 3", r.maxRunning)
		}
	})
}

func TestSequentialModeRunsOneTaskAtATimeInUpstreamOrder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newFakeRunner(done(time.Minute))
		h := newHarness(t, r,
			task{id: "T10", priority: 1}, task{id: "T2", priority: 1}, task{id: "T1", priority: 2},
			task{id: "T3", priority: 1, status: todo.StatusBlocked}, task{id: "T4", priority: 5, status: todo.StatusDoing},
		)
		h.deps.MaxTasks = 1
		if _, err := h.run(t.Context(), false); err != nil {
			t.Fatal(err)
		}
		// doing first, then todo by priority and numeric id, blocked last.
		want := []string{"T4", "T2", "T10", "T1", "T3"}
		if !slices.Equal(r.order, want) {
			t.Errorf("order %v, want %v", r.order, want)
		}
		if r.maxRunning != 1 {
			t.Errorf("max running %d", r.maxRunning)
		}
	})
}

func TestAFailedTaskIsBlockedWithItsReasonAndItsDependantsDoNotStart(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newFakeRunner(done(time.Minute))
		r.plan["T1"] = func(req agent.Request, _ int) (time.Duration, agent.Result) {
			return 30 * time.Second, agent.Result{Class: agent.ClassCrashed, Err: "exit status 2", ExitCode: 2}
		}
		h := newHarness(t, r, task{id: "T1"}, task{id: "T2", deps: []string{"T1"}}, task{id: "T3"})
		h.deps.MaxTasks = 2
		rep, err := h.run(t.Context(), true)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Failed != 1 || rep.Done != 1 || rep.OK() || rep.Reviewed {
			t.Errorf("report %+v, want 1 failed, 1 done, no review", rep)
		}
		if n := len(r.started("T2")); n != 0 {
			t.Errorf("T2 started %d times although T1 failed", n)
		}
		b := h.backlog()
		t1 := b.Task("T1")
		if t1.Status != todo.StatusBlocked || len(t1.Blockers) != 1 || !strings.Contains(t1.Blockers[0], "crashed") {
			t.Errorf("T1 = %s %q, want blocked with the crash as blocker", t1.Status, t1.Blockers)
		}
		if b.Task("T2").Status != todo.StatusTodo || b.Task("T3").Status != todo.StatusDone {
			t.Errorf("T2 %s, T3 %s", b.Task("T2").Status, b.Task("T3").Status)
		}
		if outs := h.events.of(sinks.KindOutcome); len(outs) != 2 {
			t.Errorf("%d outcome events, want 2", len(outs))
		}
	})
}

func TestATaskBlockedInThisRunIsNotRetriedUnlessRetriesAllowIt(t *testing.T) {
	for _, retries := range []int{0, 2} {
		t.Run(fmt.Sprintf("retries=%d", retries), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r := newFakeRunner(done(time.Minute))
				r.plan["T1"] = func(req agent.Request, call int) (time.Duration, agent.Result) {
					if call < 3 {
						return time.Minute, agent.Result{Class: agent.ClassTimeout, Err: "timed out"}
					}
					return time.Minute, okResult("T1", todo.SummaryDone)
				}
				h := newHarness(t, r, task{id: "T1"})
				h.deps.Retries = retries
				rep, err := h.run(t.Context(), false)
				if err != nil {
					t.Fatal(err)
				}
				wantCalls, wantStatus := 1, todo.StatusBlocked
				if retries == 2 {
					wantCalls, wantStatus = 3, todo.StatusDone
				}
				if n := len(r.started("T1")); n != wantCalls || h.status("T1") != wantStatus {
					t.Errorf("T1 ran %d times and is %s; want %d and %s (report %+v)", n, h.status("T1"), wantCalls, wantStatus, rep)
				}
			})
		})
	}
}

func TestFailFastCancelsRunningAgentsAndPutsThemBack(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newFakeRunner(done(10 * time.Minute))
		r.plan["T1"] = func(req agent.Request, _ int) (time.Duration, agent.Result) {
			return time.Minute, agent.Result{Class: agent.ClassAgentError, Err: "API Error: 500"}
		}
		h := newHarness(t, r, task{id: "T1", priority: 1}, task{id: "T2", priority: 2, status: todo.StatusBlocked},
			task{id: "T3", priority: 2}, task{id: "T4", priority: 1, deps: []string{"T3"}}, task{id: "T5", priority: 5})
		h.deps.MaxTasks = 3
		h.deps.FailFast = true
		ctx := t.Context()
		start := time.Now()
		rep, err := h.run(ctx, false)
		if !errors.Is(err, ErrFailFast) || !rep.FailFast {
			t.Fatalf("err %v, report %+v; want fail_fast", err, rep)
		}
		if got := time.Since(start); got != time.Minute {
			t.Errorf("run lasted %s; the running agents were not cancelled at once", got)
		}
		if len(r.started("T4")) != 0 || len(r.started("T2")) != 0 {
			t.Error("a task was started after the failure")
		}
		b := h.backlog()
		if b.Task("T1").Status != todo.StatusBlocked || b.Task("T3").Status != todo.StatusTodo || b.Task("T5").Status != todo.StatusTodo {
			t.Errorf("statuses T1 %s T3 %s T5 %s; want blocked, todo, todo", b.Task("T1").Status, b.Task("T3").Status, b.Task("T5").Status)
		}
		if !slices.Equal(rep.Restored, []string{"T3", "T5"}) {
			t.Errorf("restored %v", rep.Restored)
		}
	})
}

func TestInterruptPutsInFlightTasksBackAsTheyWere(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newFakeRunner(done(10 * time.Minute))
		r.plan["T1"] = done(time.Minute)
		h := newHarness(t, r, task{id: "T1", priority: 1}, task{id: "T2", status: todo.StatusBlocked}, task{id: "T3"})
		h.deps.MaxTasks = 3
		ctx, cancel := context.WithCancelCause(t.Context())
		go func() {
			time.Sleep(2 * time.Minute)
			cancel(ErrInterrupted)
		}()
		rep, err := h.run(ctx, true)
		if !errors.Is(err, ErrInterrupted) || !rep.Interrupted {
			t.Fatalf("err %v, report %+v", err, rep)
		}
		b := h.backlog()
		if b.Task("T1").Status != todo.StatusDone || b.Task("T2").Status != todo.StatusBlocked || b.Task("T3").Status != todo.StatusTodo {
			t.Errorf("T1 %s T2 %s T3 %s; want done, blocked, todo", b.Task("T1").Status, b.Task("T2").Status, b.Task("T3").Status)
		}
		if len(b.Task("T3").Blockers) != 0 {
			t.Errorf("an interrupted task got blockers: %q", b.Task("T3").Blockers)
		}
	})
}

func TestThreeAgentsWithTwoDoneVotesAndOneBlockedMakeTheTaskDone(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newFakeRunner(done(time.Minute))
		r.byAgent["claude#2"] = func(req agent.Request, _ int) (time.Duration, agent.Result) {
			res := okResult(req.TaskID, todo.SummaryBlocked)
			res.Summary.Blockers = []string{"tests fail"}
			return 2 * time.Minute, res
		}
		h := newHarness(t, r, task{id: "T1"})
		h.deps.MaxAgents = 3
		rep, err := h.run(t.Context(), false)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Done != 1 || h.status("T1") != todo.StatusDone {
			t.Fatalf("report %+v, T1 %s", rep, h.status("T1"))
		}
		if n := len(r.started("T1")); n != 3 {
			t.Errorf("%d attempts, want 3", n)
		}
		if r.maxRunning != 1 {
			t.Errorf("in place, attempts of one task ran %d at once; they must run one after another", r.maxRunning)
		}
		dec := h.events.of(sinks.KindDecision)
		if len(dec) != 1 || dec[0].Votes != "2/3 done" || dec[0].Winner != "claude#1" {
			t.Errorf("decision events %+v", dec)
		}
	})
}

func TestSkippedTaskIsPutBackAndNotRunAgain(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newFakeRunner(func(req agent.Request, _ int) (time.Duration, agent.Result) {
			return time.Minute, okResult("", todo.SummarySkipped)
		})
		h := newHarness(t, r, task{id: "T1", status: todo.StatusBlocked})
		rep, err := h.run(t.Context(), false)
		if err != nil {
			t.Fatal(err)
		}
		if h.status("T1") != todo.StatusBlocked || len(r.started("T1")) != 1 || rep.Skipped != 1 {
			t.Errorf("T1 %s after %d runs, report %+v", h.status("T1"), len(r.started("T1")), rep)
		}
	})
}

func TestRateLimitedAttemptIsRequeuedAfterTheResetWithoutCountingAsFailure(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		reset := start.Add(5 * time.Minute)
		r := newFakeRunner(done(time.Minute))
		r.plan["T1"] = func(req agent.Request, call int) (time.Duration, agent.Result) {
			if call == 1 {
				return 10 * time.Second, agent.Result{Class: agent.ClassRateLimited, Err: "usage limit", ResetAt: reset}
			}
			return time.Minute, okResult("T1", todo.SummaryDone)
		}
		h := newHarness(t, r, task{id: "T1"}, task{id: "T2"})
		h.deps.MaxTasks = 2
		h.deps.RateLimitRetries = 3
		rep, err := h.run(t.Context(), false)
		if err != nil {
			t.Fatal(err)
		}
		starts := r.started("T1")
		if len(starts) != 2 || starts[1].Before(reset) {
			t.Fatalf("T1 started at %v; the second start must wait for the reset at %v", starts, reset)
		}
		if rep.Done != 2 || rep.Failed != 0 {
			t.Errorf("report %+v, want 2 done, 0 failed", rep)
		}
		var said bool
		for _, e := range h.events.of(sinks.KindWarning) {
			said = said || strings.Contains(e.Message, "rate-limited")
		}
		if !said {
			t.Error("no warning says the task was re-queued for a rate limit")
		}
	})
}

// TestRateLimitWhoseResetHasPassedIsRetriedAtOnce: the agent reported a
// reset one second after it started, and its attempt took ten; by then the
// limit has reset, so the retry must not wait out a 30 s backoff meant for
// limits whose end is unknown (on a loaded machine that backoff, doubled
// per retry, kept runs waiting for minutes).
func TestRateLimitWhoseResetHasPassedIsRetriedAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		r := newFakeRunner(done(time.Minute))
		r.plan["T1"] = func(req agent.Request, call int) (time.Duration, agent.Result) {
			if call == 1 {
				return 10 * time.Second, agent.Result{Class: agent.ClassRateLimited, Err: "usage limit", ResetAt: start.Add(time.Second)}
			}
			return time.Minute, okResult("T1", todo.SummaryDone)
		}
		h := newHarness(t, r, task{id: "T1"})
		h.deps.RateLimitRetries = 3
		if _, err := h.run(t.Context(), false); err != nil {
			t.Fatal(err)
		}
		starts := r.started("T1")
		if len(starts) != 2 || starts[1].Sub(start) >= 30*time.Second {
			t.Fatalf("T1 started at %v after %v; the retry should follow the passed reset at once", starts, start)
		}
		if h.status("T1") != todo.StatusDone {
			t.Errorf("T1 %s, want done", h.status("T1"))
		}
	})
}

func TestRateLimitRetriesAreBounded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newFakeRunner(func(req agent.Request, _ int) (time.Duration, agent.Result) {
			return time.Second, agent.Result{Class: agent.ClassRateLimited, Err: "429"}
		})
		h := newHarness(t, r, task{id: "T1"})
		h.deps.RateLimitRetries = 2
		rep, err := h.run(t.Context(), false)
		if err != nil {
			t.Fatal(err)
		}
		if n := len(r.started("T1")); n != 3 {
			t.Errorf("T1 ran %d times, want 1 + 2 retries", n)
		}
		tk := h.backlog().Task("T1")
		if tk.Status != todo.StatusBlocked || rep.Failed != 1 || !slices.ContainsFunc(tk.Blockers, func(s string) bool { return strings.Contains(s, "rate-limited 3 times") }) {
			t.Errorf("T1 %s %q, report %+v", tk.Status, tk.Blockers, rep)
		}
	})
}

func TestLoopDelayWaitsBetweenIterations(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newFakeRunner(done(time.Minute))
		h := newHarness(t, r, task{id: "T1"}, task{id: "T2"})
		h.deps.MaxTasks = 1
		h.deps.LoopDelay = 30 * time.Second
		start := time.Now()
		if _, err := h.run(t.Context(), false); err != nil {
			t.Fatal(err)
		}
		if got := r.started("T2")[0].Sub(start); got != 90*time.Second {
			t.Errorf("T2 started after %s, want 1m30s (1m of T1, then the 30s delay)", got)
		}
	})
}

func TestMaxIterationsBoundsDispatchedTasks(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newFakeRunner(done(time.Minute))
		h := newHarness(t, r, independent(5)...)
		h.deps.MaxTasks = 2
		h.deps.MaxIterations = 3
		rep, err := h.run(t.Context(), true)
		if err != nil {
			t.Fatal(err)
		}
		if len(r.order) != 3 || rep.Done != 3 || !rep.MaxIterations {
			t.Errorf("ran %v, report %+v", r.order, rep)
		}
		if rep.Remaining != 2 || rep.OK() {
			t.Errorf("report %+v, want 2 ready tasks left and not OK", rep)
		}
	})
}

func TestQueuedDecisionsAreSavedTogether(t *testing.T) {
	t.Parallel()
	h := newHarness(t, newFakeRunner(done(0)), independent(8)...)
	in := make(chan Decision, 8)
	for i := 1; i <= 8; i++ {
		id := fmt.Sprintf("T%d", i)
		if _, err := h.deps.Store.MarkDoing(id); err != nil {
			t.Fatal(err)
		}
		in <- Decide(Ballot{Job: Job{Task: todo.Task{ID: id}, PrevStatus: todo.StatusTodo}, Attempts: []Attempt{{AgentID: "claude#1", Result: okResult(id, "done")}}}, 0)
	}
	close(in)
	before := h.deps.Store.Saves()
	out := make(chan Outcome, 8)
	if err := Merge(h.deps.Settings, h.deps.Services).Run(t.Context(), in, out); err != nil {
		t.Fatal(err)
	}
	if saves := h.deps.Store.Saves() - before; saves != 1 {
		t.Errorf("8 queued decisions took %d saves, want 1 (group commit)", saves)
	}
	if len(out) != 8 {
		t.Errorf("%d outcomes, want 8", len(out))
	}
	for _, tk := range h.backlog().Tasks {
		if tk.Status != todo.StatusDone {
			t.Errorf("%s is %s", tk.ID, tk.Status)
		}
	}
	if restored, _ := h.deps.Store.RestoreInFlight(); len(restored) != 0 {
		t.Errorf("tasks with an outcome were restored: %v", restored)
	}
}

func TestEditsAnAgentMakesToOtherTasksAreKept(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newFakeRunner(done(time.Minute))
		var h *harness
		r.plan["T1"] = func(req agent.Request, _ int) (time.Duration, agent.Result) {
			b := h.backlog()
			b.Task("T2").Details = "found by the T1 agent"
			b.Tasks = append(b.Tasks, todo.Task{ID: "T9", Title: "new", Priority: 2, Status: todo.StatusDone})
			if err := todo.Save(h.path, b); err != nil {
				t.Error(err)
			}
			return time.Minute, okResult("T1", todo.SummaryDone)
		}
		h = newHarness(t, r, task{id: "T1", priority: 1}, task{id: "T2", priority: 2})
		h.deps.MaxTasks = 1
		if _, err := h.run(t.Context(), false); err != nil {
			t.Fatal(err)
		}
		b := h.backlog()
		if !strings.HasPrefix(b.Task("T2").Details, "found by the T1 agent") || b.Task("T9") == nil || b.Task("T1").Status != todo.StatusDone {
			t.Errorf("agent edits lost: T2 details %q, T9 %v", b.Task("T2").Details, b.Task("T9"))
		}
	})
}

func TestABacklogBrokenByAnAgentIsRecoveredAndNothingIsLost(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newFakeRunner(done(time.Minute))
		var h *harness
		r.plan["T1"] = func(req agent.Request, _ int) (time.Duration, agent.Result) {
			if err := writeFile(h.path, `{"schema_version": 1, "tasks": [`); err != nil {
				t.Error(err)
			}
			return time.Minute, okResult("T1", todo.SummaryDone)
		}
		h = newHarness(t, r, task{id: "T1", priority: 1}, task{id: "T2", priority: 2})
		h.deps.MaxTasks = 1
		rep, err := h.run(t.Context(), false)
		if err != nil {
			t.Fatal(err)
		}
		b := h.backlog()
		if b.Task("T1").Status != todo.StatusDone || b.Task("T2").Status != todo.StatusDone || rep.Done != 2 {
			t.Errorf("T1 %s T2 %s, report %+v", b.Task("T1").Status, b.Task("T2").Status, rep)
		}
		var kept bool
		for _, e := range h.events.of(sinks.KindWarning) {
			kept = kept || strings.Contains(e.Message, ".broken-")
		}
		if !kept {
			t.Error("no warning names the copy of the broken backlog")
		}
	})
}

func TestABrokenPromptTemplateStopsTheRunBeforeAnyAgent(t *testing.T) {
	t.Parallel()
	r := newFakeRunner(done(0))
	h := newHarness(t, r, task{id: "T1"})
	dir := t.TempDir()
	if err := writeFile(dir+"/iteration.txt", "{{.NoSuchField}}"); err != nil {
		t.Fatal(err)
	}
	h.deps.Prompts.Dir = dir
	_, err := h.run(t.Context(), false)
	if err == nil || !strings.Contains(err.Error(), "iteration.txt") {
		t.Fatalf("err %v, want the broken template named", err)
	}
	if len(r.order) != 0 {
		t.Errorf("agents ran with a broken prompt: %v", r.order)
	}
	if got := h.status("T1"); got != todo.StatusTodo {
		t.Errorf("T1 is %s after the aborted run, want todo again", got)
	}
}
