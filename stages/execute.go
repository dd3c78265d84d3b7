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
// template or a cancelled run is an error that stops the pipeline, and it
// stops the stage at once: the stage does not wait for more jobs, which
// select would never send while it waits for the failed one.
func Execute(d *Deps) pipeline.Stage[Job, Ballot] {
	return pipeline.Func("execute", func(ctx context.Context, in <-chan Job, out chan<- Ballot) error {
		ctx, stop := context.WithCancelCause(ctx)
		defer stop(nil)
		p := pool.New().WithContext(ctx).WithFirstError()
		if d.MaxTasks > 0 {
			p = p.WithMaxGoroutines(d.MaxTasks)
		}
		for {
			select {
			case j, ok := <-in:
				if !ok {
					return p.Wait()
				}
				p.Go(func(ctx context.Context) error {
					if err := ctx.Err(); err != nil {
						return err
					}
					b, err := runAgents(ctx, d, j)
					if err != nil {
						err = fmt.Errorf("task %s: %w", j.Task.ID, err)
						stop(err)
						return err
					}
					return pipeline.Send(ctx, out, b)
				})
			case <-ctx.Done():
				if err := p.Wait(); err != nil {
					return err
				}
				return context.Cause(ctx)
			}
		}
	})
}
