package sinks

import (
	"context"
	"sync"
	"time"
)

// Stream is the sending end of one event stream: a bounded channel that any
// number of emitters send into and one Sink reads, in the order the sends
// happen. It is how a run's events reach its output as an explicit input of
// the output, made and closed by whoever owns the run (stages.Loop.Run,
// stages.Prepare, looper's session), instead of a callback every emitter
// shares.
//
// Backpressure is bounded: Send waits while the buffer is full, so a slow
// output slows the emitters (an agent's output reader among them) rather
// than growing memory. Send stops waiting, and drops the event, only once
// the sink has stopped reading; a cancelled run does not drop events, since
// a Sink keeps reading after cancellation so that an interrupted run's
// wind-down (the tasks put back, the final counts) is still shown.
//
// A nil *Stream is valid and drops every event.
type Stream struct {
	ch   chan Event
	done chan struct{} // closed once the sink's Run has returned
	err  error         // the sink's error, set before done is closed

	mu     sync.RWMutex // Send holds it shared, Close exclusively
	closed bool
}

// OpenStream starts sink reading a new stream that holds up to buffer
// events before a Send waits, and returns the stream; ctx is the sink's
// (a cancelled ctx marks the run interrupted in its summary, see Sink). A
// nil sink gives a nil Stream, which drops every event. The caller must
// Close the stream once nothing sends any more.
func OpenStream(ctx context.Context, sink Sink, buffer int) *Stream {
	if sink == nil {
		return nil
	}
	s := &Stream{ch: make(chan Event, max(buffer, 0)), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		s.err = sink.Run(ctx, s.ch)
	}()
	return s
}

// Send hands e to the sink, stamping the time on an event without one. It
// waits while the buffer is full and reports whether the sink took e:
// false once the sink has stopped or the stream is closed.
func (s *Stream) Send(e Event) bool {
	if s == nil {
		return false
	}
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return false
	}
	select {
	case s.ch <- e:
		return true
	case <-s.done:
		return false
	}
}

// Close ends the stream: later sends are dropped, the sink reads what is
// buffered and returns, and Close returns the sink's error. It waits for
// sends under way. Closing twice, or a nil Stream, is harmless.
func (s *Stream) Close() error {
	if s == nil {
		return nil
	}
	s.mu.Lock()
	if !s.closed {
		s.closed = true
		close(s.ch)
	}
	s.mu.Unlock()
	<-s.done
	return s.err
}

// Func is a Sink that calls f with each event, in order, from the one
// goroutine that runs the sink, so f needs no locking of its own. It never
// fails. A program that wants the events of a run as they come (and
// looper's session, which hands a run's events on to its own output) gives
// one as the run's output.
type Func func(Event)

// Run calls f with every event until the channel is closed.
func (f Func) Run(_ context.Context, events <-chan Event) error {
	for e := range events {
		if f != nil {
			f(e)
		}
	}
	return nil
}
