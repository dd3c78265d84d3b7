package stages

import (
	"errors"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/looper-go/looper/internal/agent"
	"github.com/looper-go/looper/todo"
)

func authFailure(agent.Request, int) (time.Duration, agent.Result) {
	return time.Second, agent.Result{Class: agent.ClassAuth, Err: "claude cannot authenticate (HTTP 401); set ANTHROPIC_API_KEY"}
}

// An agent that cannot authenticate is a problem of the run, not of the
// task: the task stays as it was, no other task is tried with it, and the
// run ends with ErrAgentUnusable naming the fix.
func TestUnusableAgentLeavesTasksAndStopsTheRun(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newFakeRunner(authFailure)
		h := newHarness(t, r, task{id: "T1"}, task{id: "T2"})
		h.deps.MaxTasks = 1
		ctx := t.Context()
		rep, err := h.run(ctx, true)
		if !errors.Is(err, ErrAgentUnusable) || !strings.Contains(err.Error(), "ANTHROPIC_API_KEY") {
			t.Fatalf("err = %v, want ErrAgentUnusable with the fix", err)
		}
		if rep.Interrupted || len(rep.Unusable) != 1 || rep.Failed != 0 || rep.Blocked != 0 {
			t.Errorf("report %+v, want one unusable agent and nothing failed, blocked or interrupted", rep)
		}
		b := h.backlog()
		for _, id := range []string{"T1", "T2"} {
			if tk := b.Task(id); tk.Status != todo.StatusTodo || len(tk.Blockers) != 0 {
				t.Errorf("%s is %s with blockers %q, want todo as before the run", id, tk.Status, tk.Blockers)
			}
		}
		if n := len(r.started("T2")); n != 0 {
			t.Errorf("T2 ran %d times with an agent known to be unusable", n)
		}
	})
}

// In a vote, an agent that cannot be used abstains: the other agent's votes
// decide, it is not asked again, and the run still ends saying so.
func TestUnusableAgentAbstainsInAVote(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newFakeRunner(done(time.Minute))
		r.byAgent["codex#2"] = authFailure
		h := newHarness(t, r, task{id: "T1"}, task{id: "T2"})
		h.deps.SlotAgents = []string{"claude", "codex"}
		h.deps.MaxAgents = 2
		h.deps.MaxTasks = 1
		ctx := t.Context()
		rep, err := h.run(ctx, false)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Done != 2 || len(rep.Unusable) != 1 || rep.OK() {
			t.Errorf("report %+v, want 2 done, codex unusable, not OK", rep)
		}
		codexCalls := 0
		for _, s := range r.specs {
			if s == "codex" {
				codexCalls++
			}
		}
		if codexCalls != 1 {
			t.Errorf("codex ran %d times, want once (then abstained)", codexCalls)
		}
		for _, e := range h.events.of("decision") {
			if !strings.Contains(e.Votes, "abstained") {
				t.Errorf("decision votes %q do not mention the abstention", e.Votes)
			}
		}
	})
}

// An overloaded provider pauses the agent and re-queues the task like a
// rate limit, without counting as a failure.
func TestOverloadedAttemptIsRequeued(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newFakeRunner(done(time.Minute))
		r.plan["T1"] = func(req agent.Request, call int) (time.Duration, agent.Result) {
			if call == 1 {
				return time.Second, agent.Result{Class: agent.ClassOverloaded, Err: "API Error: 529 Overloaded"}
			}
			return time.Minute, okResult("T1", todo.SummaryDone)
		}
		h := newHarness(t, r, task{id: "T1"})
		h.deps.RateLimitRetries = 3
		rep, err := h.run(t.Context(), false)
		if err != nil {
			t.Fatal(err)
		}
		starts := r.started("T1")
		if len(starts) != 2 || starts[1].Sub(starts[0]) < 30*time.Second {
			t.Errorf("T1 started at %v: want a second start after the backoff", starts)
		}
		if rep.Done != 1 || rep.Failed != 0 || len(rep.Unusable) != 0 {
			t.Errorf("report %+v, want 1 done, nothing failed", rep)
		}
	})
}
