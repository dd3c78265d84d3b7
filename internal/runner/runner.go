// Package runner is the seam between looper's agent runner and the place
// an attempt's agent runs: a local process group (today's behaviour, with
// or without the bwrap sandbox), an ssh host, a container, a Kubernetes
// pod. Everything above it stays on the coordinator whatever the place:
// the stream parsers and watchdogs of internal/agent, the classification,
// selection, voting, the merge queue and the backlog's single writer.
//
// internal/agent builds a Command (argv, environment, working directory,
// the prompt for stdin), asks the run's Runner to Start it, reads the
// Process's two streams with the same parsers as ever, calls Stop when the
// attempt's context ends (timeout, idle, Ctrl-C, fail_fast) and Kill for
// the second Ctrl-C, then Wait. When Wait returns the agent's work is in
// the coordinator's repository as commits on the branch checked out in
// Command.Dir, and the files of Command.Writes are where Command names
// them, so what follows (the integrity checks, verify, the vote, the merge)
// cannot tell where the attempt ran.
//
// Nothing here assumes an os/exec process: a Process is two streams, a way
// to stop it and a way to wait for it.
package runner

import (
	"context"
	"io"
	"syscall"
	"time"
)

// Runner is where attempts run. One Runner serves every attempt of a run,
// from concurrent goroutines at once.
type Runner interface {
	// Name is the runner's kind, shown on the line that reports an agent's
	// start and in `looper doctor`: "local", "ssh", "podman".
	Name() string
	// Start prepares the place for c and starts the agent there. It may
	// wait for capacity (an ssh host's slots) and ship the attempt's base
	// (the commit checked out in c.Dir) for as long as ctx allows; ctx
	// bounds the start only, never the running process, which ends by
	// itself or by Stop or Kill. An error means nothing is left running
	// and nothing of the attempt's tree changed.
	Start(ctx context.Context, c Command) (Process, error)
}

// Process is one started agent, wherever it runs. Its methods may be
// called from different goroutines; Wait is called exactly once.
type Process interface {
	// Describe says which process it is, for the start line: "pid 4711",
	// "pid 88 on build2".
	Describe() string
	// Stdout and Stderr are the agent's two output streams. They reach end
	// of file when the agent and everything it started have closed them.
	// Close may be called while a Read is blocked and must unblock it (the
	// agent runner closes a stream that a process escaping the attempt
	// holds open).
	Stdout() io.ReadCloser
	Stderr() io.ReadCloser
	// Stop starts the usual escalation: SIGTERM to every process of the
	// agent, then SIGKILL to all that are left after Command.Grace. It
	// returns at once; calling it again, or after the end, does nothing.
	Stop()
	// Kill sends SIGKILL to every process of the agent now, without grace:
	// the second Ctrl-C.
	Kill()
	// Wait returns once the agent has ended and its place holds none of
	// its processes, after the work has been brought home: the commits of
	// the branch checked out in Command.Dir are in the coordinator's
	// repository and that branch points at them, and each file of
	// Command.Writes holds what the agent wrote there. It says how the
	// agent ended.
	Wait() Exit
}

// Exit is how an agent ended.
type Exit struct {
	// Code is the exit status, -1 when the agent was ended by a signal or
	// its status is unknown.
	Code int
	// Signal is the signal that ended it, 0 for none.
	Signal syscall.Signal
	// Stopped is set when the agent ended after Stop or Kill: looper
	// stopped it, rather than the agent ending by itself.
	Stopped bool
	// Killed is set when Kill ended it.
	Killed bool
	// Lost says why the place itself failed (an ssh host dropped its
	// connection, a container engine or a pod died): the attempt says
	// nothing about the task, which goes back to the backlog as it was.
	// "" when the agent ended by itself or was stopped.
	Lost string
	// Warnings are things the user should know that did not decide the
	// outcome: processes that left the agent's group and were killed, work
	// that could not be brought home whole.
	Warnings []string
}

// Command is an attempt's agent process as looper is about to start it.
// A local confiner (the bwrap sandbox) may rewrite it before a local
// Runner starts it; a remote Runner maps it onto its place.
type Command struct {
	// Agent is the agent's configured name.
	Agent string
	// Argv is the command line; Argv[0] is the executable.
	Argv []string
	// Env is the child's whole environment for a local process: looper's
	// own environment followed by Own.
	Env []string
	// Own is the part of Env that looper set for this attempt (the agent's
	// env table, the LOOPER_* variables, the process tag), later entries
	// winning: what a runner whose place has an environment of its own (a
	// host, an image) passes on, instead of the coordinator's whole one.
	Own []string
	// Dir is the working directory (the attempt's worktree, or the
	// project root in place). A runner that moves the tree elsewhere
	// brings the branch checked out here up to date before Wait returns.
	Dir string
	// Writes lists files outside Dir that the agent itself must write and
	// looper reads back (codex's --output-last-message file); they are
	// named in Argv too.
	Writes []string
	// Stdin is what the agent reads on its standard input (the prompt),
	// after which its stdin is closed; nil starts it with no input.
	Stdin []byte
	// Grace is how long the agent has between SIGTERM and SIGKILL.
	Grace time.Duration
	// SpareLeader is set by a Confiner whose Argv[0] supervises the agent
	// and ends it at once on SIGTERM (bwrap): looper's SIGTERM then goes to
	// the rest of the process group, so the agent still gets its grace
	// period; SIGKILL still goes to the whole group.
	SpareLeader bool
	// Note is set by a Confiner or a Runner to say how or where the
	// process runs; it is added to the line that reports the agent's start.
	Note string
}

// LostError is a Start failure of the place rather than of the attempt: no
// ssh host could be reached, the container engine is gone. The agent
// runner classifies the attempt as lost, like an Exit with Lost set.
type LostError struct {
	// Reason says what failed, for the user.
	Reason string
}

func (e *LostError) Error() string { return "the place to run the attempt was lost: " + e.Reason }
