package pipeline

import (
	"fmt"
	"reflect"
)

// Node is a Stage whose types have been erased, so that stages chosen at run
// time (from a --stages flag, through a Registry) can be chained. Only Link
// makes Nodes: the interface is sealed by an unexported method, so a Node
// always wraps a typed Stage and its channels stay typed; values are never
// boxed on the way through.
type Node interface {
	// Name is the wrapped stage's name.
	Name() string
	// In is the type of value the stage consumes.
	In() reflect.Type
	// Out is the type of value the stage produces.
	Out() reflect.Type

	// start runs the stage in g on in (a <-chan of In) and returns its output
	// channel (a <-chan of Out). Build has checked the types, so the
	// assertion inside cannot fail.
	start(g *group, in any) (out any)
	// collect drains out (a <-chan of Out) into each, which is nil, a
	// func(Out) error or a func(any) error.
	collect(g *group, out any, each any)
}

// Link erases the types of s so it can take part in a pipeline built at run
// time. buffer is the capacity of the channel the stage sends on: 0 (the
// usual choice) makes every hand-off a rendezvous; a small buffer lets a
// bursty stage run ahead of its consumer by that many values.
//
// Link panics if s is nil, its name is empty, or buffer is negative.
func Link[In, Out any](s Stage[In, Out], buffer int) Node {
	if s == nil {
		panic("pipeline: Link needs a stage")
	}
	if s.Name() == "" {
		panic("pipeline: Link needs a stage with a name")
	}
	if buffer < 0 {
		panic(fmt.Sprintf("pipeline: Link %s needs a buffer of at least 0, got %d", s.Name(), buffer))
	}
	return &link[In, Out]{stage: s, buffer: buffer}
}

type link[In, Out any] struct {
	stage  Stage[In, Out]
	buffer int
}

func (l *link[In, Out]) Name() string      { return l.stage.Name() }
func (l *link[In, Out]) In() reflect.Type  { return reflect.TypeFor[In]() }
func (l *link[In, Out]) Out() reflect.Type { return reflect.TypeFor[Out]() }

func (l *link[In, Out]) start(g *group, in any) any {
	out := make(chan Out, l.buffer)
	startStage(g, l.stage, in.(<-chan In), out, true)
	return (<-chan Out)(out)
}

func (l *link[In, Out]) collect(g *group, out any, each any) {
	c := out.(<-chan Out)
	switch f := each.(type) {
	case func(Out) error:
		collect(g, c, f)
	case func(any) error:
		collect(g, c, func(v Out) error { return f(v) })
	default:
		collect[Out](g, c, nil)
	}
}
