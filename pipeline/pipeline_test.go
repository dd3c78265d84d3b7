package pipeline_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/sourcegraph/conc/panics"
	"github.com/sourcegraph/conc/pool"

	"github.com/looper-go/looper/pipeline"
)

type (
	tick    struct{}
	job     struct{ id int }
	ballot  struct{ id int }
	verdict struct{ id int }
)

func (v verdict) String() string { return "verdict " + strconv.Itoa(v.id) }

var (
	selectStage = pipeline.Func("select", func(ctx context.Context, in <-chan tick, out chan<- job) error {
		id := 0
		for range in {
			id++
			if err := pipeline.Send(ctx, out, job{id}); err != nil {
				return err
			}
		}
		return nil
	})
	executeStage = pipeline.Map("execute", 2, func(_ context.Context, j job) (ballot, error) { return ballot(j), nil })
	voteStage    = pipeline.Map("vote", 2, func(_ context.Context, b ballot) (verdict, error) { return verdict(b), nil })
)

func TestBuildChecksTypes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		build func() error
		want  string
	}{
		{
			name:  "no stages",
			build: func() error { _, err := pipeline.Build[tick](); return err },
			want:  "pipeline has no stages",
		},
		{
			name: "source does not fit the first stage",
			build: func() error {
				_, err := pipeline.Build[job](pipeline.Link(selectStage, 0))
				return err
			},
			want: `stage "select" consumes pipeline_test.tick, but the source produces pipeline_test.job`,
		},
		{
			name: "adjacent stages do not fit",
			build: func() error {
				_, err := pipeline.Build[tick](pipeline.Link(selectStage, 0), pipeline.Link(voteStage, 0))
				return err
			},
			want: `stage "vote" consumes pipeline_test.ballot, but "select" produces pipeline_test.job`,
		},
		{
			name: "a later pair does not fit",
			build: func() error {
				_, err := pipeline.Build[tick](pipeline.Link(selectStage, 0), pipeline.Link(executeStage, 1),
					pipeline.Link(executeStage, 0))
				return err
			},
			want: `stage "execute" consumes pipeline_test.job, but "execute" produces pipeline_test.ballot`,
		},
		{
			name: "builtin types",
			build: func() error {
				_, err := pipeline.Build[string](pipeline.Link(pass[[]byte]("bytes"), 0))
				return err
			},
			want: `stage "bytes" consumes []uint8, but the source produces string`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.build()
			if err == nil || err.Error() != tt.want {
				t.Fatalf("Build error = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestBuildTypeErrorFields(t *testing.T) {
	t.Parallel()
	_, err := pipeline.Build[tick](pipeline.Link(selectStage, 0), pipeline.Link(voteStage, 0))
	te, ok := errors.AsType[*pipeline.TypeError](err)
	if !ok {
		t.Fatalf("error %v is not a *TypeError", err)
	}
	want := pipeline.TypeError{Consumer: "vote", In: reflect.TypeFor[ballot](), Producer: "select", Out: reflect.TypeFor[job]()}
	if *te != want {
		t.Fatalf("TypeError = %+v, want %+v", *te, want)
	}
}

func TestBuildPanicsOnNilNode(t *testing.T) {
	t.Parallel()
	got := mustPanic(t, func() { _, _ = pipeline.Build[tick](pipeline.Link(selectStage, 0), nil) })
	if got != "pipeline: Build got a nil Node" {
		t.Fatalf("panic = %v", got)
	}
}

func TestPipelineRunsStagesInOrder(t *testing.T) {
	t.Parallel()
	p := build[tick](t, pipeline.Link(selectStage, 0), pipeline.Link(executeStage, 0), pipeline.Link(voteStage, 0))
	if got, want := p.Names(), []string{"select", "execute", "vote"}; !slices.Equal(got, want) {
		t.Fatalf("Names = %v, want %v", got, want)
	}
	if got := p.Out(); got != reflect.TypeFor[verdict]() {
		t.Fatalf("Out = %v", got)
	}
	got, err := collectAll[verdict](t.Context(), p, source(tick{}, tick{}, tick{}, tick{}))
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(got, func(a, b verdict) int { return a.id - b.id })
	if want := []verdict{{1}, {2}, {3}, {4}}; !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

func TestPipelineRunsAgain(t *testing.T) {
	t.Parallel()
	p := build[int](t, pipeline.Link(pipeline.Map("double", 3, func(_ context.Context, v int) (int, error) { return 2 * v, nil }), 1))
	for run := range 3 {
		got, err := collectAll[int](t.Context(), p, source(count(10)...))
		if err != nil {
			t.Fatalf("run %d: %v", run, err)
		}
		slices.Sort(got)
		if want := []int{0, 2, 4, 6, 8, 10, 12, 14, 16, 18}; !slices.Equal(got, want) {
			t.Fatalf("run %d: got %v, want %v", run, got, want)
		}
	}
}

func TestRunDiscardsOutput(t *testing.T) {
	t.Parallel()
	var seen atomic.Int64
	last := pipeline.Func("last", func(ctx context.Context, in <-chan int, out chan<- int) error {
		for v := range in {
			seen.Add(1)
			if err := pipeline.Send(ctx, out, v); err != nil {
				return err
			}
		}
		return nil
	})
	p := build[int](t, pipeline.Link(pass[int]("first"), 0), pipeline.Link(last, 0))
	if err := p.Run(t.Context(), source(count(50)...)); err != nil {
		t.Fatal(err)
	}
	if seen.Load() != 50 {
		t.Fatalf("last stage saw %d values, want 50", seen.Load())
	}
}

func TestRunToTypes(t *testing.T) {
	t.Parallel()
	p := build[tick](t, pipeline.Link(selectStage, 0), pipeline.Link(executeStage, 0), pipeline.Link(voteStage, 0))

	t.Run("wrong type fails before running", func(t *testing.T) {
		t.Parallel()
		ran := false
		err := pipeline.RunTo(t.Context(), p, source(tick{}), func(ballot) error { ran = true; return nil })
		want := `the sink consumes pipeline_test.ballot, but "vote" produces pipeline_test.verdict`
		if err == nil || err.Error() != want {
			t.Fatalf("RunTo error = %v, want %q", err, want)
		}
		if ran {
			t.Fatal("RunTo called the sink despite the type error")
		}
	})
	t.Run("interface it implements", func(t *testing.T) {
		t.Parallel()
		got, err := collectAll[fmt.Stringer](t.Context(), p, source(tick{}, tick{}))
		if err != nil {
			t.Fatal(err)
		}
		var s []string
		for _, v := range got {
			s = append(s, v.String())
		}
		slices.Sort(s)
		if want := []string{"verdict 1", "verdict 2"}; !slices.Equal(s, want) {
			t.Fatalf("got %v, want %v", s, want)
		}
	})
	t.Run("any", func(t *testing.T) {
		t.Parallel()
		got, err := collectAll[any](t.Context(), p, source(tick{}))
		if err != nil {
			t.Fatal(err)
		}
		if want := []any{verdict{1}}; !slices.Equal(got, want) {
			t.Fatalf("got %v, want %v", got, want)
		}
	})
	t.Run("interface it does not implement", func(t *testing.T) {
		t.Parallel()
		err := pipeline.RunTo(t.Context(), p, source(tick{}), func(error) error { return nil })
		want := `the sink consumes error, but "vote" produces pipeline_test.verdict`
		if err == nil || err.Error() != want {
			t.Fatalf("RunTo error = %v, want %q", err, want)
		}
	})
	t.Run("nil interface values", func(t *testing.T) {
		t.Parallel()
		errs := build[int](t, pipeline.Link(pipeline.Map("check", 1, func(_ context.Context, v int) (error, error) {
			if v == 0 {
				return nil, nil
			}
			return errors.New("odd"), nil
		}), 0))
		got, err := collectAll[any](t.Context(), errs, source(0))
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0] != nil {
			t.Fatalf("got %v, want [<nil>]", got)
		}
	})
}

func TestRunToSinkError(t *testing.T) {
	t.Parallel()
	errFull := errors.New("sink full")
	var produced atomic.Int64
	counting := pipeline.Func("counting", func(ctx context.Context, in <-chan int, out chan<- int) error {
		for v := range in {
			if err := pipeline.Send(ctx, out, v); err != nil {
				return err
			}
			produced.Add(1)
		}
		return nil
	})
	p := build[int](t, pipeline.Link(counting, 0))
	calls := 0
	err := pipeline.RunTo(t.Context(), p, source(count(100)...), func(v int) error {
		calls++
		if v == 2 {
			return errFull
		}
		return nil
	})
	if err != errFull {
		t.Fatalf("RunTo error = %v, want the sink's own error, unwrapped", err)
	}
	if calls != 3 {
		t.Fatalf("sink called %d times, want 3", calls)
	}
	if produced.Load() == 100 {
		t.Fatal("the sink's error did not cancel the stages")
	}
}

func TestRunToSinkPanic(t *testing.T) {
	t.Parallel()
	p := build[int](t, pipeline.Link(pass[int]("pass"), 0))
	err := pipeline.RunTo(t.Context(), p, source(count(10)...), func(v int) error {
		if v == 5 {
			panic("sink bug")
		}
		return nil
	})
	pe, ok := errors.AsType[*pipeline.PanicError](err)
	if !ok || pe.Value != "sink bug" {
		t.Fatalf("RunTo error = %v, want a *PanicError for the sink", err)
	}
	if _, ok := errors.AsType[*pipeline.StageError](err); ok {
		t.Fatalf("RunTo error %v names a stage, but the sink panicked", err)
	}
}

func TestRunToSeesValuesSentBeforeAFailure(t *testing.T) {
	t.Parallel()
	// Values the last stage sent before a failure are still delivered: they
	// are work that happened. Plain sends show that the runner keeps
	// draining the last channel after the run is cancelled.
	boom := errors.New("boom")
	p := build[int](t,
		pipeline.Link(pass[int]("first"), 0),
		pipeline.Link(pipeline.Func("last", func(ctx context.Context, in <-chan int, out chan<- int) error {
			for v := range in {
				out <- v
				if v == 2 {
					return boom
				}
			}
			return nil
		}), 0))
	got, err := collectAll[int](t.Context(), p, source(count(10)...))
	if !errors.Is(err, boom) {
		t.Fatalf("error = %v, want boom", err)
	}
	if want := []int{0, 1, 2}; !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

func TestRunToAfterAFailureElsewhere(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// "first" fails while "last" is still working on a value; the last
		// stage's plain send of its result is still received and delivered.
		boom := errors.New("boom")
		p := build[int](t,
			pipeline.Link(pipeline.Func("first", func(ctx context.Context, in <-chan int, out chan<- int) error {
				for v := range in {
					if err := pipeline.Send(ctx, out, v); err != nil {
						return err
					}
				}
				time.Sleep(time.Second)
				return boom
			}), 0),
			pipeline.Link(pipeline.Func("last", func(_ context.Context, in <-chan int, out chan<- int) error {
				for v := range in {
					time.Sleep(time.Minute) // work that cannot be interrupted
					out <- 10 * v
				}
				return nil
			}), 0))
		got, err := collectAll[int](t.Context(), p, source(1))
		if err == nil || err.Error() != `stage "first": boom` {
			t.Fatalf("error = %v", err)
		}
		if want := []int{10}; !slices.Equal(got, want) {
			t.Fatalf("got %v, want %v", got, want)
		}
	})
}

func TestStageErrorCancelsTheOthers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		boom := errors.New("boom")
		var genErr error
		generate := pipeline.Func("generate", func(ctx context.Context, in <-chan tick, out chan<- int) error {
			for i := 0; ; i++ {
				if genErr = pipeline.Sleep(ctx, time.Second); genErr != nil {
					return genErr
				}
				if genErr = pipeline.Send(ctx, out, i); genErr != nil {
					return genErr
				}
			}
		})
		check := pipeline.Func("check", func(ctx context.Context, in <-chan int, out chan<- int) error {
			for v := range in {
				if v == 3 {
					return boom
				}
				if err := pipeline.Send(ctx, out, v); err != nil {
					return err
				}
			}
			return nil
		})
		slow := pipeline.Map("slow", 2, func(ctx context.Context, v int) (int, error) {
			return v, pipeline.Sleep(ctx, time.Hour)
		})
		p := build[tick](t, pipeline.Link(generate, 0), pipeline.Link(check, 0), pipeline.Link(slow, 0))
		start := time.Now()
		err := p.Run(t.Context(), make(chan tick)) // never closed, never sent on
		if err == nil || err.Error() != `stage "check": boom` {
			t.Fatalf("Run error = %v, want the failing stage's error", err)
		}
		if !errors.Is(err, boom) || errors.Is(err, context.Canceled) {
			t.Fatalf("Run error %v: Is(boom) = %v, Is(Canceled) = %v", err, errors.Is(err, boom), errors.Is(err, context.Canceled))
		}
		if se, ok := errors.AsType[*pipeline.StageError](err); !ok || se.Stage != "check" {
			t.Fatalf("Run error %v does not name stage check", err)
		}
		if d := time.Since(start); d != 4*time.Second {
			t.Fatalf("Run took %v, want 4s: the failure at the 4th value did not stop the others at once", d)
		}
		if !errors.Is(genErr, boom) {
			t.Fatalf("upstream stage saw %v, want the failure as the context's cause", genErr)
		}
	})
}

