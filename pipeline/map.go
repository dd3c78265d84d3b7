package pipeline

import (
	"context"
	"fmt"

	"github.com/sourcegraph/conc/panics"
)

// Map makes a Stage that calls f for every input value on up to limit
// goroutines at once and sends each result as soon as it is ready, so the
// output is in completion order, not input order. Use OrderedMap when order
// matters.
//
// The stage reads its next input only when a goroutine is free (conc's
// bounded pool blocks the submitter), so a slow consumer holds at most limit
// values inside the stage. An error returned by f aborts the stage, and
// through it the run: the other calls see ctx cancelled, no new call starts,
// and the stage returns that error. A failure that should not abort the run
// belongs in Out as a value. A panic in f is returned as a *PanicError.
//
// Map panics if name is empty, f is nil or limit < 1.
func Map[In, Out any](name string, limit int, f func(ctx context.Context, v In) (Out, error)) Stage[In, Out] {
	return newMap(name, limit, f, false)
}

// OrderedMap is Map with the output in input order: a result waits until the
// results of all earlier inputs have been sent. Calls still run up to limit
// at once, but a slow call holds back the results after it, so at most limit
// values are inside the stage, as with Map.
//
// The order is kept by a chain of permissions (each call may send once the
// call before it has sent), with no buffer of results and no extra
// goroutine; conc/stream is deliberately not used because it cannot run
// inside a testing/synctest bubble.
//
// OrderedMap panics if name is empty, f is nil or limit < 1.
func OrderedMap[In, Out any](name string, limit int, f func(ctx context.Context, v In) (Out, error)) Stage[In, Out] {
	return newMap(name, limit, f, true)
}

func newMap[In, Out any](name string, limit int, f func(context.Context, In) (Out, error), ordered bool) *mapStage[In, Out] {
	if name == "" {
		panic("pipeline: Map needs a stage name")
	}
	if f == nil {
		panic("pipeline: Map " + name + " needs a function")
	}
	if limit < 1 {
		panic(fmt.Sprintf("pipeline: Map %s needs a limit of at least 1, got %d", name, limit))
	}
	return &mapStage[In, Out]{name: name, limit: limit, f: f, ordered: ordered}
}

type mapStage[In, Out any] struct {
	name    string
	limit   int
	f       func(context.Context, In) (Out, error)
	ordered bool
}

func (m *mapStage[In, Out]) Name() string { return m.name }

// Run submits one pool task per input value. In order mode, each task gets
// the channel its predecessor closes after sending (mine) and the one it
// closes itself (next); the first task's channel is already closed.
func (m *mapStage[In, Out]) Run(ctx context.Context, in <-chan In, out chan<- Out) error {
	g := newGroup(ctx, m.limit)
	var turn chan struct{}
	if m.ordered {
		turn = make(chan struct{})
		close(turn)
	}
loop:
	for {
		select {
		case <-g.ctx.Done():
			g.fail(context.Cause(g.ctx))
			break loop
		case v, ok := <-in:
			if !ok {
				break loop
			}
			mine := turn
			var next chan struct{}
			if m.ordered {
				next = make(chan struct{})
				turn = next
			}
			g.pool.Go(func(ctx context.Context) error {
				return m.item(ctx, g, v, out, mine, next)
			})
		}
	}
	return g.wait()
}

// item handles one value: call f, wait for its turn (ordered only), send.
func (m *mapStage[In, Out]) item(ctx context.Context, g *group, v In, out chan<- Out, mine <-chan struct{}, next chan<- struct{}) error {
	// conc runs a submitted task even when the pool is already cancelled.
	err := context.Cause(ctx)
	var res Out
	if err == nil {
		if r := panics.Try(func() { res, err = m.f(ctx, v) }); r != nil {
			err = newPanicError(r)
		}
	}
	if err == nil && mine != nil {
		select {
		case <-mine:
		case <-ctx.Done():
			err = context.Cause(ctx)
		}
	}
	if err == nil {
		err = Send(ctx, out, res)
	}
	if err != nil {
		g.fail(err)
		return err
	}
	if next != nil {
		close(next)
	}
	return nil
}
