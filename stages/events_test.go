package stages

import (
	"context"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/looper-go/looper/internal/agent"
	"github.com/looper-go/looper/sinks"
)

// streamingRunner sends a line of output on the attempt's stream before
// the attempt ends, as the agent runner does while an agent runs.
type streamingRunner struct{ *fakeRunner }

func (r streamingRunner) Run(ctx context.Context, spec agent.Spec, req agent.Request) agent.Result {
	req.Events.Send(sinks.Event{Kind: sinks.KindText, TaskID: req.TaskID, AgentID: req.AgentID, Message: "working on " + req.TaskID})
	return r.fakeRunner.Run(ctx, spec, req)
}

// runsOutput is an output that counts the streams opened on it and
// records every event.
type runsOutput struct {
	mu      sync.Mutex
	opened  int
	running int
	events  []sinks.Event
}

func (o *runsOutput) Run(_ context.Context, events <-chan sinks.Event) error {
	o.mu.Lock()
	o.opened++
	o.running++
	o.mu.Unlock()
	for e := range events {
		o.mu.Lock()
		o.events = append(o.events, e)
		o.mu.Unlock()
	}
	o.mu.Lock()
	o.running--
	o.mu.Unlock()
	return nil
}

// TestEventStreamPerRun: each Loop.Run opens one stream on Services.Output
// and has closed it, with every event delivered, when it returns; the
// agents' output travels on it through agent.Request.Events; and every
// task's events keep the data flow's order: started, the agent's output,
// the attempt, the decision, the outcome.
func TestEventStreamPerRun(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newFakeRunner(done(time.Minute))
		h := newHarness(t, r, task{id: "T1"}, task{id: "T2"}, task{id: "T3"}, task{id: "T4"})
		out := &runsOutput{}
		h.deps.Services.Runner = streamingRunner{r}
		h.deps.Services.Output = out
		h.deps.MaxTasks = 2
		h.deps.MaxIterations = 2
		l := h.loop(false)
		for run := 1; run <= 2; run++ {
			rep, err := l.Run(t.Context())
			if err != nil || rep.Done != 2 {
				t.Fatalf("run %d: report %+v, err %v", run, rep, err)
			}
			out.mu.Lock()
			if out.opened != run || out.running != 0 {
				t.Errorf("after run %d: %d streams opened, %d still read; want %d, 0", run, out.opened, out.running, run)
			}
			out.mu.Unlock()
		}
		order := []sinks.Kind{sinks.KindStatus, sinks.KindText, sinks.KindAttempt, sinks.KindDecision, sinks.KindOutcome}
		seen := map[string]int{}  // task → how far along order its events are
		said := map[string]bool{} // tasks whose agent's output arrived
		for _, e := range out.events {
			if e.TaskID == "" {
				continue
			}
			said[e.TaskID] = said[e.TaskID] || e.Kind == sinks.KindText
			at := -1
			for i, k := range order {
				if k == e.Kind && (k != sinks.KindStatus || i == 0 && e.Status == "doing") {
					at = i
				}
			}
			if e.Kind == sinks.KindStatus && e.Status != "doing" {
				at = len(order) - 1 // the status change the sink reports with the outcome
			}
			if at < 0 {
				continue
			}
			if at < seen[e.TaskID] {
				t.Errorf("%s: %s after %s", e.TaskID, e.Kind, order[seen[e.TaskID]])
			}
			seen[e.TaskID] = at
		}
		for _, id := range []string{"T1", "T2", "T3", "T4"} {
			if seen[id] != len(order)-1 || !said[id] {
				t.Errorf("%s: its events stop at %s (agent's output seen: %v)", id, order[seen[id]], said[id])
			}
		}
	})
}
