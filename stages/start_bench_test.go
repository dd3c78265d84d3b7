package stages

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/looper-go/looper/internal/agent"
)

// BenchmarkStartToFirstDispatch measures how long a run on a 10,000-task
// backlog takes from opening the backlog to starting its first agent
// (issue 17's target: at most 100 ms): the lock, the parse and validation,
// the ready set, and marking the first task doing (a save).
//
//	go test ./stages -run '^$' -bench StartToFirstDispatch -benchtime 10x
func BenchmarkStartToFirstDispatch(b *testing.B) {
	const n = 10000
	tasks := make([]task, n)
	for i := range tasks {
		tasks[i] = task{id: fmt.Sprintf("T%05d", i+1), priority: 1 + (i*7)%5}
		if i > 0 && i%3 == 0 {
			tasks[i].deps = []string{fmt.Sprintf("T%05d", i/2+1)}
		}
	}
	var total time.Duration
	for b.Loop() {
		b.StopTimer()
		h := newHarness(b, nil, tasks...)
		path := h.path
		h.deps.Store.Close()
		b.StartTimer()

		begin := time.Now()
		ctx, cancel := context.WithCancel(b.Context())
		var first time.Duration
		runner := newFakeRunner(func(agent.Request, int) (time.Duration, agent.Result) {
			if first == 0 {
				first = time.Since(begin)
			}
			cancel()
			return 0, agent.Result{Class: agent.ClassKilled}
		})
		store, err := OpenStore(path, StoreOptions{})
		if err != nil {
			b.Fatal(err)
		}
		h.deps.Store, h.deps.Runner = store, runner
		h.deps.MaxTasks = 1
		_, _ = h.run(ctx, false)
		store.Close()
		cancel()
		if first == 0 {
			b.Fatal("no agent started")
		}
		total += first
	}
	b.ReportMetric(float64(total.Microseconds())/1000/float64(b.N), "ms-to-first-dispatch")
}
