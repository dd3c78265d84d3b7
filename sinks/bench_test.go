package sinks

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// benchSink feeds n copies of e to a sink through a channel, as the run
// loop does, and waits until the sink has handled them all.
func benchSink(b *testing.B, s Sink, e Event, n int) {
	ch := make(chan Event, 256)
	done := make(chan error)
	go func() { done <- s.Run(context.Background(), ch) }()
	for range n {
		ch <- e
	}
	close(ch)
	if err := <-done; err != nil {
		b.Fatal(err)
	}
}

// BenchmarkMultiplexed measures the multiplexed sink's throughput in bytes
// of agent text per second, for one short line per event (the agent
// runner's usual unit) and for 4 KiB multi-line messages, with and without
// colour. Target: over 100 MB/s.
//
//	go test ./sinks -run '^$' -bench Multiplexed -benchmem
func BenchmarkMultiplexed(b *testing.B) {
	line := "Now I'll update the handler so that it returns a 404 when the task id is unknown."
	for _, tc := range []struct {
		name string
		msg  string
	}{
		{"line", line},
		{"4KiB", strings.Repeat(line+"\n", 4096/(len(line)+1))},
	} {
		for _, color := range []bool{false, true} {
			b.Run(fmt.Sprintf("%s/color=%v", tc.name, color), func(b *testing.B) {
				s, _ := New(ModeMultiplexed, Options{Out: io.Discard, Color: color})
				e := Event{Time: time.Now(), Kind: KindText, TaskID: "T012", AgentID: "claude#2", Attempt: 1, Iteration: 3, Message: tc.msg}
				b.SetBytes(int64(len(tc.msg)))
				b.ReportAllocs()
				b.ResetTimer()
				benchSink(b, s, e, b.N)
			})
		}
	}
}

// procStatus returns a field of /proc/self/status in KiB, or -1.
func procStatus(field string) int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return -1
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			n, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err == nil {
				return n
			}
		}
	}
	return -1
}

// BenchmarkBufferedFlood has one attempt print 500 MB of text into a
// buffered sink (default 1 MiB per attempt in memory, then a temp file)
// while a second task finishes around it, then flushes it, and reports the
// growth of the process's peak RSS (VmHWM, reset through
// /proc/self/clear_refs) and the peak Go heap. Target: under 64 MB.
//
//	go test ./sinks -run '^$' -bench BufferedFlood -benchtime 1x
func BenchmarkBufferedFlood(b *testing.B) {
	const flood = 500 << 20
	line := strings.Repeat("0123456789abcdef", 6) + "\n" // 97 bytes
	msg := strings.Repeat(line, 4096/len(line))
	n := flood / len(msg)
	b.SetBytes(int64(n * len(msg)))
	for b.Loop() {
		runtime.GC()
		resetPeak := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
		rssBefore := procStatus("VmRSS")
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		heapBefore := ms.HeapInuse

		var peakHeap uint64
		stop := make(chan struct{})
		var wg sync.WaitGroup
		wg.Go(func() {
			t := time.NewTicker(20 * time.Millisecond)
			defer t.Stop()
			for {
				select {
				case <-stop:
					return
				case <-t.C:
					var ms runtime.MemStats
					runtime.ReadMemStats(&ms)
					peakHeap = max(peakHeap, ms.HeapInuse)
				}
			}
		})

		dir := b.TempDir()
		s, _ := New(ModeBuffered, Options{Out: io.Discard, TempDir: dir})
		ch := make(chan Event, 256)
		done := make(chan error)
		go func() { done <- s.Run(context.Background(), ch) }()
		flood := Event{Time: time.Now(), Kind: KindText, TaskID: "T1", AgentID: "claude#1", Attempt: 1, Message: msg}
		other := Event{Time: time.Now(), Kind: KindText, TaskID: "T2", AgentID: "codex#1", Attempt: 1, Message: line}
		for i := range n {
			ch <- flood
			if i%1000 == 0 {
				ch <- other
			}
			if i == n/2 {
				ch <- Event{Kind: KindOutcome, TaskID: "T2", Status: "done"}
			}
		}
		ch <- Event{Kind: KindOutcome, TaskID: "T1", Status: "done"}
		close(ch)
		if err := <-done; err != nil {
			b.Fatal(err)
		}
		close(stop)
		wg.Wait()

		if left, _ := os.ReadDir(dir); len(left) != 0 {
			b.Fatalf("temp files left: %v", left)
		}
		b.ReportMetric(float64(peakHeap-min(peakHeap, heapBefore))/(1<<20), "MiB-heap-growth")
		if hwm := procStatus("VmHWM"); resetPeak && hwm > 0 && rssBefore > 0 {
			b.ReportMetric(float64(hwm-rssBefore)/1024, "MiB-rss-growth")
		}
	}
}