func TestCancelStopsEverything(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		stop := errors.New("user pressed Ctrl-C")
		ctx, cancel := context.WithCancelCause(t.Context())
		generate := pipeline.Func("generate", func(ctx context.Context, in <-chan tick, out chan<- int) error {
			for range in {
				for i := 0; ; i++ {
					if err := pipeline.Sleep(ctx, time.Second); err != nil {
						return err
					}
					if err := pipeline.Send(ctx, out, i); err != nil {
						return err
					}
				}
			}
			return nil
		})
		work := pipeline.Map("work", 3, func(ctx context.Context, v int) (int, error) {
			return v, pipeline.Sleep(ctx, 5*time.Second)
		})
		ordered := pipeline.OrderedMap("ordered", 2, func(ctx context.Context, v int) (int, error) {
			return v, pipeline.Sleep(ctx, 7*time.Second)
		})
		p := build[tick](t, pipeline.Link(generate, 1), pipeline.Link(work, 2), pipeline.Link(ordered, 0))
		src := make(chan tick, 1)
		src <- tick{} // src stays open: the runner must stop reading it on cancel
		time.AfterFunc(30*time.Second, func() { cancel(stop) })
		start := time.Now()
		var got []int
		err := pipeline.RunTo(ctx, p, src, func(v int) error {
			got = append(got, v)
			return pipeline.Sleep(ctx, 3*time.Second) // a slow consumer
		})
		if err != stop {
			t.Fatalf("Run error = %v, want the cancellation cause", err)
		}
		if d := time.Since(start); d != 30*time.Second {
			t.Fatalf("Run took %v after a cancel at 30s", d)
		}
		if len(got) == 0 || !slices.IsSorted(got) {
			t.Fatalf("got %v, want some values in order", got)
		}
		// synctest.Test fails if any goroutine of the run is still blocked.
	})
}

