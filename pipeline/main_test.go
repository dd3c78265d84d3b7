package pipeline_test

import (
	"context"
	"testing"

	"go.uber.org/goleak"

	"github.com/looper-go/looper/pipeline"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// source returns a closed channel holding vs, the simplest way to feed a run.
func source[T any](vs ...T) <-chan T {
	c := make(chan T, len(vs))
	for _, v := range vs {
		c <- v
	}
	close(c)
	return c
}

// count returns 0, 1, …, n-1.
func count(n int) []int {
	vs := make([]int, n)
	for i := range vs {
		vs[i] = i
	}
	return vs
}

// collectAll runs p over src and returns everything the last stage produced.
func collectAll[Out, Src any](ctx context.Context, p *pipeline.Pipeline[Src], src <-chan Src) ([]Out, error) {
	var got []Out
	err := pipeline.RunTo(ctx, p, src, func(v Out) error {
		got = append(got, v)
		return nil
	})
	return got, err
}

// build is Build for tests, failing the test on a type error.
func build[Src any](t testing.TB, nodes ...pipeline.Node) *pipeline.Pipeline[Src] {
	t.Helper()
	p, err := pipeline.Build[Src](nodes...)
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	return p
}

// pass is a stage that forwards every value, the way a well-behaved stage
// is written.
func pass[T any](name string) pipeline.Stage[T, T] {
	return pipeline.Func(name, func(ctx context.Context, in <-chan T, out chan<- T) error {
		for v := range in {
			if err := pipeline.Send(ctx, out, v); err != nil {
				return err
			}
		}
		return nil
	})
}

// mustPanic runs f and returns the panic value, failing the test if f
// returns normally.
func mustPanic(t *testing.T, f func()) (v any) {
	t.Helper()
	defer func() { v = recover() }()
	f()
	t.Fatal("no panic")
	return nil
}
