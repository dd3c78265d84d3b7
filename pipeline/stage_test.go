package pipeline_test

import (
	"context"
	"errors"
	"testing"

	"github.com/looper-go/looper/pipeline"
)

func TestSend(t *testing.T) {
	t.Parallel()
	t.Run("sends while the context is live", func(t *testing.T) {
		t.Parallel()
		out := make(chan int, 1)
		if err := pipeline.Send(t.Context(), out, 7); err != nil {
			t.Fatal(err)
		}
		if v := <-out; v != 7 {
			t.Fatalf("received %d", v)
		}
	})
	t.Run("returns the cause once cancelled, even with room to send", func(t *testing.T) {
		t.Parallel()
		stop := errors.New("stop")
		ctx, cancel := context.WithCancelCause(t.Context())
		cancel(stop)
		out := make(chan int, 1)
		for range 100 { // a random select would send about half the time
			if err := pipeline.Send(ctx, out, 7); err != stop {
				t.Fatalf("Send = %v, want the cause", err)
			}
		}
		if len(out) != 0 {
			t.Fatal("Send sent on a cancelled context")
		}
	})
	t.Run("unblocks when cancelled", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error)
		go func() { done <- pipeline.Send(ctx, make(chan int), 7) }()
		cancel()
		if err := <-done; err != context.Canceled {
			t.Fatalf("Send = %v, want context.Canceled", err)
		}
	})
}

func TestFuncPanicsOnMisuse(t *testing.T) {
	t.Parallel()
	f := func(context.Context, <-chan int, chan<- int) error { return nil }
	if got := mustPanic(t, func() { pipeline.Func("", f) }); got != "pipeline: Func needs a stage name" {
		t.Fatalf("panic = %v", got)
	}
	if got := mustPanic(t, func() { pipeline.Func[int, int]("f", nil) }); got != "pipeline: Func f needs a function" {
		t.Fatalf("panic = %v", got)
	}
}

type unnamed struct{}

func (unnamed) Name() string                                      { return "" }
func (unnamed) Run(context.Context, <-chan int, chan<- int) error { return nil }

func TestLinkPanicsOnMisuse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		call func()
		want string
	}{
		{"nil stage", func() { pipeline.Link[int, int](nil, 0) }, "pipeline: Link needs a stage"},
		{"no name", func() { pipeline.Link[int, int](unnamed{}, 0) }, "pipeline: Link needs a stage with a name"},
		{"negative buffer", func() { pipeline.Link(pass[int]("p"), -1) }, "pipeline: Link p needs a buffer of at least 0, got -1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := mustPanic(t, tt.call); got != tt.want {
				t.Fatalf("panic = %v, want %q", got, tt.want)
			}
		})
	}
}