func TestCancelBeforeRun(t *testing.T) {
	t.Parallel()
	ran := false
	p := build[int](t, pipeline.Link(pipeline.Func("never", func(context.Context, <-chan int, chan<- int) error {
		ran = true
		return nil
	}), 0))
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := p.Run(ctx, source(1)); err != context.Canceled {
		t.Fatalf("Run error = %v, want context.Canceled", err)
	}
	if ran {
		t.Fatal("a stage ran under a cancelled context")
	}
}

func TestCancelWinsOverItsConsequences(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// A stage that reports cancellation with an error of its own does
		// not hide that the caller cancelled.
		ctx, cancel := context.WithCancel(t.Context())
		p := build[int](t, pipeline.Link(pipeline.Func("interrupted", func(ctx context.Context, in <-chan int, out chan<- int) error {
			for range in {
			}
			<-ctx.Done()
			return errors.New("interrupted")
		}), 0))
		time.AfterFunc(time.Minute, cancel)
		if err := p.Run(ctx, source(1)); err != context.Canceled {
			t.Fatalf("Run error = %v, want context.Canceled", err)
		}
	})
}

func TestReturningEarlyDrainsInput(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		// "first" uses plain sends and never looks at ctx; "head" takes one
		// value and returns nil. The runner must drain the rest so "first" can
		// finish and the run can end.
		var sent atomic.Int64
		first := pipeline.Func("first", func(_ context.Context, in <-chan int, out chan<- int) error {
			for v := range in {
				out <- v
				sent.Add(1)
			}
			return nil
		})
		head := pipeline.Func("head", func(ctx context.Context, in <-chan int, out chan<- int) error {
			return pipeline.Send(ctx, out, <-in)
		})
		p := build[int](t, pipeline.Link(first, 0), pipeline.Link(head, 0), pipeline.Link(pass[int]("after"), 0))
		got, err := collectAll[int](t.Context(), p, source(count(100)...))
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, []int{0}) {
			t.Fatalf("got %v, want [0]", got)
		}
		if sent.Load() != 100 {
			t.Fatalf("first stage sent %d values, want all 100", sent.Load())
		}
	})
}

