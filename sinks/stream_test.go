package sinks

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
)

// TestStreamOrderPerSender has many goroutines send through one stream
// with a tiny buffer (so sends wait), under -race: the sink gets every
// event, each sender's in the order it sent them, and Close returns only
// once the sink has read them all.
func TestStreamOrderPerSender(t *testing.T) {
	t.Parallel()
	const senders, each = 8, 200
	var got []Event
	s := OpenStream(t.Context(), Func(func(e Event) { got = append(got, e) }), 1)
	var wg sync.WaitGroup
	for i := range senders {
		wg.Go(func() {
			for n := range each {
				if !s.Send(Event{TaskID: fmt.Sprint(i), Attempt: n}) {
					t.Errorf("sender %d: event %d dropped", i, n)
				}
			}
		})
	}
	wg.Wait()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if len(got) != senders*each {
		t.Fatalf("%d events, want %d", len(got), senders*each)
	}
	next := map[string]int{}
	for _, e := range got {
		if e.Attempt != next[e.TaskID] {
			t.Fatalf("sender %s: event %d after %d", e.TaskID, e.Attempt, next[e.TaskID]-1)
		}
		if e.Time.IsZero() {
			t.Fatal("event without a time")
		}
		next[e.TaskID]++
	}
}

// stopSink reads one event, then stops reading and fails.
type stopSink struct{ read chan struct{} }

func (s stopSink) Run(_ context.Context, events <-chan Event) error {
	<-events
	close(s.read)
	return errors.New("disk full")
}

// TestStreamSinkStops: a sink that stops reading never leaves a sender
// blocked; sends report the drop and Close returns the sink's error.
func TestStreamSinkStops(t *testing.T) {
	t.Parallel()
	sink := stopSink{read: make(chan struct{})}
	s := OpenStream(t.Context(), sink, 0)
	if !s.Send(Event{Message: "first"}) {
		t.Fatal("the first event was dropped")
	}
	<-sink.read
	for range 3 { // unbuffered and nobody reading: each returns once the sink is gone
		if s.Send(Event{Message: "late"}) {
			t.Fatal("a send after the sink stopped was taken")
		}
	}
	if err := s.Close(); err == nil || err.Error() != "disk full" {
		t.Fatalf("Close: %v, want the sink's error", err)
	}
	if s.Close() == nil {
		t.Fatal("a second Close lost the sink's error")
	}
}

// TestStreamClosedAndNil: sends after Close are dropped, not a panic, and
// a nil stream (no sink) drops everything.
func TestStreamClosedAndNil(t *testing.T) {
	t.Parallel()
	n := 0
	s := OpenStream(t.Context(), Func(func(Event) { n++ }), 4)
	s.Send(Event{})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if s.Send(Event{}) {
		t.Fatal("a send after Close was taken")
	}
	if n != 1 {
		t.Fatalf("the sink read %d events, want 1", n)
	}
	var none *Stream = OpenStream(t.Context(), nil, 4)
	if none != nil || none.Send(Event{}) || none.Close() != nil {
		t.Fatal("a stream without a sink must be nil and drop events")
	}
}

// TestStreamCancelledKeepsEvents: cancelling the sink's context does not
// drop events; the sink sees the cancellation only as an interrupted run.
func TestStreamCancelledKeepsEvents(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	n := 0
	s := OpenStream(ctx, Func(func(Event) { n++ }), 0)
	cancel()
	for range 5 {
		if !s.Send(Event{Message: "wind-down"}) {
			t.Fatal("an event sent after cancellation was dropped")
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if n != 5 {
		t.Fatalf("the sink read %d events, want 5", n)
	}
}
