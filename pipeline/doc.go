// Package pipeline runs chains of typed stages connected by channels, with
// bounded fan-out, clean cancellation and no leaked goroutines. It is the
// engine of looper's run loop but knows nothing about tasks or agents: it
// uses only the standard library and github.com/sourcegraph/conc.
//
// # Stages
//
// A [Stage] receives values of one type on a channel and sends values of
// another. [Func] turns a function into a stage, [Map] and [OrderedMap] apply
// a function to every value on a bounded number of goroutines, and [Then]
// joins two stages into one, checked by the compiler. To choose stages at run
// time, [Link] erases a stage's types into a [Node], a [Registry] finds Nodes
// by name, and [Build] checks that neighbouring types meet before anything
// runs. [Pipeline.Run] and [RunTo] run the result.
//
// # Channel rules
//
// These rules are stated once here; every part of the package follows them,
// and every stage written against it must.
//
//  1. The runner owns the channels. A stage never closes its output: the
//     runner closes it as soon as the stage's Run returns, whether it
//     returned nil, an error, or panicked. So the next stage always sees the
//     end of its input. A stage that closes its output anyway fails the run.
//
//  2. Every send selects on the context. Stages send with [Send], which
//     returns context.Cause(ctx) instead of blocking once the run is
//     cancelled. (This is the rule of the Go blog's "Pipelines and
//     cancellation": senders must be unblockable.) The one exception is a
//     last stage whose results must reach RunTo even after a failure
//     elsewhere; see RunTo.
//
//  3. A stage ranges over its input until it is closed. The runner makes this
//     safe: it reads the caller's source channel through a goroutine of its
//     own that stops, and closes the first stage's input, when the run is
//     cancelled, so cancellation closes every stage's input in turn.
//
//  4. Inputs are drained. When a stage returns, with or without an error,
//     while its producer still sends, the runner receives and discards the
//     rest of that input until the producer closes it, so no upstream stage
//     is stuck on a send. A stage may therefore stop reading early by
//     returning nil: upstream stages still run to completion (nothing is
//     cancelled on success), and their remaining output is discarded. The
//     runner likewise drains the last stage's output, handing it to the
//     function given to RunTo if there is one. The caller's source channel
//     is read until it is closed or the run is cancelled, never closed.
//
//  5. Errors abort, failures flow. An error returned by a stage (or a panic)
//     means the run cannot go on: the runner cancels the context of every
//     stage and the run returns that first error, wrapped in a [*StageError]
//     naming the stage, never a sibling's context.Canceled. The failure of one
//     item that the rest of the run should survive (an agent that crashed, a
//     task that could not be merged) is a value, carried in the stage's
//     output type, for the next stages to count.
//
//  6. Panics become one error. Stages run in one conc pool per run. A panic
//     in a stage, in a task of a pool nested inside a stage at any depth
//     (conc re-panics it at each Wait, wrapped once per level), or in the
//     RunTo function, is converted into a single [*PanicError] that carries
//     the original value and the stack of the goroutine that panicked. Only
//     goroutines started with plain go statements escape this; stages start
//     their goroutines through conc.
//
//  7. Buffering is explicit. Channels are unbuffered unless [Link] is given a
//     buffer for a stage's output. A Map of limit L whose output has a
//     buffer of B starts at most L + B values beyond those its slow consumer
//     has taken, so memory stays bounded however fast the input arrives.
//
//  8. Fan-out is bounded. Map and OrderedMap take a limit and build a conc
//     pool inside every Run (conc v0.3.0 pools are single-use). The pool
//     blocks the stage's read loop while all its goroutines are busy, which
//     is the backpressure of rule 7. Map sends in completion order; OrderedMap
//     in input order, using a chain of permissions rather than conc/stream,
//     which cannot run inside a testing/synctest bubble.
//
// conc v0.3.0 starts a submitted task even when its context is already
// cancelled, so every task written in this package checks the context first;
// a stage that submits its own pool tasks should do the same, and use the
// context the pool passes in, not one captured from outside, or cancellation
// will not reach it.
//
// # Cycles
//
// A pipeline is a line, never a loop: linking a stage's output back to an
// earlier stage's input breaks rule 1 (the loop's channels could never be
// closed) and deadlocks as soon as both ends block on a send. When a later
// stage must tell an earlier one about completed work (merge telling select
// which tasks are done, so their dependants become ready), use a side channel
// that the caller creates before Build and owns outside the pipeline:
//
//   - the later stage sends on it with Send, so cancellation unblocks it;
//   - the earlier stage receives from it in the same select as its own sends
//     (select { case out <- next: … case c := <-done: … case <-ctx.Done(): … }),
//     so it never blocks on a send while a completion waits, or the channel
//     is buffered for every value that can be in flight at once;
//   - the earlier stage decides when the run is over (nothing ready and
//     nothing in flight) and returns; closing its output ends the stages
//     after it in turn;
//   - no stage closes the side channel; the caller may after Run returns.
//
// The runnable example "FeedbackLoop" shows this shape.
//
// # Cost
//
// Each value costs one channel hand-off per stage (plus one for the source
// and one inside each Then), a few hundred nanoseconds; see
// BenchmarkPipeline5Stages. A Map adds a conc pool task per value. Stages are
// meant for work that takes far longer than that.
package pipeline