func TestFailingEarlyDrainsInputAndClosesOutput(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		// A stage that fails at once still lets a plain-sending producer finish
		// (its input is drained) and lets its consumer finish (its output is
		// closed).
		boom := errors.New("boom")
		var sent atomic.Int64
		first := pipeline.Func("first", func(_ context.Context, in <-chan int, out chan<- int) error {
			for v := range in {
				out <- v
				sent.Add(1)
			}
			return nil
		})
		failing := pipeline.Func("failing", func(context.Context, <-chan int, chan<- int) error { return boom })
		var sawEnd atomic.Bool
		last := pipeline.Func("last", func(_ context.Context, in <-chan int, _ chan<- int) error {
			for range in {
			}
			sawEnd.Store(true)
			return nil
		})
		p := build[int](t, pipeline.Link(first, 0), pipeline.Link(failing, 0), pipeline.Link(last, 0))
		err := p.Run(t.Context(), source(count(20)...))
		if err == nil || err.Error() != `stage "failing": boom` {
			t.Fatalf("Run error = %v", err)
		}
		if !sawEnd.Load() {
			t.Fatal("the stage after the failed one never saw its input closed")
		}
		if sent.Load() == 0 {
			t.Fatal("first stage sent nothing; the test did not exercise the drain")
		}
	})
}

