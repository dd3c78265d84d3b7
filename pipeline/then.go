package pipeline

import "context"

// Then composes two stages into one whose types the compiler checks: ab's
// output feeds bc's input through an unbuffered channel. Go has no variadic
// type parameters, so longer chains nest: Then(Then(a, b), c). Use Link and
// Build instead when the chain is chosen at run time.
//
// The composite is named "ab+bc" after its parts. It runs both stages under
// the same rules as a pipeline (its own conc pool, output closed and input
// drained by the runner, first failure wins), waits for both before Run
// returns, and reports a failure of either with that part's name in the
// *StageError. It reads its input through one extra goroutine so that a
// failure of bc stops ab even while ab waits for input.
//
// Then panics if either stage is nil.
func Then[A, B, C any](ab Stage[A, B], bc Stage[B, C]) Stage[A, C] {
	if ab == nil || bc == nil {
		panic("pipeline: Then needs two stages")
	}
	return &thenStage[A, B, C]{ab: ab, bc: bc, name: ab.Name() + "+" + bc.Name()}
}

type thenStage[A, B, C any] struct {
	ab   Stage[A, B]
	bc   Stage[B, C]
	name string
}

func (t *thenStage[A, B, C]) Name() string { return t.name }

func (t *thenStage[A, B, C]) Run(ctx context.Context, in <-chan A, out chan<- C) error {
	g := newGroup(ctx, 0)
	first := make(chan A)
	mid := make(chan B)
	feed(g, in, first)
	startStage(g, t.ab, first, mid, true)
	startStage(g, t.bc, mid, out, false)
	return g.wait()
}
