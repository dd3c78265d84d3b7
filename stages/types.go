package stages

import (
	"fmt"
	"time"

	"github.com/looper-go/looper/internal/agent"
	"github.com/looper-go/looper/internal/worktree"
	"github.com/looper-go/looper/sinks"
	"github.com/looper-go/looper/todo"
)

// Tick starts one pass of the select stage over the backlog. Loop.Run
// makes one per pass, with the run's state: the completions channel select
// learns from, and what select hands on to every Job it dispatches. The
// zero Tick has no completions channel and is refused by select with an
// error: a pass is started by Loop.Run.
type Tick struct {
	// Completions is the feedback edge: every job that leaves the pipeline,
	// whatever its last stage, is reported here to the select that
	// dispatched it.
	Completions <-chan Completion

	run  *runState
	done chan struct{} // closed by select when the pass ends
}

// Job is one task dispatched by the select stage: the edge between select
// and execute.
type Job struct {
	// Task is a copy of the task as it was when it was dispatched.
	Task todo.Task
	// PrevStatus is the task's status before looper marked it doing, so an
	// interrupted or skipped task can be put back as it was.
	PrevStatus todo.Status
	// Iteration counts dispatched tasks across the run, from 1.
	Iteration int
	// Attempt counts the runs of this task in this looper run, from 1.
	Attempt int
	// RateLimits counts the earlier runs of this task that ended rate-limited.
	RateLimits int
	// Started is when the job was dispatched.
	Started time.Time

	run *runState // the run that dispatched it; nil outside a loop
}

// Emit sends e on the event stream of the run that dispatched the job, the
// one the stages report on, so that a custom stage's report about the job
// reaches the output in order with theirs (after the events sent before
// it), and the run waits for it before it ends. It may block while the
// output is behind (bounded backpressure). A job made outside Loop.Run
// belongs to no run, and its events are dropped.
func (j Job) Emit(e sinks.Event) { j.run.stream().Send(e) }

// Attempt is one agent's run at one Job, with everything vote and merge need
// to judge and land it.
type Attempt struct {
	// Slot is the agent's position among the task's agents, from 1.
	Slot int
	// Agent is the configured agent name ("claude", "codex", ...).
	Agent string
	// AgentID is Agent#Slot, the id in events and prefixes.
	AgentID string
	// Label names the attempt's files (last message, log), unique in the run.
	Label string
	// Dir is the working directory the agent ran in.
	Dir string
	// Worktree is the attempt's git worktree, nil when it ran in place.
	Worktree *worktree.Worktree
	// Result is the classified outcome of the agent process.
	Result agent.Result
	// Diff measures the attempt's change against its base (worktrees only).
	Diff worktree.DiffStat
	// Sound is set when the integrity check found the attempt's worktree
	// sound, its branch descending from its base (worktrees only).
	Sound bool
	// Verify is the result of the verify command, nil when none ran.
	Verify *VerifyResult
}

// VerifyResult records one run of the verify command in an attempt's tree.
type VerifyResult struct {
	// Command is the shell command that ran.
	Command string
	// ExitCode is its exit status (-1 when it could not run or timed out).
	ExitCode int
	// TimedOut is true when it was stopped by the verify timeout.
	TimedOut bool
	// OutputTail is the last part of its combined output.
	OutputTail string
	// Duration is how long it ran.
	Duration time.Duration
}

// Passed reports whether the verification succeeded.
func (v *VerifyResult) Passed() bool { return v != nil && v.ExitCode == 0 && !v.TimedOut }

// Vote is the status an attempt counts for: what the agent reported when the
// attempt is sound, blocked when it failed or did not verify.
func (a Attempt) Vote() string {
	if a.Result.Class != agent.ClassOK || a.Result.Summary == nil {
		return todo.SummaryBlocked
	}
	if a.Result.Summary.Status == todo.SummaryDone && a.Verify != nil && !a.Verify.Passed() {
		return todo.SummaryBlocked
	}
	return a.Result.Summary.Status
}

// Reason explains a blocked vote in one line, for the task's blockers.
func (a Attempt) Reason() string {
	r := a.Result
	switch {
	case r.Class != agent.ClassOK:
		msg := r.Err
		if msg == "" {
			msg = string(r.Class)
		}
		return fmt.Sprintf("%s: %s (%s)", a.AgentID, msg, r.Class)
	case r.Summary == nil:
		return fmt.Sprintf("%s: no summary", a.AgentID)
	case r.Summary.Status == todo.SummaryDone && a.Verify != nil && !a.Verify.Passed():
		v := a.Verify
		if v.TimedOut {
			return fmt.Sprintf("%s: verification %q timed out after %s", a.AgentID, v.Command, v.Duration.Round(time.Millisecond))
		}
		return fmt.Sprintf("%s: verification %q failed with exit code %d", a.AgentID, v.Command, v.ExitCode)
	default:
		return ""
	}
}