func TestStageMustNotCloseItsOutput(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		closer := pipeline.Func("closer", func(_ context.Context, in <-chan int, out chan<- int) error {
			for range in {
			}
			close(out)
			return nil
		})
		p := build[int](t, pipeline.Link(closer, 0), pipeline.Link(pass[int]("after"), 0))
		err := p.Run(t.Context(), source(1, 2))
		want := `stage "closer": closed its output channel; the runner closes it when Run returns`
		if err == nil || err.Error() != want {
			t.Fatalf("Run error = %v, want %q", err, want)
		}
	})
}

func TestRunStopsReadingAnOpenSource(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		// The caller's source stays open, as when it is fed by a goroutine
		// that only stops after Run returns. The first stage ranges over its
		// input; a failure further on must still end the run, so the runner
		// has to close the first stage's input itself.
		boom := errors.New("boom")
		src := make(chan int, 1)
		src <- 1
		fail := pipeline.Func("fail", func(_ context.Context, in <-chan int, _ chan<- int) error {
			<-in
			return boom
		})
		p := build[int](t, pipeline.Link(pass[int]("first"), 0), pipeline.Link(fail, 0))
		if err := p.Run(t.Context(), src); !errors.Is(err, boom) {
			t.Fatalf("Run error = %v, want boom", err)
		}
	})
}

