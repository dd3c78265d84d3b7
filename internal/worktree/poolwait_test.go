package worktree

import (
	"context"
	"testing"
	"testing/synctest"
	"time"
)

func TestTakeWaitsForAReleaseNoLongerThanACheckoutTook(t *testing.T) {
	for _, c := range []struct {
		name     string
		checkout time.Duration // longest checkout timed so far
		putAfter time.Duration // when the release lands; 0: never
		want     string
		waited   time.Duration
	}{
		{"the release lands first", time.Second, 300 * time.Millisecond, "released", 300 * time.Millisecond},
		{"the release is slower than a checkout", time.Second, 5 * time.Second, "", time.Second},
		{"no checkout timed yet, the release lands first", 0, 300 * time.Millisecond, "released", 300 * time.Millisecond},
		{"no checkout timed yet, the release is slow", 0, 5 * time.Second, "", untimedCheckoutWait},
	} {
		t.Run(c.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				p := &pool{size: 1, pending: 1}
				if c.checkout > 0 {
					p.noteCheckout(c.checkout)
				}
				landed := make(chan struct{})
				go func() {
					defer close(landed)
					time.Sleep(c.putAfter)
					p.put("released")
				}()
				start := time.Now()
				got := p.take(t.Context())
				if got != c.want || time.Since(start) != c.waited {
					t.Errorf("take = %q after %v, want %q after %v", got, time.Since(start), c.want, c.waited)
				}
				<-landed
			})
		})
	}
}

func TestTakeStopsWaitingWhenTheReleaseDeletesOrCtxEnds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := &pool{size: 1, pending: 1}
		p.noteCheckout(time.Hour)
		go func() {
			time.Sleep(time.Second)
			p.mu.Lock()
			p.pending-- // as Releasing's done after a Remove that deleted
			p.changedLocked()
			p.mu.Unlock()
		}()
		start := time.Now()
		if got := p.take(t.Context()); got != "" || time.Since(start) != time.Second {
			t.Errorf("take = %q after %v, want none after 1s", got, time.Since(start))
		}

		p.pending = 1
		ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
		defer cancel()
		start = time.Now()
		if got := p.take(ctx); got != "" || time.Since(start) != 2*time.Second {
			t.Errorf("take = %q after %v, want none when ctx ended after 2s", got, time.Since(start))
		}
	})
}
