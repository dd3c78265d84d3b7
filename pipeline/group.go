package pipeline

import (
	"context"
	"errors"
	"sync"

	"github.com/sourcegraph/conc/panics"
	"github.com/sourcegraph/conc/pool"
)

// errClosedOutput is the failure of a stage that closed its own output
// channel, which only the runner may close.
var errClosedOutput = errors.New("closed its output channel; the runner closes it when Run returns")

// group is one set of goroutines that succeed or fail together: the stages of
// one pipeline run, the two halves of a Then, or the items of one Map run.
//
// It wraps a conc ContextPool (which owns the goroutines and bounds them) and
// adds what conc v0.3.0 lacks for a pipeline. The first failure is recorded
// before anything is cancelled, so the error a run returns is the one that
// started the cancellation, never a sibling's context.Canceled; and the
// context is cancelled with that failure as its cause, so every Send blocked
// elsewhere returns it. The cancellation has to happen at the moment of the
// failure rather than when the failing task returns (which is when conc
// cancels), because the runner drains the failed stage's input before the
// task returns, and that drain ends only when upstream stages stop.
type group struct {
	parent context.Context
	ctx    context.Context
	cancel context.CancelCauseFunc
	pool   *pool.ContextPool

	once sync.Once
	err  error
}

// newGroup starts an empty group under ctx; limit > 0 bounds the number of
// goroutines (conc then blocks Go until one is free).
func newGroup(ctx context.Context, limit int) *group {
	g := &group{parent: ctx}
	g.ctx, g.cancel = context.WithCancelCause(ctx)
	g.pool = pool.New().WithContext(g.ctx).WithCancelOnError().WithFirstError()
	if limit > 0 {
		g.pool = g.pool.WithMaxGoroutines(limit)
	}
	return g
}

// fail records err as the group's result if it is the first failure and
// cancels the group with it as the cause. A failure that happens after the
// caller cancelled the parent context is a consequence of that cancellation,
// so the parent's cause is recorded instead.
func (g *group) fail(err error) {
	g.once.Do(func() {
		if g.parent.Err() != nil {
			err = context.Cause(g.parent)
		}
		g.err = err
		g.cancel(err)
	})
}

// wait waits for every goroutine of the group and returns the first failure.
func (g *group) wait() error {
	// Every task that returns an error has called fail first, so the pool's
	// own first error adds nothing (and may be a sibling's cancellation).
	_ = g.pool.Wait()
	g.cancel(nil)
	return g.err
}

// startStage runs s in g, reading in and writing out. When Run returns, for
// whatever reason, the runner records its failure, closes out (when it owns
// it) so the next stage sees the end of its input, and then receives and
// discards whatever is left on in until the previous stage closes it, so that
// stage is never stuck on a send.
func startStage[In, Out any](g *group, s Stage[In, Out], in <-chan In, out chan<- Out, closeOut bool) {
	name := s.Name()
	g.pool.Go(func(ctx context.Context) error {
		var err error
		if r := panics.Try(func() { err = s.Run(ctx, in, out) }); r != nil {
			err = newPanicError(r)
		}
		err = wrapStage(name, err)
		if err != nil {
			g.fail(err)
		}
		if closeOut {
			if r := panics.Try(func() { close(out) }); r != nil {
				err = &StageError{Stage: name, Err: errClosedOutput}
				g.fail(err)
			}
		}
		for range in {
		}
		return err
	})
}

// feed copies src to dst until src is closed or g is cancelled, then closes
// dst. It stands between a channel the runner does not own and the first
// stage, so that cancelling the group always closes the first stage's input
// even when the owner of src neither sends nor closes it.
func feed[T any](g *group, src <-chan T, dst chan<- T) {
	g.pool.Go(func(ctx context.Context) error {
		defer close(dst)
		for {
			select {
			case <-ctx.Done():
				err := context.Cause(ctx)
				g.fail(err)
				return err
			case v, ok := <-src:
				if !ok {
					return nil
				}
				if err := Send(ctx, dst, v); err != nil {
					g.fail(err)
					return err
				}
			}
		}
	})
}

// collect hands every value of the last channel to each (nil: discard them)
// until the channel is closed. A failure of each (an error or a panic) fails
// the group and stops the calls, but collect keeps draining so the last stage
// can finish.
func collect[T any](g *group, c <-chan T, each func(T) error) {
	g.pool.Go(func(context.Context) error {
		var err error
		if each != nil {
			r := panics.Try(func() {
				for v := range c {
					if err = each(v); err != nil {
						return
					}
				}
			})
			if r != nil {
				err = newPanicError(r)
			}
			if err != nil {
				g.fail(err)
			}
		}
		for range c {
		}
		return err
	})
}
