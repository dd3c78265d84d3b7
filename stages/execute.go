package stages

import (
	"context"
	"fmt"

	"github.com/sourcegraph/conc/pool"

	"github.com/looper-go/looper/pipeline"
)

// Execute is the execute stage: fan-out by task. Each job gets a worker from
// a pool of MaxTasks (unbounded when 0: select already bounds the jobs in
// flight), which runs the task's agents (see runAgents) and sends their
// ballot on. A failing agent is a value in the ballot; only a broken prompt
// template or a cancelled run is an error that stops the pipeline.
func Execute(d *Deps) pipeline.Stage[Job, Ballot] {
	return pipeline.Func("execute", func(ctx context.Context, in <-chan Job, out chan<- Ballot) error {
		p := pool.New().WithContext(ctx).WithCancelOnError().WithFirstError()
		if d.MaxTasks > 0 {
			p = p.WithMaxGoroutines(d.MaxTasks)
		}
		for j := range in {
			p.Go(func(ctx context.Context) error {
				if err := ctx.Err(); err != nil {
					return err
				}
				b, err := runAgents(ctx, d, j)
				if err != nil {
					return fmt.Errorf("task %s: %w", j.Task.ID, err)
				}
				return pipeline.Send(ctx, out, b)
			})
		}
		return p.Wait()
	})
}
