package agent

import (
	"context"
	"io"
	"strconv"
	"sync"

	"github.com/looper-go/looper/internal/proc"
	"github.com/looper-go/looper/internal/runner"
)

// Local is the runner.Runner of a local process: proc.Start runs the agent
// as the leader of a process group of its own (with the parent-death
// signal and the attempt's tag), stops it with SIGTERM to the group and
// SIGKILL after the grace period, and sweeps the group when it ends, so
// nothing it started outlives the attempt. The zero value is ready to use.
// The agent runner uses it unless Runner.Place names another runner; the
// container runner starts the engine's client with it, and `looper
// remote-agent` the agent on an ssh host.
type Local struct{}

// Name is "local".
func (Local) Name() string { return "local" }

// Start starts c in a new process group. ctx only bounds the start.
func (Local) Start(ctx context.Context, c runner.Command) (runner.Process, error) {
	g := proc.NewGroup(c.Grace)
	if c.SpareLeader {
		g.SpareLeader()
	}
	return startLocal(ctx, g, c, false)
}

// startLocal starts c as the leader of g. The agent runner makes g itself
// when it runs the agent locally, so that the attempt's tag is in the
// environment a Confiner sees.
//
// direct hands the proc pipes themselves to the caller, which must then end
// the process with waitRead (the agent runner does): one copy less of
// every byte, which a flooding agent feels.
func startLocal(ctx context.Context, g *proc.Group, c runner.Command, direct bool) (*localProcess, error) {
	if err := ctx.Err(); err != nil {
		return nil, context.Cause(ctx)
	}
	p, err := proc.Start(context.Background(), g, proc.Spec{Name: c.Agent, Argv: c.Argv, Dir: c.Dir, Env: c.Env, Stdin: c.Stdin != nil}, nil)
	if err != nil {
		return nil, err
	}
	l := &localProcess{p: p, readersDone: make(chan struct{})}
	if direct {
		l.out, l.err = nopCloser{p.Stdout}, nopCloser{p.Stderr}
		l.startStdin(c.Stdin)
		return l, nil
	}
	// The streams are handed on through io.Pipes, whose writers here are
	// the readers proc.Process.Wait waits for: an escaped process holding
	// a pipe is cut off there, and a busy reader never is.
	var outW, errW *io.PipeWriter
	var outR, errR *io.PipeReader
	outR, outW = io.Pipe()
	errR, errW = io.Pipe()
	l.out, l.err = outR, errR
	var copies sync.WaitGroup
	copies.Go(func() { _, err := io.Copy(outW, p.Stdout); outW.CloseWithError(err) })
	copies.Go(func() { _, err := io.Copy(errW, p.Stderr); errW.CloseWithError(err) })
	go func() { copies.Wait(); close(l.readersDone) }()
	l.startStdin(c.Stdin)
	return l, nil
}

// startStdin writes the prompt to the agent's stdin and closes it.
func (l *localProcess) startStdin(b []byte) {
	if l.p.Stdin == nil {
		return
	}
	l.writer.Go(func() {
		_, _ = l.p.Stdin.Write(b) // EPIPE: the agent did not want it
		l.p.Stdin.Close()
	})
}

// nopCloser is a proc pipe as an io.ReadCloser: proc.Process.Wait closes
// the pipe itself.
type nopCloser struct{ io.Reader }

func (nopCloser) Close() error { return nil }

// localProcess is one agent started by Local.
type localProcess struct {
	p           *proc.Process
	out, err    io.ReadCloser
	readersDone chan struct{} // closed when the io.Pipe copies are done (not direct)
	writer      sync.WaitGroup
}

func (l *localProcess) Describe() string      { return "pid " + strconv.Itoa(l.p.Pid()) }
func (l *localProcess) Stdout() io.ReadCloser { return l.out }
func (l *localProcess) Stderr() io.ReadCloser { return l.err }

// Stop starts the group's escalation.
func (l *localProcess) Stop() { l.p.Stop(nil) }

// Kill sends SIGKILL to the whole group now.
func (l *localProcess) Kill() { l.p.Group.Kill() }

// Wait waits for the leader, sweeps the group and the tagged processes
// that left it, reads the pipes to their end, and reports how the leader
// ended.
func (l *localProcess) Wait() runner.Exit { return l.waitRead(l.readersDone) }

// waitRead is Wait for a caller that reads the proc pipes itself (direct)
// and closes readersDone when its readers reached end of file.
func (l *localProcess) waitRead(readersDone <-chan struct{}) runner.Exit {
	var warnings []string
	ex := l.p.Wait(readersDone, func(w string) { warnings = append(warnings, w) })
	l.writer.Wait()
	return runner.Exit{Code: ex.Code, Signal: ex.Signal, Stopped: ex.Stopped || ex.KilledAll, Killed: ex.KilledAll, Warnings: warnings}
}
