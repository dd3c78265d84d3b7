package worktree

import (
	"context"
	"sync"
	"time"
)

// Releasing announces a Remove that another goroutine is about to make,
// so that a Create finding the pool empty meanwhile waits for that
// worktree rather than check out a new one (on a large repository, a
// checkout of every file). done must be called once that Remove returned,
// whatever it did; without a pool both do nothing.
func (r *Repo) Releasing() (done func()) {
	p := r.currentPool()
	if p == nil {
		return func() {}
	}
	p.mu.Lock()
	p.pending++
	p.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			p.mu.Lock()
			p.pending--
			p.changedLocked()
			p.mu.Unlock()
		})
	}
}

// take removes and returns an idle pooled worktree, "" when there is none.
// While removals announced with Releasing are under way it waits for one
// of them, but never longer than the longest full checkout this run has
// made (see noteCheckout): a release is usually a clean and a move, far
// cheaper than a checkout of every file, but a clean that must delete a
// large ignored directory (a node_modules) can take longer, and then a
// new checkout is the quicker way. Before any checkout was timed (a run
// whose worktrees all came from the pool an earlier run kept) it waits
// at most untimedCheckoutWait.
func (p *pool) take(ctx context.Context) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.idle) == 0 && p.pending > 0 {
		bound := p.checkout
		if bound == 0 {
			bound = untimedCheckoutWait
		}
		limit := time.NewTimer(bound)
		defer limit.Stop()
	wait:
		for len(p.idle) == 0 && p.pending > 0 {
			wake := p.wakeLocked()
			p.mu.Unlock()
			select {
			case <-wake:
				p.mu.Lock()
			case <-limit.C:
				p.mu.Lock()
				break wait
			case <-ctx.Done():
				p.mu.Lock()
				break wait
			}
		}
	}
	if len(p.idle) == 0 {
		return ""
	}
	path := p.idle[len(p.idle)-1]
	p.idle = p.idle[:len(p.idle)-1]
	return path
}

// untimedCheckoutWait is how long take waits for a release before any
// full checkout was timed: long enough for the clean and move of a
// release (tens of milliseconds, and one with Go's source tree checked
// out takes about 0.1 s), short enough that a release deleting a large
// node_modules costs a small repository one second once, after which its
// own checkout time bounds the wait.
const untimedCheckoutWait = time.Second

// noteCheckout records how long a Create's full checkout took, the most
// take waits for a release.
func (p *pool) noteCheckout(d time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.checkout = max(p.checkout, d)
}

// wakeLocked returns the channel the next change of idle or pending
// closes. The caller holds mu.
func (p *pool) wakeLocked() chan struct{} {
	if p.wake == nil {
		p.wake = make(chan struct{})
	}
	return p.wake
}

// changedLocked wakes the takers waiting for a change. The caller holds mu.
func (p *pool) changedLocked() {
	if p.wake != nil {
		close(p.wake)
		p.wake = nil
	}
}
