package agent

import (
	"context"
	"errors"
	"sync/atomic"
	"time"
)

// The causes with which the watchdog cancels an attempt's context.
var (
	errTimeout = errors.New("agent timeout")
	errIdle    = errors.New("agent idle timeout")
)

// watchdog enforces an attempt's two clocks: the overall timeout and the
// idle timeout (no output on stdout or stderr for that long). The readers
// call touch for every chunk they receive, which costs one atomic store;
// the watchdog goroutine sleeps until the nearest deadline and re-checks,
// so a chatty agent does not reset a timer per line.
type watchdog struct {
	timeout, idle time.Duration // 0 = off
	start         time.Time
	last          atomic.Int64 // nanoseconds after start of the latest output
}

func newWatchdog(timeout, idle time.Duration) *watchdog {
	return &watchdog{timeout: timeout, idle: idle, start: time.Now()}
}

func (w *watchdog) touch() { w.last.Store(int64(time.Since(w.start))) }

// run blocks until ctx ends or a clock runs out; then it calls fire with
// errTimeout or errIdle and returns.
func (w *watchdog) run(ctx context.Context, fire func(cause error)) {
	if w.timeout <= 0 && w.idle <= 0 {
		<-ctx.Done()
		return
	}
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		now := time.Since(w.start)
		wait := time.Duration(1<<63 - 1)
		if w.timeout > 0 {
			if now >= w.timeout {
				fire(errTimeout)
				return
			}
			wait = w.timeout - now
		}
		if w.idle > 0 {
			quiet := now - time.Duration(w.last.Load())
			if quiet >= w.idle {
				fire(errIdle)
				return
			}
			wait = min(wait, w.idle-quiet)
		}
		timer.Reset(wait)
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		}
	}
}
