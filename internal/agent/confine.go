package agent

import "github.com/looper-go/looper/internal/runner"

// Command is an attempt's process as the runner is about to start it:
// what a Confiner may rewrite to run it somewhere narrower than looper's
// own view of the machine (a bwrap sandbox), and what a runner.Runner
// starts. It is defined in internal/runner, the seam every place an
// attempt can run implements.
type Command = runner.Command

// Confiner rewrites a local attempt's command before it starts, so the
// runner stays one process-group runner whatever confines the agent.
// Confine is called once per attempt, from concurrent attempts at once;
// an error fails the attempt before anything starts.
type Confiner interface {
	Confine(c Command) (Command, error)
}
