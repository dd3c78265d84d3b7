package pipeline_test

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"testing"
	"testing/synctest"
	"time"

	"github.com/looper-go/looper/pipeline"
)

func TestThenComposes(t *testing.T) {
	t.Parallel()
	double := pipeline.Map("double", 2, func(_ context.Context, v int) (int, error) { return 2 * v, nil })
	format := pipeline.Map("format", 2, func(_ context.Context, v int) (string, error) { return strconv.Itoa(v), nil })
	both := pipeline.Then(double, format)
	if both.Name() != "double+format" {
		t.Fatalf("Name = %q", both.Name())
	}
	in, out := source(1, 2, 3), make(chan string, 3)
	if err := both.Run(t.Context(), in, out); err != nil {
		t.Fatal(err)
	}
	close(out) // as the runner would
	var got []string
	for s := range out {
		got = append(got, s)
	}
	slices.Sort(got)
	if want := []string{"2", "4", "6"}; !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

func TestThenNests(t *testing.T) {
	t.Parallel()
	inc := func(name string) pipeline.Stage[int, int] {
		return pipeline.OrderedMap(name, 1, func(_ context.Context, v int) (int, error) { return v + 1, nil })
	}
	chain := pipeline.Then(pipeline.Then(inc("a"), inc("b")), pipeline.Then(inc("c"), inc("d")))
	if chain.Name() != "a+b+c+d" {
		t.Fatalf("Name = %q", chain.Name())
	}
	got, err := collectAll[int](t.Context(), build[int](t, pipeline.Link(chain, 0)), source(count(5)...))
	if err != nil {
		t.Fatal(err)
	}
	if want := []int{4, 5, 6, 7, 8}; !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

func TestThenReportsThePartThatFailed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// The stage before the Then sends one value and then waits an hour
		// before the next. The second part of the Then fails a second after
		// taking the first value, when the first part is back waiting for
		// input. The run must end then, not after the hour: Then has to stop
		// its first part even though that part is blocked on a receive.
		boom := errors.New("boom")
		slowSource := pipeline.Func("slow", func(ctx context.Context, in <-chan int, out chan<- int) error {
			for v := range in {
				if err := pipeline.Send(ctx, out, v); err != nil {
					return err
				}
				if err := pipeline.Sleep(ctx, time.Hour); err != nil {
					return err
				}
			}
			return nil
		})
		fail := pipeline.Func("fail", func(_ context.Context, in <-chan int, _ chan<- int) error {
			<-in
			time.Sleep(time.Second)
			return boom
		})
		p := build[int](t, pipeline.Link(slowSource, 0), pipeline.Link(pipeline.Then(pass[int]("first"), fail), 0))
		start := time.Now()
		err := p.Run(t.Context(), source(count(3)...))
		if err == nil || err.Error() != `stage "fail": boom` {
			t.Fatalf("Run error = %v", err)
		}
		if d := time.Since(start); d != time.Second {
			t.Fatalf("Run took %v, want 1s", d)
		}
	})
}

func TestThenPanicsOnNil(t *testing.T) {
	t.Parallel()
	if got := mustPanic(t, func() { pipeline.Then[int, int, int](nil, pass[int]("b")) }); got != "pipeline: Then needs two stages" {
		t.Fatalf("panic = %v", got)
	}
}
