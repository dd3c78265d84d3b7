package agent

import (
	"context"
	"errors"
	"sync/atomic"
	"time"
)

// The causes with which the watchdog (or the stdout reader) cancels an
// attempt's context.
var (
	errTimeout = errors.New("agent timeout")
	errIdle    = errors.New("agent idle timeout")
	errRetry   = errors.New("agent retry timeout")
	errAuth    = errors.New("agent authentication failure")
)

// watchdog enforces an attempt's three clocks: the overall timeout, the
// idle timeout (no output on stdout or stderr for that long) and the retry
// timeout (nothing but the CLI's retry notices for that long). The readers
// call touch for every chunk they receive, which costs one atomic store;
// the stdout reader reports chatter and progress per parsed line. The
// watchdog goroutine sleeps until the nearest deadline and re-checks, so a
// chatty agent does not reset a timer per line.
type watchdog struct {
	timeout, idle, retry time.Duration // 0 = off
	start                time.Time
	last                 atomic.Int64 // nanoseconds after start of the latest output
	// chatter is when the current run of retry notices began (nanoseconds
	// after start), or -1 while the agent makes progress.
	chatter atomic.Int64
	// kick wakes the watchdog when chatter begins, so the retry deadline
	// is not found only at the next idle check.
	kick chan struct{}
}

func newWatchdog(timeout, idle, retry time.Duration) *watchdog {
	w := &watchdog{timeout: timeout, idle: idle, retry: retry, start: time.Now(), kick: make(chan struct{}, 1)}
	w.chatter.Store(-1)
	return w
}

func (w *watchdog) touch() { w.last.Store(int64(time.Since(w.start))) }

// chattering starts the retry clock, unless it already runs.
func (w *watchdog) chattering() {
	if w.chatter.CompareAndSwap(-1, int64(time.Since(w.start))) {
		select {
		case w.kick <- struct{}{}:
		default:
		}
	}
}

// progressed stops the retry clock: the agent did something.
func (w *watchdog) progressed() { w.chatter.Store(-1) }

// run blocks until ctx ends or a clock runs out; then it calls fire with
// errTimeout, errIdle or errRetry and returns.
func (w *watchdog) run(ctx context.Context, fire func(cause error)) {
	if w.timeout <= 0 && w.idle <= 0 && w.retry <= 0 {
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
		if c := w.chatter.Load(); w.retry > 0 && c >= 0 {
			waiting := now - time.Duration(c)
			if waiting >= w.retry {
				fire(errRetry)
				return
			}
			wait = min(wait, w.retry-waiting)
		}
		timer.Reset(wait)
		select {
		case <-ctx.Done():
			return
		case <-w.kick:
		case <-timer.C:
		}
	}
}
