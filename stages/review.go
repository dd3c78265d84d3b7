package stages

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/looper-go/looper/internal/agent"
	"github.com/looper-go/looper/internal/prompts"
	"github.com/looper-go/looper/pipeline"
	"github.com/looper-go/looper/sinks"
)

// ReviewOutcome is what one review pass did: the review stage's output.
type ReviewOutcome struct {
	// Iteration numbers the pass among the run's dispatches.
	Iteration int
	// Added counts the tasks the review agent added to the backlog.
	Added int
	// Result is the review agent's classified result.
	Result agent.Result
}

// Completion implements Completer: a review dispatches no job, so there
// is nothing to report back to select, and `looper pipe --stages review`
// can run a review pass on its own.
func (ReviewOutcome) Completion() Completion { return Completion{} }

// Review is the review stage: for each Tick, the review agent looks at the
// finished project in the project root and may add tasks to the backlog
// (which is why a pipeline with review is not a dry run). An agent that
// cannot be used is given up on for the run and ends it (ErrAgentUnusable);
// any other failure of the review agent is an error, since the loop cannot
// tell whether the project is done. Loop.Run runs it when every task is
// done.
func Review(settings Settings, services Services) pipeline.Stage[Tick, ReviewOutcome] {
	d := newEnv(settings, services)
	return checked(d, pipeline.Map("review", 1, func(ctx context.Context, t Tick) (ReviewOutcome, error) {
		return review(ctx, d, t.run)
	}))
}

// reviewPass runs the review pipeline once for run and returns how many
// tasks it added.
func reviewPass(ctx context.Context, p *pipeline.Pipeline[Tick], run *runState) (int, error) {
	src := make(chan Tick, 1)
	src <- Tick{run: run}
	close(src)
	added := 0
	err := pipeline.RunTo(ctx, p, src, func(r ReviewOutcome) error {
		added += r.Added
		return nil
	})
	return added, err
}

// review runs one review pass.
func review(ctx context.Context, d *env, run *runState) (ReviewOutcome, error) {
	before, err := d.Store.Snapshot()
	if err != nil {
		return ReviewOutcome{}, err
	}
	iteration := run.nextIteration()
	r := ReviewOutcome{Iteration: iteration}
	name := d.ReviewAgent
	spec, ok := d.Agents[name]
	if !ok {
		return r, fmt.Errorf("review: no agent named %q is configured (roles.review)", name)
	}
	agentID := name + "#1"
	label := fmt.Sprintf("review-%d", iteration)
	d.emit(run, sinks.Event{Level: slog.LevelInfo, Kind: sinks.KindInfo, Stage: "review", AgentID: agentID, Iteration: iteration,
		Message: "nothing left to run; reviewing the project"})
	res, lastMessage, err := callAgent(ctx, d, run, spec, agentCall{
		Agent: name, Role: roleReview, Prompt: prompts.Review, Label: label, Contract: agent.ContractReview,
		AgentID: agentID, Attempt: 1, Iteration: iteration,
	})
	if err != nil {
		return r, err
	}
	spend(d, run, "", agentID, res.Usage)
	r.Result = res
	status := string(res.Class)
	if res.Review != nil {
		status = res.Review.Status
	}
	runHook(ctx, d, Job{Iteration: iteration, Attempt: 1, run: run}, Attempt{AgentID: agentID, Label: label, Result: res}, status, lastMessage)
	if ctx.Err() != nil {
		return r, context.Cause(ctx)
	}
	after, err := d.Store.Snapshot()
	if err != nil {
		return r, err
	}
	for _, t := range after.Tasks {
		if before.Task(t.ID) == nil {
			r.Added++
		}
	}
	e := sinks.Event{Level: slog.LevelInfo, Kind: sinks.KindAttempt, Stage: "review", AgentID: agentID, Iteration: iteration,
		Class: string(res.Class), Duration: res.Duration, ExitCode: res.ExitCode, Summary: res.SummaryJSON}
	if res.Usage != (sinks.Usage{}) {
		u := res.Usage
		e.Usage = &u
	}
	switch {
	case res.Class == agent.ClassOK, res.ExitCode == 0 && (res.Class == agent.ClassNoSummary || res.Class == agent.ClassInvalidSummary):
		e.Message = fmt.Sprintf("review finished: %d task(s) added", r.Added)
		if res.Review != nil && res.Review.Summary != "" {
			e.Message += ": " + res.Review.Summary
		}
		d.emit(run, e)
		return r, nil
	case res.Class.Unusable():
		e.Level = slog.LevelError
		e.Message = fmt.Sprintf("review could not run: %s (%s)", res.Err, res.Class)
		d.emit(run, e)
		run.disableAgent(name, res.Err)
		return r, fmt.Errorf("%w: %s", ErrAgentUnusable, res.Err)
	default:
		e.Level = slog.LevelError
		e.Message = fmt.Sprintf("review failed: %s (%s)", res.Err, res.Class)
		d.emit(run, e)
		return r, fmt.Errorf("review pass failed: %s (%s)", res.Err, res.Class)
	}
}
