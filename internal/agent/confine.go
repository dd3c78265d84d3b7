package agent

import "time"

// Command is a local attempt's process as the runner is about to start it:
// what a Confiner may rewrite to run it somewhere narrower than looper's
// own view of the machine (a bwrap sandbox).
type Command struct {
	// Agent is the agent's configured name.
	Agent string
	// Argv is the command line; Argv[0] is the executable.
	Argv []string
	// Env is the child's whole environment.
	Env []string
	// Dir is the working directory (the attempt's worktree, or the
	// project root in place).
	Dir string
	// Writes lists files outside Dir that the agent itself must write and
	// looper reads back (codex's --output-last-message file).
	Writes []string
	// Grace is the agent's grace period (SIGTERM to SIGKILL), for a
	// Confiner that runs it elsewhere and stops it there (a pod's
	// termination grace).
	Grace time.Duration
	// SpareLeader is set by a Confiner whose Argv[0] supervises the agent
	// and ends it at once on SIGTERM (bwrap): looper's SIGTERM then goes to
	// the rest of the process group, so the agent still gets its grace
	// period; SIGKILL still goes to the whole group.
	SpareLeader bool
	// Note is set by a Confiner to say how the process is confined; the
	// runner adds it to the line that reports the agent's start.
	Note string
}

// Confiner rewrites a local attempt's command before it starts, so the
// runner stays one process-group runner whatever confines the agent.
// Confine is called once per attempt, from concurrent attempts at once;
// an error fails the attempt before anything starts.
type Confiner interface {
	Confine(c Command) (Command, error)
}
