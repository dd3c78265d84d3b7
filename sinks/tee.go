package sinks

import (
	"context"

	"github.com/sourcegraph/conc/pool"
)

// teeBuffer is how many events each of a tee's sinks may fall behind the
// fastest before the tee waits for it: enough to absorb a burst, small
// enough to keep memory bounded.
const teeBuffer = 256

// Tee returns a sink that gives every event to each of sinks (the console
// sink and the run log, say), each running in its own goroutine. Its Run
// returns when all of them have returned, with their errors joined. A nil
// sink is a programmer error and panics.
func Tee(sinks ...Sink) Sink {
	for _, s := range sinks {
		if s == nil {
			panic("sinks: Tee given a nil Sink")
		}
	}
	return tee(sinks)
}

type tee []Sink

func (t tee) Run(ctx context.Context, events <-chan Event) error {
	p := pool.New().WithErrors()
	chans := make([]chan Event, len(t))
	for i, s := range t {
		ch := make(chan Event, teeBuffer)
		chans[i] = ch
		p.Go(func() error {
			// Keep draining if the sink returns or panics early, so the
			// other sinks never wait on it.
			defer func() {
				for range ch {
				}
			}()
			return s.Run(ctx, ch)
		})
	}
	for e := range events {
		for _, ch := range chans {
			ch <- e
		}
	}
	for _, ch := range chans {
		close(ch)
	}
	return p.Wait()
}
