package stages

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/looper-go/looper/internal/agent"
	"github.com/looper-go/looper/todo"
)

func reviewResult() agent.Result {
	return agent.Result{Class: agent.ClassOK, Review: &todo.ReviewSummary{Status: "reviewed", Summary: "looked"}}
}

func TestReviewAddsWorkThenMarksTheProjectDone(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newFakeRunner(done(time.Minute))
		var h *harness
		r.plan[""] = func(req agent.Request, call int) (time.Duration, agent.Result) {
			if call == 1 { // the first review finds one more thing to do
				b := h.backlog()
				b.Tasks = append(b.Tasks, todo.Task{ID: "T3", Title: "found in review", Priority: 2, Status: todo.StatusTodo})
				if err := todo.Save(h.path, b); err != nil {
					t.Error(err)
				}
			}
			return time.Minute, reviewResult()
		}
		h = newHarness(t, r, task{id: "T1"}, task{id: "T2"})
		rep, err := h.run(t.Context(), true)
		if err != nil {
			t.Fatal(err)
		}
		if !rep.Reviewed || !rep.ProjectDone || rep.Done != 3 {
			t.Errorf("report %+v", rep)
		}
		if r.calls[""] != 2 {
			t.Errorf("%d review passes, want 2", r.calls[""])
		}
		b := h.backlog()
		if !b.ProjectDone() || b.Task("T3").Status != todo.StatusDone {
			t.Errorf("no PROJECT-DONE marker or T3 not done: %+v", b.Tasks)
		}

		// A finished project is not reviewed again.
		time.Sleep(time.Hour)
		rep, err = h.run(t.Context(), true)
		if err != nil || !rep.ProjectDone || rep.Reviewed || r.calls[""] != 2 {
			t.Errorf("second run: report %+v, err %v, reviews %d", rep, err, r.calls[""])
		}

		// A new task changes the backlog: it runs and the project is reviewed again.
		b = h.backlog()
		b.Tasks = append(b.Tasks, todo.Task{ID: "T4", Title: "more", Priority: 1, Status: todo.StatusTodo})
		if err := todo.Save(h.path, b); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Hour)
		rep, err = h.run(t.Context(), true)
		if err != nil || !rep.Reviewed || rep.Done != 1 || r.calls[""] != 3 {
			t.Errorf("third run: report %+v, err %v, reviews %d", rep, err, r.calls[""])
		}
	})
}

func TestAFailedReviewEndsTheRunWithAnError(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newFakeRunner(done(time.Minute))
		r.plan[""] = func(req agent.Request, _ int) (time.Duration, agent.Result) {
			return time.Second, agent.Result{Class: agent.ClassAuth, Err: "Invalid API key"}
		}
		h := newHarness(t, r, task{id: "T1"})
		_, err := h.run(t.Context(), true)
		if err == nil || h.backlog().ProjectDone() {
			t.Fatalf("err %v; a failed review must not mark the project done", err)
		}
	})
}
