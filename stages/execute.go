package stages

import (
	"context"

	"github.com/looper-go/looper/pipeline"
)

// Execute is the execute stage: fan-out by task. It is a pipeline.Map of
// MaxTasks workers (AutoMaxTasks when MaxTasks is 0, so the fan-out is
// bounded whatever the settings): each job gets a worker, which runs the
// task's agents (the fan-out by agent of the agents stage) and sends their
// ballot on as soon as it is ready. A failing agent is a value in the
// ballot; only a broken prompt template or a cancelled run is an error,
// and it stops the stage at once (Map cancels the other workers), rather
// than waiting for jobs select would never send while it waits for the
// failed one.
func Execute(settings Settings, services Services) pipeline.Stage[Job, Ballot] {
	d := newEnv(settings, services)
	return checked(d, pipeline.Map("execute", d.maxTasks(), func(ctx context.Context, j Job) (Ballot, error) {
		return runAgents(ctx, d, j)
	}))
}