// Ballot is every attempt at one Job, in agent order (not completion order),
// so that voting is deterministic: the edge between execute and vote.
type Ballot struct {
	Job      Job
	Attempts []Attempt
}

// Decision is the vote's verdict on a Ballot: the edge between vote and merge.
type Decision struct {
	Job Job
	// Status is done, blocked or skipped.
	Status string
	// Winner indexes Attempts; -1 when no attempt is usable (all failed).
	Winner int
	// Attempts are the ballot's attempts, in agent order.
	Attempts []Attempt
	// Votes describes the count, as "2/3 done" or "2/3 verified done".
	Votes string
	// Summary is the text recorded in the task's details: the winner's
	// summary whole.
	Summary string
	// Files is the union of the files the attempts voting for Status changed.
	Files []string
	// Blockers lists why the task is blocked (empty unless Status is blocked).
	Blockers []string
	// Explanation is the decision in one line, for every output mode.
	Explanation string
}

// WinningAttempt returns the winner, or nil.
func (d Decision) WinningAttempt() *Attempt {
	if d.Winner < 0 || d.Winner >= len(d.Attempts) {
		return nil
	}
	return &d.Attempts[d.Winner]
}

// Outcome is what happened to a task once merge has landed (or refused) its
// decision: the last edge of the pipeline.
type Outcome struct {
	Decision Decision
	// Status is the task's status in the backlog after this outcome.
	Status todo.Status
	// Merged is true when the winner's branch landed on the integration branch.
	Merged bool
	// Retry asks select to run the task again (a merge conflict on the first
	// attempt, or a retryable failure).
	Retry bool
	// RetryAfter delays the retry (rate limits).
	RetryAfter time.Time
	// Failed is true when the task ended because something failed (an agent
	// error class, a merge conflict), as opposed to the agent reporting
	// blocked or skipped.
	Failed bool
	// Kept lists the worktrees kept for inspection.
	Kept []string
	// Note is appended to the task's details, for what the status cannot
	// say (where unmerged work is).
	Note string
}

// Completion is what the select stage learns when a dispatched job leaves
// the pipeline, whatever stage it left from.
type Completion struct {
	Job Job
	// Status is the task's status now; "" when nothing was applied (a pipe
	// that ends before merge), which select treats as finished for this pass.
	Status todo.Status
	// Retry and RetryAfter re-queue the job (see Outcome).
	Retry      bool
	RetryAfter time.Time
	// Failed marks a failure, for fail_fast and the exit code.
	Failed bool
	// Skipped is true when the task was left as it was (every agent
	// abstained or reported skipped).
	Skipped bool
	// Kept lists the worktrees kept for inspection.
	Kept []string
}

// Completion implements Completer: a Completion ends a pipeline as itself
// (the sink stage's output).
func (c Completion) Completion() Completion { return c }

// Completer is implemented by every type that can end a pipeline, so the
// runner can report completions to select whatever the last stage is:
// Job (a pass that only selects), Ballot and Decision (dry runs),
// Completion (the sink's output) and ReviewOutcome. Outcome is not one: a
// pipeline with merge ends with the sink, which reports each outcome.
type Completer interface {
	Completion() Completion
}

// Completion implements Completer: a pass ending after select applies
// nothing and runs nothing.
func (j Job) Completion() Completion { return Completion{Job: j} }

// Completion implements Completer: a pass ending after execute applies nothing.
func (b Ballot) Completion() Completion {
	failed := true
	for _, a := range b.Attempts {
		if a.Result.Class == agent.ClassOK {
			failed = false
		}
	}
	return Completion{Job: b.Job, Failed: failed}
}

// Completion implements Completer: a pass ending after vote applies nothing.
func (d Decision) Completion() Completion {
	return Completion{Job: d.Job, Failed: d.Winner < 0}
}

// completion is what an outcome tells select and the run's report.
func (o Outcome) completion() Completion {
	return Completion{Job: o.Decision.Job, Status: o.Status, Retry: o.Retry, RetryAfter: o.RetryAfter, Failed: o.Failed,
		Skipped: o.Decision.Status == todo.SummarySkipped, Kept: o.Kept}
}
