package pipeline

import (
	"context"
	"errors"
	"reflect"
)

// Pipeline is a chain of Nodes whose types have been checked against each
// other and against the source type Src. It holds no goroutines and no
// channels between runs, so it can be run any number of times, also
// concurrently, as long as its stages allow that (see Stage). Only Build
// makes a usable Pipeline.
type Pipeline[Src any] struct {
	nodes []Node
}

// Build chains nodes into a Pipeline fed by a channel of Src. Every type is
// checked here, before any goroutine starts: Src against the first stage's
// input, then each stage's output against the next stage's input. A mismatch
// is a *TypeError naming both stages and both types, for example
// `stage "vote" consumes stages.Ballot, but "select" produces stages.Job`.
// Types must be identical; a stage consuming an interface does not accept a
// producer of a type that implements it, because channels are not
// convertible.
//
// Build panics on a nil node; it returns an error for an empty chain, since a
// list of stage names from the command line can be empty.
func Build[Src any](nodes ...Node) (*Pipeline[Src], error) {
	if len(nodes) == 0 {
		return nil, errors.New("pipeline has no stages")
	}
	for _, n := range nodes {
		if n == nil {
			panic("pipeline: Build got a nil Node")
		}
	}
	if src := reflect.TypeFor[Src](); nodes[0].In() != src {
		return nil, &TypeError{Consumer: nodes[0].Name(), In: nodes[0].In(), Out: src}
	}
	for i := 1; i < len(nodes); i++ {
		prev, next := nodes[i-1], nodes[i]
		if prev.Out() != next.In() {
			return nil, &TypeError{Consumer: next.Name(), In: next.In(), Producer: prev.Name(), Out: prev.Out()}
		}
	}
	return &Pipeline[Src]{nodes: append([]Node(nil), nodes...)}, nil
}

// Names returns the stage names in pipeline order, for logs and help.
func (p *Pipeline[Src]) Names() []string {
	names := make([]string, len(p.nodes))
	for i, n := range p.nodes {
		names[i] = n.Name()
	}
	return names
}

// Out is the type the last stage produces, which is what RunTo can deliver.
func (p *Pipeline[Src]) Out() reflect.Type { return p.nodes[len(p.nodes)-1].Out() }

// Run runs every stage in one conc context pool, reading src until it is
// closed, and discards what the last stage produces (use RunTo to receive
// it). It returns when every stage has returned.
//
// The result is nil when all stages returned nil; otherwise it is the first
// failure: a *StageError wrapping the error or *PanicError of the stage that
// failed first, or context.Cause(ctx) if the caller cancelled ctx before the
// run finished. The failure cancels the context of every other stage, and
// their resulting cancellation errors are not reported.
//
// Run never closes src. It stops reading src once the run is cancelled, so
// the goroutine feeding src must also stop then: send with Send on a context
// that the caller cancels after Run returns, or fill a buffered channel and
// close it before calling Run. Run panics if src is nil.
func (p *Pipeline[Src]) Run(ctx context.Context, src <-chan Src) error {
	return p.run(ctx, src, nil)
}

// RunTo runs p like Run and calls each, from one goroutine, for every value
// the last stage produces, in the order they arrive. each keeps being called
// after another stage has failed, for every value the last stage still
// delivers, so work that really happened is counted. (Send refuses to send
// once the run is cancelled; a last stage whose results must be counted even
// then, such as the outcome of a merge that was done, may send them with a
// plain send, which the runner always receives.) If each returns an
// error or panics, the run fails with that error (or *PanicError), unwrapped
// by any stage name, and each is not called again.
//
// Out must be the last stage's output type (see Pipeline.Out), or an
// interface type that it implements (RunTo[any] receives every value boxed).
// Otherwise RunTo returns a *TypeError before starting anything. It panics
// if each is nil.
func RunTo[Out, Src any](ctx context.Context, p *Pipeline[Src], src <-chan Src, each func(Out) error) error {
	if each == nil {
		panic("pipeline: RunTo needs a function")
	}
	last := p.nodes[len(p.nodes)-1]
	want := reflect.TypeFor[Out]()
	switch {
	case last.Out() == want:
		return p.run(ctx, src, each)
	case want.Kind() == reflect.Interface && last.Out().Implements(want):
		return p.run(ctx, src, func(v any) error {
			o, _ := v.(Out) // a nil interface value fails the assertion; o is then the nil Out
			return each(o)
		})
	default:
		return &TypeError{In: want, Producer: last.Name(), Out: last.Out()}
	}
}

func (p *Pipeline[Src]) run(ctx context.Context, src <-chan Src, each any) error {
	if src == nil {
		panic("pipeline: Run needs a source channel")
	}
	if ctx.Err() != nil {
		return context.Cause(ctx)
	}
	g := newGroup(ctx, 0)
	first := make(chan Src)
	feed(g, src, first)
	var ch any = (<-chan Src)(first)
	for _, n := range p.nodes {
		ch = n.start(g, ch)
	}
	p.nodes[len(p.nodes)-1].collect(g, ch, each)
	return g.wait()
}
