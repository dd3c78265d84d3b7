package worktree

import (
	"context"
	"fmt"
	"runtime"
	"time"
)

// checkoutSlots returns the semaphore that bounds how many full checkouts
// run at once: one per CPU. A checkout of every file is CPU-bound (git
// inflates each object, the kernel creates each file), so four at once on
// two cores finish together, each in twice the time two would take, and
// every agent of the first round waits for the last of them. Two at a
// time let the first two agents start after half that time, and the total
// is the same.
func (r *Repo) checkoutSlots() chan struct{} {
	r.checkoutOnce.Do(func() {
		r.checkouts = make(chan struct{}, max(1, runtime.NumCPU()))
	})
	return r.checkouts
}

// checkOutAll checks every file of start out into the new worktree at
// path, whose index is empty, once a checkout slot is free. The time the
// checkout itself took is what a pooled Create may wait for a release
// instead (see pool.take); the wait for a slot is left out of it.
func (r *Repo) checkOutAll(ctx context.Context, path, start string) error {
	slots := r.checkoutSlots()
	select {
	case slots <- struct{}{}:
	case <-ctx.Done():
		return fmt.Errorf("check out %s: %w", path, context.Cause(ctx))
	}
	defer func() { <-slots }()
	began := time.Now()
	if _, err := git(ctx, path, "reset", "--quiet", "--hard", start); err != nil {
		return fmt.Errorf("check out %s: %w", path, err)
	}
	if p := r.currentPool(); p != nil {
		p.noteCheckout(time.Since(began))
	}
	return nil
}
