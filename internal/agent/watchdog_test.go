package agent

import (
	"context"
	"errors"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// runWatchdog starts w and returns a function reporting when and why it
// fired (zero values while it has not).
func runWatchdog(ctx context.Context, w *watchdog) func() (time.Duration, error) {
	var mu sync.Mutex
	var at time.Duration
	var cause error
	go w.run(ctx, func(c error) {
		mu.Lock()
		defer mu.Unlock()
		at, cause = time.Since(w.start), c
	})
	return func() (time.Duration, error) {
		mu.Lock()
		defer mu.Unlock()
		return at, cause
	}
}

func TestWatchdogTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWatchdog(10*time.Minute, 0, 0)
		fired := runWatchdog(t.Context(), w)
		for range 9 {
			time.Sleep(time.Minute)
			w.touch() // output does not extend the overall timeout
		}
		synctest.Wait()
		if _, c := fired(); c != nil {
			t.Fatalf("fired early: %v", c)
		}
		time.Sleep(time.Minute)
		synctest.Wait()
		if at, c := fired(); !errors.Is(c, errTimeout) || at != 10*time.Minute {
			t.Fatalf("fired %v at %v, want the timeout at 10m", c, at)
		}
	})
}

func TestWatchdogIdle(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWatchdog(time.Hour, 30*time.Second, 0)
		fired := runWatchdog(t.Context(), w)
		for range 5 { // output every 20s keeps it alive
			time.Sleep(20 * time.Second)
			w.touch()
		}
		synctest.Wait()
		if _, c := fired(); c != nil {
			t.Fatalf("fired while output flowed: %v", c)
		}
		time.Sleep(29 * time.Second)
		synctest.Wait()
		if _, c := fired(); c != nil {
			t.Fatalf("fired before 30s of silence: %v", c)
		}
		time.Sleep(time.Second)
		synctest.Wait()
		if at, c := fired(); !errors.Is(c, errIdle) || at != 130*time.Second {
			t.Fatalf("fired %v at %v, want idle at 2m10s", c, at)
		}
	})
}

func TestWatchdogOffAndCancelled(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		fired := runWatchdog(ctx, newWatchdog(0, 0, 0))
		time.Sleep(1000 * time.Hour)
		synctest.Wait()
		if _, c := fired(); c != nil {
			t.Fatalf("a watchdog without limits fired: %v", c)
		}
		cancel()
		ctx2, cancel2 := context.WithCancel(t.Context())
		fired = runWatchdog(ctx2, newWatchdog(time.Minute, time.Second, 0))
		cancel2()
		time.Sleep(time.Hour)
		synctest.Wait()
		if _, c := fired(); c != nil {
			t.Fatalf("a stopped watchdog fired: %v", c)
		}
	})
}

func TestWatchdogRetryChatter(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// Retry notices arrive every 10s, with output (they are output), so
		// the idle clock never fires; only the retry clock can stop them.
		w := newWatchdog(time.Hour, 30*time.Second, 2*time.Minute)
		fired := runWatchdog(t.Context(), w)
		chatter := func(n int) {
			for range n {
				w.touch()
				w.chattering()
				time.Sleep(10 * time.Second)
			}
		}
		chatter(6) // 60s of retries
		w.touch()
		w.progressed() // then the API answers: the retry clock starts over
		time.Sleep(10 * time.Second)
		chatter(11) // 110s of retries, under 2m
		synctest.Wait()
		if _, c := fired(); c != nil {
			t.Fatalf("fired while under the retry timeout: %v", c)
		}
		chatter(1)
		synctest.Wait()
		if at, c := fired(); !errors.Is(c, errRetry) || at != 190*time.Second {
			t.Fatalf("fired %v at %v, want the retry timeout 2m after the chatter began at 70s", c, at)
		}
	})
}
