package pipeline

import (
	"errors"
	"fmt"
	"reflect"

	"github.com/sourcegraph/conc/panics"
)

// StageError reports which stage aborted a run, so the caller can tell the
// user where to look. The runner wraps the first error a stage returns (or
// its panic, as a *PanicError) in a StageError, unless the error already
// carries one: the innermost, most precise stage name wins, which matters for
// stages composed with Then.
type StageError struct {
	// Stage is the Name of the stage that failed.
	Stage string
	// Err is what the stage returned, or a *PanicError if it panicked.
	Err error
}

// Error renders the failure as `stage "name": cause`.
func (e *StageError) Error() string { return fmt.Sprintf("stage %q: %v", e.Stage, e.Err) }

// Unwrap returns the stage's own error so errors.Is and errors.As see through
// the stage name.
func (e *StageError) Unwrap() error { return e.Err }

// wrapStage attributes err to the stage called name unless it already names a
// stage (an error from inside a Then, or the cause of a cancellation another
// stage started).
func wrapStage(name string, err error) error {
	if err == nil {
		return nil
	}
	if _, ok := errors.AsType[*StageError](err); ok {
		return err
	}
	return &StageError{Stage: name, Err: err}
}

// PanicError is a panic raised by a stage, by a task of a pool nested inside
// a stage (at any depth), or by the function given to RunTo, turned into an
// error so that one bug fails one run instead of the whole process. It keeps
// the original panic value and the stack of the goroutine that panicked: conc
// wraps a child's panic in one *panics.Recovered per pool level, and the
// runner unwraps all of them, so Value is what was passed to panic and Stack
// shows the frame that called it.
//
// errors.As(err, new(*panics.ErrRecovered)) also succeeds on a PanicError, for
// code that already handles conc's type.
type PanicError struct {
	// Value is the value the code passed to panic.
	Value any
	// Stack is the formatted stack trace of the panicking goroutine, as
	// runtime/debug.Stack renders it. Error leaves it out so that the message
	// stays one line; log it where a developer will read it.
	Stack []byte

	callers []uintptr
}

// newPanicError unwraps the *panics.Recovered that each nested conc pool
// adds around its child's panic and keeps the innermost value and stack.
func newPanicError(r *panics.Recovered) *PanicError {
	for inner, ok := r.Value.(*panics.Recovered); ok; inner, ok = r.Value.(*panics.Recovered) {
		r = inner
	}
	return &PanicError{Value: r.Value, Stack: r.Stack, callers: r.Callers}
}

// Error renders the panic value on one line, as "panic: value".
func (e *PanicError) Error() string { return fmt.Sprintf("panic: %v", e.Value) }

// Unwrap returns the panic value when it is an error, so errors.Is finds a
// sentinel passed to panic.
func (e *PanicError) Unwrap() error {
	if err, ok := e.Value.(error); ok {
		return err
	}
	return nil
}

// As lets errors.As fill a *panics.ErrRecovered from a PanicError, so code
// written against conc's panic type keeps working.
func (e *PanicError) As(target any) bool {
	t, ok := target.(**panics.ErrRecovered)
	if !ok {
		return false
	}
	*t = &panics.ErrRecovered{Recovered: panics.Recovered{Value: e.Value, Callers: e.callers, Stack: e.Stack}}
	return true
}

// TypeError reports two neighbours in a pipeline whose types do not meet: the
// consumer's input type differs from what its producer sends. Build returns
// it for the source and for every adjacent pair of stages, RunTo for the
// sink. A caller that knows its registry can use In and Out to suggest the
// stage that belongs in between.
type TypeError struct {
	// Consumer names the stage whose input does not fit; "" means the sink
	// given to RunTo.
	Consumer string
	// In is the type the consumer takes.
	In reflect.Type
	// Producer names the stage whose output does not fit; "" means the
	// source channel given to Run.
	Producer string
	// Out is the type the producer sends.
	Out reflect.Type
}

// Error names both sides and both types, for example
// `stage "vote" consumes stages.Ballot, but "select" produces stages.Job`.
func (e *TypeError) Error() string {
	consumer := "the sink"
	if e.Consumer != "" {
		consumer = fmt.Sprintf("stage %q", e.Consumer)
	}
	producer := "the source"
	if e.Producer != "" {
		producer = fmt.Sprintf("%q", e.Producer)
	}
	return fmt.Sprintf("%s consumes %s, but %s produces %s", consumer, e.In, producer, e.Out)
}
