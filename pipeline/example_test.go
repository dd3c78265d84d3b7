package pipeline_test

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/looper-go/looper/pipeline"
)

// Stages chosen at run time, as from a --stages flag: a registry holds them
// by name, Build checks that their types meet, RunTo receives the results.
func ExampleBuild() {
	words := pipeline.Func("words", func(ctx context.Context, in <-chan string, out chan<- string) error {
		for line := range in {
			for _, w := range strings.Fields(line) {
				if err := pipeline.Send(ctx, out, w); err != nil {
					return err
				}
			}
		}
		return nil
	})
	length := pipeline.OrderedMap("length", 4, func(_ context.Context, w string) (int, error) {
		return len(w), nil
	})
	registry := new(pipeline.Registry).
		Add(pipeline.Link(words, 0)).
		Add(pipeline.Link(length, 0))

	// Mistakes fail before anything runs.
	if _, err := registry.Lookup("words", "size"); err != nil {
		fmt.Println("error:", err)
	}
	if nodes, err := registry.Lookup("length", "words"); err == nil {
		if _, err := pipeline.Build[string](nodes...); err != nil {
			fmt.Println("error:", err)
		}
	}

	nodes, err := registry.Lookup("words", "length")
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	p, err := pipeline.Build[string](nodes...)
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	src := make(chan string, 2)
	src <- "a pipeline of"
	src <- "typed stages"
	close(src)
	var lengths []int
	err = pipeline.RunTo(context.Background(), p, src, func(n int) error {
		lengths = append(lengths, n)
		return nil
	})
	fmt.Println(lengths, err)
	// Output:
	// error: unknown stage "size" (known stages: words, length)
	// error: stage "words" consumes string, but "length" produces int
	// [1 8 2 5 6] <nil>
}

// Then joins two stages into one; the compiler checks that they fit.
func ExampleThen() {
	double := pipeline.Map("double", 2, func(_ context.Context, v int) (int, error) { return 2 * v, nil })
	label := pipeline.OrderedMap("label", 2, func(_ context.Context, v int) (string, error) {
		return fmt.Sprintf("<%d>", v), nil
	})
	stage := pipeline.Then(double, label) // a pipeline.Stage[int, string]

	p, err := pipeline.Build[int](pipeline.Link(stage, 0))
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	src := make(chan int, 3)
	src <- 1
	src <- 2
	src <- 3
	close(src)
	var got []string
	err = pipeline.RunTo(context.Background(), p, src, func(s string) error {
		got = append(got, s)
		return nil
	})
	slices.Sort(got) // Map sends in completion order
	fmt.Println(stage.Name(), got, err)
	// Output:
	// double+label [<2> <4> <6>] <nil>
}

// A later stage reports completions to an earlier one through a side channel
// owned outside the pipeline, never by linking an output back to an input.
// Here job k+1 is only offered once job k has completed.
func Example_feedbackLoop() {
	done := make(chan int) // the side channel: created and owned here

	offer := pipeline.Func("offer", func(ctx context.Context, in <-chan struct{}, out chan<- int) error {
		for range in { // the source only starts the run
		}
		next, inFlight := 1, 0
		for next <= 3 || inFlight > 0 {
			var send chan<- int // nil, so the send case is off, unless a job is ready
			if next <= 3 && inFlight == 0 {
				send = out
			}
			select { // sends and completions in one select: no deadlock
			case send <- next:
				next++
				inFlight++
			case k := <-done:
				fmt.Println("completed", k)
				inFlight--
			case <-ctx.Done():
				return context.Cause(ctx)
			}
		}
		return nil // closing out ends the later stages in turn
	})
	work := pipeline.Map("work", 2, func(_ context.Context, k int) (int, error) { return 10 * k, nil })
	report := pipeline.Func("report", func(ctx context.Context, in <-chan int, out chan<- int) error {
		for v := range in {
			if err := pipeline.Send(ctx, out, v); err != nil {
				return err
			}
			if err := pipeline.Send(ctx, done, v/10); err != nil {
				return err
			}
		}
		return nil
	})

	p, err := pipeline.Build[struct{}](pipeline.Link(offer, 0), pipeline.Link(work, 0), pipeline.Link(report, 0))
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	src := make(chan struct{})
	close(src)
	var results []int
	err = pipeline.RunTo(context.Background(), p, src, func(v int) error {
		results = append(results, v)
		return nil
	})
	fmt.Println(results, err)
	// Output:
	// completed 1
	// completed 2
	// completed 3
	// [10 20 30] <nil>
}
