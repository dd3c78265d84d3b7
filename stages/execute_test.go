package stages

import (
	"testing"
	"testing/synctest"
	"time"
)

// TestAutoMaxTasksBoundsTheFanOut: max_tasks 0 means auto, and the task
// fan-out is bounded even then: twelve independent tasks run at most
// AutoMaxTasks at once, and all of them end done.
func TestAutoMaxTasksBoundsTheFanOut(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newFakeRunner(done(time.Minute))
		h := newHarness(t, r, independent(AutoMaxTasks+4)...)
		h.deps.MaxTasks = 0
		h.deps.Parallel = true
		rep, err := h.run(t.Context(), false)
		if err != nil || rep.Done != AutoMaxTasks+4 {
			t.Fatalf("report %+v, err %v", rep, err)
		}
		if r.maxRunning != AutoMaxTasks {
			t.Errorf("%d ran at once, want exactly %d", r.maxRunning, AutoMaxTasks)
		}
	})
}

// TestTheAgentsStageRunsOneTaskAtATime: a pipeline with agents in place
// of execute runs each task's agents, one task after another, whatever
// max_tasks says.
func TestTheAgentsStageRunsOneTaskAtATime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newFakeRunner(done(time.Minute))
		h := newHarness(t, r, independent(3)...)
		h.deps.MaxTasks = 3
		nodes, err := Registry(h.deps.Settings, h.deps.Services).Lookup("select", "agents", "vote", "merge", "sink")
		if err != nil {
			t.Fatal(err)
		}
		l := &Loop{Settings: h.deps.Settings, Services: h.deps.Services, Nodes: nodes}
		rep, err := l.Run(t.Context())
		if err != nil || rep.Done != 3 {
			t.Fatalf("report %+v, err %v", rep, err)
		}
		if r.maxRunning != 1 {
			t.Errorf("%d ran at once, want 1", r.maxRunning)
		}
	})
}
