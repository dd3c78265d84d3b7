package stages

import (
	"fmt"
	"syscall"
	"testing"
	"time"
)

// cpuTime is the process's user plus system CPU time so far.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkLoopCPUPerTask measures looper's own CPU per task (issue 17's
// target: at most 5 ms) on a 500-task backlog: the real store on disk, the
// select, execute, vote and merge stages, eight tasks at a time, and agents
// that take no time, so everything measured is looper's bookkeeping (backlog
// reads and saves, events, scheduling).
//
//	go test ./stages -run '^$' -bench LoopCPUPerTask -benchtime 3x
func BenchmarkLoopCPUPerTask(b *testing.B) {
	const n = 500
	tasks := make([]task, n)
	for i := range tasks {
		tasks[i] = task{id: fmt.Sprintf("T%03d", i+1), priority: 1 + i%5}
	}
	var cpu time.Duration
	var saves int
	for b.Loop() {
		b.StopTimer()
		h := newHarness(b, newFakeRunner(done(0)), tasks...)
		h.deps.MaxTasks = 8
		b.StartTimer()
		before := cpuTime(b)
		rep, err := h.run(b.Context(), false)
		cpu += cpuTime(b) - before
		if err != nil || rep.Done != n {
			b.Fatalf("report %+v, %v", rep, err)
		}
		saves += h.deps.Store.Saves()
	}
	b.ReportMetric(float64(cpu.Microseconds())/1000/float64(b.N*n), "cpu-ms/task")
	b.ReportMetric(float64(saves)/float64(b.N*n), "saves/task")
}
