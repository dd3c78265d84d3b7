package pipeline

import "context"

// Stage is one step of a pipeline: it receives values of type In and sends
// values of type Out. The runner (Pipeline.Run, or Then) owns the goroutine
// and both channels; see the package documentation for the rules Run must
// follow.
//
// Run must not close out; the runner closes it once Run has returned, even
// when Run fails or panics. Run should range over in until it is closed and
// send with Send, so that cancellation unblocks it. Returning an error aborts
// the whole run: the runner cancels ctx for every other stage, and that error
// (wrapped in a *StageError naming the stage) is what the run returns. A
// failure that should not stop the other items is a value sent downstream,
// not an error returned here.
//
// A Stage may be run many times, concurrently by different pipeline runs, so
// per-run state (counters, pools) belongs inside Run, not in the Stage.
type Stage[In, Out any] interface {
	// Name identifies the stage in registries, error messages and logs.
	Name() string
	// Run processes in until it is closed (or ctx is done) and sends its
	// results on out.
	Run(ctx context.Context, in <-chan In, out chan<- Out) error
}

// Func makes a Stage out of a function with the signature of Stage.Run, for
// stages that need no type of their own. It panics if name is empty or f is
// nil, since both are programming errors.
func Func[In, Out any](name string, f func(ctx context.Context, in <-chan In, out chan<- Out) error) Stage[In, Out] {
	if name == "" {
		panic("pipeline: Func needs a stage name")
	}
	if f == nil {
		panic("pipeline: Func " + name + " needs a function")
	}
	return &funcStage[In, Out]{name: name, f: f}
}

type funcStage[In, Out any] struct {
	name string
	f    func(context.Context, <-chan In, chan<- Out) error
}

func (s *funcStage[In, Out]) Name() string { return s.name }

func (s *funcStage[In, Out]) Run(ctx context.Context, in <-chan In, out chan<- Out) error {
	return s.f(ctx, in, out)
}

// Send sends v on out unless ctx is done first, and returns
// context.Cause(ctx) in that case. Every send inside a stage should go
// through Send: when any stage fails the runner cancels ctx, and Send is what
// stops the other stages promptly. A plain send would still complete (the
// runner drains the input of a stage that has returned), so a stage using it
// would keep working through its whole input, or forever if it generates
// values until cancelled.
//
// Send checks ctx before offering v, so once ctx is done it never sends, even
// when out has room.
func Send[T any](ctx context.Context, out chan<- T, v T) error {
	done := ctx.Done()
	select {
	case <-done:
		return context.Cause(ctx)
	default:
	}
	select {
	case out <- v:
		return nil
	case <-done:
		return context.Cause(ctx)
	}
}
