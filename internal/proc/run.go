package proc

import (
	"context"
	"errors"
	"io"
	"time"
)

// DefaultGrace is how long a command's process group gets between SIGTERM
// and SIGKILL when Command.Grace is 0.
const DefaultGrace = 10 * time.Second

// ErrTimedOut is the cause with which Run stops a command that outlived
// its Timeout.
var ErrTimedOut = errors.New("timed out")

// Command is a helper command for Run: a verify command, a hook, a
// worktree's setup command, a version probe.
type Command struct {
	// Name names the command in warnings.
	Name string
	// Argv is the command line, executed directly (no shell).
	Argv []string
	// Dir is the working directory ("": looper's).
	Dir string
	// Env is the whole environment (nil: looper's).
	Env []string
	// Timeout bounds the run; 0 means none.
	Timeout time.Duration
	// Grace is the time between SIGTERM and SIGKILL: 0 means DefaultGrace,
	// less than 0 kills at once.
	Grace time.Duration
	// Output, when set, receives everything the command prints (stdout and
	// stderr interleaved).
	Output io.Writer
	// TailBytes is how much of the output Result.Tail keeps; 0 means
	// DefaultTailBytes.
	TailBytes int
}

// Result is how a Run went.
type Result struct {
	// Err is set when the command could not start (exec's error); the
	// other fields then say nothing.
	Err error
	// Exit is how it ended.
	Exit Exit
	// TimedOut reports that Timeout stopped it.
	TimedOut bool
	// Tail is the end of its output (stdout and stderr interleaved).
	Tail string
	// Duration is how long it ran.
	Duration time.Duration
	// Warnings are what its end left to say: processes that outlived it,
	// output held open by an escaped process.
	Warnings []string
}

// Cancelled is the cause of ctx's end when ctx stopped the command before
// it exited, nil otherwise (a timeout is TimedOut, not Cancelled).
func (r Result) Cancelled() error {
	if !r.Exit.Stopped || r.TimedOut {
		return nil
	}
	if r.Exit.Cause == nil {
		return context.Canceled
	}
	return r.Exit.Cause
}

// Run runs c in its own process group under Group's escalation: when the
// timeout passes or ctx ends, the group gets SIGTERM and, after the grace
// period, SIGKILL; when the leader exits, whatever it left (in its group
// or, carrying its tag, outside) is stopped the same way. Run returns
// once all of that is gone and its output read.
func Run(ctx context.Context, c Command) Result {
	start := time.Now()
	if c.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, c.Timeout, ErrTimedOut)
		defer cancel()
	}
	grace := c.Grace
	if grace == 0 {
		grace = DefaultGrace
	}
	var r Result
	warn := func(s string) { r.Warnings = append(r.Warnings, s) }
	p, err := Start(ctx, NewGroup(grace), Spec{Name: c.Name, Argv: c.Argv, Dir: c.Dir, Env: c.Env, MergeOutput: true}, warn)
	if err != nil {
		r.Err, r.Duration = err, time.Since(start)
		r.Exit = Exit{Code: -1, Cause: context.Cause(ctx)}
		return r
	}
	tail := &Tail{Max: c.TailBytes}
	w := tee{tail: tail, out: c.Output}
	copied := make(chan struct{})
	go func() {
		defer close(copied)
		_, _ = io.Copy(w, p.Stdout)
	}()
	r.Exit = p.Wait(copied, warn)
	r.Duration = time.Since(start)
	r.Tail = tail.String()
	r.TimedOut = r.Exit.Stopped && errors.Is(r.Exit.Cause, ErrTimedOut)
	return r
}

// tee writes to the tail and to the caller's Output, whose errors it drops:
// a broken log must not stop the reading, or the command would block on a
// full pipe.
type tee struct {
	tail *Tail
	out  io.Writer
}

func (t tee) Write(p []byte) (int, error) {
	_, _ = t.tail.Write(p)
	if t.out != nil {
		_, _ = t.out.Write(p)
	}
	return len(p), nil
}