func TestRunPanicsOnNilSource(t *testing.T) {
	t.Parallel()
	p := build[int](t, pipeline.Link(pass[int]("pass"), 0))
	if got := mustPanic(t, func() { _ = p.Run(t.Context(), nil) }); got != "pipeline: Run needs a source channel" {
		t.Fatalf("panic = %v", got)
	}
}

// explode is the frame every panic test looks for in the reported stack.
func explode(v any) { panic(v) }

func TestPanicBecomesOneError(t *testing.T) {
	t.Parallel()
	sentinel := errors.New("sentinel")
	tests := []struct {
		name  string
		stage pipeline.Stage[int, int]
		value any
	}{
		{
			name: "in the stage",
			stage: pipeline.Func("p", func(_ context.Context, in <-chan int, _ chan<- int) error {
				for v := range in {
					if v == 3 {
						explode("kaboom")
					}
				}
				return nil
			}),
			value: "kaboom",
		},
		{
			name: "in a Map item",
			stage: pipeline.Map("p", 4, func(_ context.Context, v int) (int, error) {
				if v == 3 {
					explode("kaboom")
				}
				return v, nil
			}),
			value: "kaboom",
		},
		{
			name: "in an OrderedMap item",
			stage: pipeline.OrderedMap("p", 4, func(_ context.Context, v int) (int, error) {
				if v == 3 {
					explode(sentinel)
				}
				return v, nil
			}),
			value: sentinel,
		},
		{
			name: "two conc pools deep",
			stage: pipeline.Func("p", func(ctx context.Context, in <-chan int, _ chan<- int) error {
				outer := pool.New().WithContext(ctx)
				for v := range in {
					outer.Go(func(ctx context.Context) error {
						inner := pool.New()
						inner.Go(func() {
							if v == 3 {
								explode("kaboom")
							}
						})
						inner.Wait()
						return nil
					})
				}
				return outer.Wait()
			}),
			value: "kaboom",
		},
		{
			name:  "inside Then",
			stage: pipeline.Then(pass[int]("a"), pipeline.Map("p", 2, func(_ context.Context, v int) (int, error) { explode("kaboom"); return v, nil })),
			value: "kaboom",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := build[int](t, pipeline.Link(pass[int]("before"), 0), pipeline.Link(tt.stage, 0), pipeline.Link(pass[int]("after"), 0))
			err := p.Run(t.Context(), source(count(10)...))
			if want := fmt.Sprintf("stage %q: panic: %v", "p", tt.value); err == nil || err.Error() != want {
				t.Fatalf("Run error = %v, want %q", err, want)
			}
			pe, ok := errors.AsType[*pipeline.PanicError](err)
			if !ok {
				t.Fatalf("Run error %v is not a *PanicError", err)
			}
			if pe.Value != tt.value {
				t.Fatalf("PanicError.Value = %#v, want the original %#v", pe.Value, tt.value)
			}
			if !strings.Contains(string(pe.Stack), "pipeline_test.explode(") {
				t.Fatalf("PanicError.Stack does not show the panicking frame:\n%s", pe.Stack)
			}
			rec, ok := errors.AsType[*panics.ErrRecovered](err)
			if !ok || rec.Value != tt.value {
				t.Fatalf("errors.As(*panics.ErrRecovered) = %v, %v", rec, ok)
			}
			if _, nested := rec.Value.(*panics.Recovered); nested {
				t.Fatal("the panic value is still wrapped in a *panics.Recovered")
			}
			if errVal, isErr := tt.value.(error); isErr && !errors.Is(err, errVal) {
				t.Fatalf("errors.Is(%v, %v) = false for a panic with an error value", err, errVal)
			}
		})
	}
}
