package pipeline_test

import (
	"context"
	"errors"
	"slices"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/looper-go/looper/pipeline"
)

// mapper makes a Map or an OrderedMap, so tests can run both.
type mapper func(name string, limit int, f func(context.Context, int) (int, error)) pipeline.Stage[int, int]

var mappers = []struct {
	name    string
	make    mapper
	ordered bool
}{
	{"Map", pipeline.Map[int, int], false},
	{"OrderedMap", pipeline.OrderedMap[int, int], true},
}

func TestMapOrder(t *testing.T) {
	for _, m := range mappers {
		t.Run(m.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				// Item i takes 6-i seconds, so they complete in reverse.
				const n = 6
				stage := m.make("straggle", n, func(ctx context.Context, v int) (int, error) {
					return v, pipeline.Sleep(ctx, time.Duration(n-v)*time.Second)
				})
				p := build[int](t, pipeline.Link(stage, 0))
				start := time.Now()
				got, err := collectAll[int](t.Context(), p, source(count(n)...))
				if err != nil {
					t.Fatal(err)
				}
				want := []int{5, 4, 3, 2, 1, 0} // completion order
				if m.ordered {
					want = count(n)
				}
				if !slices.Equal(got, want) {
					t.Fatalf("got %v, want %v", got, want)
				}
				if d := time.Since(start); d != n*time.Second {
					t.Fatalf("took %v, want %v: the items did not run at once", d, n*time.Second)
				}
			})
		})
	}
}

func TestOrderedMapWithStragglersUnderALimit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		durations := []time.Duration{5, 1, 1, 7, 2, 1, 1, 3, 1, 1}
		stage := pipeline.OrderedMap("straggle", 3, func(ctx context.Context, v int) (int, error) {
			return v, pipeline.Sleep(ctx, durations[v]*time.Second)
		})
		p := build[int](t, pipeline.Link(stage, 1))
		got, err := collectAll[int](t.Context(), p, source(count(len(durations))...))
		if err != nil {
			t.Fatal(err)
		}
		if want := count(len(durations)); !slices.Equal(got, want) {
			t.Fatalf("got %v, want %v", got, want)
		}
	})
}

func TestMapLimit(t *testing.T) {
	for _, m := range mappers {
		t.Run(m.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				const limit = 3
				var running, most atomic.Int64
				stage := m.make("work", limit, func(ctx context.Context, v int) (int, error) {
					n := running.Add(1)
					defer running.Add(-1)
					for {
						old := most.Load()
						if n <= old || most.CompareAndSwap(old, n) {
							break
						}
					}
					return v, pipeline.Sleep(ctx, time.Second)
				})
				p := build[int](t, pipeline.Link(stage, 0))
				start := time.Now()
				if err := p.Run(t.Context(), source(count(10)...)); err != nil {
					t.Fatal(err)
				}
				if most.Load() != limit {
					t.Fatalf("%d calls at once, want the limit %d", most.Load(), limit)
				}
				if d := time.Since(start); d != 4*time.Second {
					t.Fatalf("10 one-second calls, 3 at a time, took %v, want 4s", d)
				}
			})
		})
	}
}

func TestMapBackpressure(t *testing.T) {
	for _, m := range mappers {
		t.Run(m.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				// A consumer that takes a second per value: the stage may
				// start at most limit calls beyond what sits in the output
				// buffer, and a well-fed stage reaches exactly that.
				const limit, buffer = 3, 2
				var started atomic.Int64
				stage := m.make("work", limit, func(_ context.Context, v int) (int, error) {
					started.Add(1)
					return v, nil
				})
				p := build[int](t, pipeline.Link(stage, buffer))
				consumed, most := 0, 0
				err := pipeline.RunTo(t.Context(), p, source(count(40)...), func(int) error {
					consumed++
					time.Sleep(time.Second) // everything else is blocked when this returns
					most = max(most, int(started.Load())-consumed)
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
				if most != limit+buffer {
					t.Fatalf("at most %d values in flight, want limit+buffer = %d", most, limit+buffer)
				}
				if consumed != 40 {
					t.Fatalf("consumed %d values, want 40", consumed)
				}
			})
		})
	}
}

func TestMapItemErrorAbortsTheStage(t *testing.T) {
	for _, m := range mappers {
		t.Run(m.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				boom := errors.New("boom")
				var started atomic.Int64
				stage := m.make("work", 2, func(ctx context.Context, v int) (int, error) {
					started.Add(1)
					if v == 0 {
						time.Sleep(time.Second)
						return 0, boom
					}
					return v, pipeline.Sleep(ctx, time.Hour)
				})
				p := build[int](t, pipeline.Link(stage, 0))
				start := time.Now()
				err := p.Run(t.Context(), source(count(100)...))
				if err == nil || err.Error() != `stage "work": boom` {
					t.Fatalf("Run error = %v", err)
				}
				if d := time.Since(start); d != time.Second {
					t.Fatalf("Run took %v; the failing item did not cancel the others", d)
				}
				// Item 1 ran beside item 0. The item the loop held when the
				// pool was cancelled still reaches a worker (conc runs
				// tasks even when cancelled), which must not call f.
				if n := started.Load(); n != 2 {
					t.Fatalf("f called %d times, want 2", n)
				}
			})
		})
	}
}

func TestMapIsReusableAcrossRuns(t *testing.T) {
	t.Parallel()
	// conc pools are single-use; Map builds one per Run.
	stage := pipeline.Map("double", 2, func(_ context.Context, v int) (int, error) { return 2 * v, nil })
	for range 3 {
		in, out := source(1, 2, 3), make(chan int, 3)
		if err := stage.Run(t.Context(), in, out); err != nil {
			t.Fatal(err)
		}
		close(out)
		var got []int
		for v := range out {
			got = append(got, v)
		}
		slices.Sort(got)
		if !slices.Equal(got, []int{2, 4, 6}) {
			t.Fatalf("got %v", got)
		}
	}
}

func TestMapReturnsCancellationCause(t *testing.T) {
	for _, m := range mappers {
		t.Run(m.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				// Cancelled while idle (no item in flight), Map still reports
				// the cause rather than returning nil.
				stop := errors.New("stop")
				ctx, cancel := context.WithCancelCause(t.Context())
				time.AfterFunc(time.Minute, func() { cancel(stop) })
				stage := m.make("idle", 2, func(_ context.Context, v int) (int, error) { return v, nil })
				err := stage.Run(ctx, make(chan int), make(chan int))
				if err != stop {
					t.Fatalf("Run error = %v, want the cause", err)
				}
			})
		})
	}
}

func TestMapPanicsOnMisuse(t *testing.T) {
	t.Parallel()
	f := func(_ context.Context, v int) (int, error) { return v, nil }
	tests := []struct {
		name string
		call func()
		want string
	}{
		{"zero limit", func() { pipeline.Map("m", 0, f) }, "pipeline: Map m needs a limit of at least 1, got 0"},
		{"negative limit", func() { pipeline.OrderedMap("m", -1, f) }, "pipeline: Map m needs a limit of at least 1, got -1"},
		{"nil function", func() { pipeline.Map[int, int]("m", 1, nil) }, "pipeline: Map m needs a function"},
		{"no name", func() { pipeline.OrderedMap("", 1, f) }, "pipeline: Map needs a stage name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := mustPanic(t, tt.call); got != tt.want {
				t.Fatalf("panic = %v, want %q", got, tt.want)
			}
		})
	}
}
