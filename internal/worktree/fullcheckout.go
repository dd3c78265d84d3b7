package worktree

import (
	"context"
	"fmt"
	"runtime"
	"time"
)

// bulkSlots returns the semaphore that bounds how many git commands over
// every file of a worktree (a full checkout, an index refresh) run at
// once: one per CPU. Such a command is CPU-bound (git inflates or hashes
// each file, the kernel creates or reads it), so four checkouts at once
// on two cores finish together, each in twice the time two would take,
// and every agent of the first round waits for the last of them. Two at
// a time let the first two agents start after half that time, and the
// total is the same. Go serves blocked senders in the order they came,
// so a refresh started during the first checkouts waits for the
// checkouts queued before it.
func (r *Repo) bulkSlots() chan struct{} {
	r.bulkOnce.Do(func() {
		r.bulkRuns = make(chan struct{}, max(1, runtime.NumCPU()))
	})
	return r.bulkRuns
}

// bulk runs git args in dir, with env added to its environment, once a
// bulk slot is free (see bulkSlots); took is how long the command ran,
// the wait for the slot left out.
func (r *Repo) bulk(ctx context.Context, dir string, env []string, args ...string) (took time.Duration, err error) {
	slots := r.bulkSlots()
	select {
	case slots <- struct{}{}:
	case <-ctx.Done():
		return 0, context.Cause(ctx)
	}
	defer func() { <-slots }()
	began := time.Now()
	_, err = gitWithEnv(ctx, dir, env, args...)
	return time.Since(began), err
}

// checkOutAll checks every file of start out into the new worktree at
// path, whose index is empty, once a bulk slot is free. The time the
// checkout itself took (took) is what a pooled Create may wait for a
// release instead (see pool.take).
func (r *Repo) checkOutAll(ctx context.Context, path, start string) (took time.Duration, err error) {
	took, err = r.bulk(ctx, path, nil, "reset", "--quiet", "--hard", start)
	if err != nil {
		return 0, fmt.Errorf("check out %s: %w", path, err)
	}
	if p := r.currentPool(); p != nil {
		p.noteCheckout(took)
	}
	return took, nil
}
