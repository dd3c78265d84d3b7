package sinks

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestSixteenWriters has 16 goroutines emit into one stream that a tee
// fans out to every console mode and the run log, under -race. Each
// writer's lines must arrive whole and in order in the multiplexed output,
// as one contiguous block per attempt in the buffered output, counted in
// the summary, and as valid JSON lines in the log.
func TestSixteenWriters(t *testing.T) {
	t.Parallel()
	const writers, lines = 16, 300
	var multi, buf, sum bytes.Buffer
	mk := func(mode string, out *bytes.Buffer) Sink {
		s, err := New(mode, Options{Out: out, TempDir: t.TempDir(), SpillBytes: 4096})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	log, err := OpenRunLog(t.TempDir(), "/project", t0)
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	s := Tee(mk(ModeMultiplexed, &multi), mk(ModeBuffered, &buf), mk(ModeSummary, &sum), log.Sink())

	ch := make(chan Event, 8)
	done := make(chan error)
	go func() { done <- s.Run(t.Context(), ch) }()
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			id := fmt.Sprintf("T%d", w+1)
			for i := range lines {
				ch <- Event{Time: time.Now(), Kind: KindText, TaskID: id, AgentID: "claude#1", Attempt: 1,
					Message: fmt.Sprintf("%s line %d %s", id, i, strings.Repeat("x", w*7))}
			}
			ch <- Event{Time: time.Now(), Kind: KindOutcome, TaskID: id, Status: "done"}
		})
	}
	wg.Wait()
	close(ch)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if err := log.Close(); err != nil {
		t.Fatal(err)
	}

	// multiplexed: every writer's lines whole and in order.
	next := make(map[string]int)
	for l := range strings.Lines(multi.String()) {
		_, rest, ok := strings.Cut(l, "INF [")
		if !ok || !strings.Contains(rest, " line ") {
			continue
		}
		var id string
		var n int
		if _, err := fmt.Sscanf(rest[strings.Index(rest, "] ")+2:], "%s line %d", &id, &n); err != nil {
			t.Fatalf("torn line %q: %v", l, err)
		}
		w := 0
		fmt.Sscanf(id, "T%d", &w)
		if want := fmt.Sprintf("[%s/claude#1] %s line %d %s\n", id, id, n, strings.Repeat("x", (w-1)*7)); "["+rest != want {
			t.Fatalf("line %q, want %q", "["+rest, want)
		}
		if n != next[id] {
			t.Fatalf("%s: line %d after line %d", id, n, next[id]-1)
		}
		next[id]++
	}
	for w := range writers {
		if id := fmt.Sprintf("T%d", w+1); next[id] != lines {
			t.Errorf("%s: %d lines in multiplexed output, want %d", id, next[id], lines)
		}
	}

	// buffered: each attempt's lines contiguous, then its outcome.
	var cur string
	count := 0
	for l := range strings.Lines(buf.String()) {
		switch {
		case strings.Contains(l, " line "):
			id := l[strings.Index(l, "[")+1 : strings.Index(l, "/")]
			if count == 0 {
				cur = id
			} else if id != cur {
				t.Fatalf("buffered output interleaves %s into %s's block", id, cur)
			}
			count++
		case strings.Contains(l, "] done"):
			if count != lines {
				t.Fatalf("block of %s has %d lines, want %d", cur, count, lines)
			}
			count = 0
		}
	}

	want := fmt.Sprintf("looper: %d done, 0 blocked in ", writers)
	for name, out := range map[string]string{"multiplexed": multi.String(), "buffered": buf.String(), "summary": sum.String()} {
		if !strings.Contains(out, want) {
			t.Errorf("%s output lacks %q", name, want)
		}
	}

	// the run log: one valid event per line.
	f, err := os.Open(log.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		var e Event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("log line %d: %v", n+1, err)
		}
		n++
	}
	if want := writers * (lines + 1); n != want {
		t.Errorf("run log has %d lines, want %d", n, want)
	}
}

// quitter returns at once without reading; panicker panics.
type quitter struct{}

func (quitter) Run(context.Context, <-chan Event) error { return errors.New("gave up") }

// TestTeeSinkReturnsEarly checks that a sink that stops reading does not
// block the others, and that its error is returned.
func TestTeeSinkReturnsEarly(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	m, _ := New(ModeMultiplexed, fixedOptions(Options{Out: &out}))
	events := make([]Event, 2000)
	for i := range events {
		events[i] = Event{Time: t0, Kind: KindText, Message: "x"}
	}
	err := runSink(t.Context(), t, Tee(quitter{}, m), events)
	if err == nil || err.Error() != "gave up" {
		t.Errorf("Run() = %v, want the quitter's error", err)
	}
	if n := strings.Count(out.String(), "INF x\n"); n != len(events) {
		t.Errorf("other sink got %d events, want %d", n, len(events))
	}
}

type panicker struct{}

func (panicker) Run(context.Context, <-chan Event) error { panic("sink bug") }

// TestTeePanic checks that a panicking sink's panic reaches the caller of
// Run once the stream is done, rather than deadlocking the tee.
func TestTeePanic(t *testing.T) {
	t.Parallel()
	defer func() {
		if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "sink bug") {
			t.Errorf("recovered %v, want the sink's panic", r)
		}
	}()
	var out bytes.Buffer
	m, _ := New(ModeMultiplexed, Options{Out: &out})
	ch := make(chan Event)
	go func() {
		for range 1000 {
			ch <- Event{Kind: KindText, Message: "x"}
		}
		close(ch)
	}()
	_ = Tee(panicker{}, m).Run(t.Context(), ch)
}

func TestTeeNilPanics(t *testing.T) {
	t.Parallel()
	defer func() {
		if recover() == nil {
			t.Error("Tee(nil) did not panic")
		}
	}()
	Tee(nil)
}
