package stages

import (
	"slices"

	"github.com/looper-go/looper/pipeline"
	"github.com/looper-go/looper/todo"
)

// Report sums up a run for the exit code and the last lines of output.
type Report struct {
	// Done, Blocked, Failed and Skipped count task outcomes in this run.
	Done, Blocked, Failed, Skipped int
	// Interrupted is true when the run was stopped by a signal; FailFast
	// when fail_fast stopped it.
	Interrupted, FailFast bool
	// Restored lists the in-flight tasks put back to their earlier status.
	Restored []string
	// Kept lists the worktrees kept for inspection.
	Kept []string
	// Reviewed is true when a review pass ran; ProjectDone when the run
	// found (or made) the project finished.
	Reviewed, ProjectDone bool
	// MaxIterations is true when the iteration limit ended the run.
	MaxIterations bool
	// Budget says which budget ended the run ("run cost $5.01 reached
	// budget.max_cost_usd ($5.00)"), "" when none did.
	Budget string
	// Unusable says, for each agent the run stopped using (bad credentials,
	// an unreachable model API), why and how to fix it.
	Unusable []string
	// Remaining counts the tasks left ready to run when the run ended
	// (todo or doing, every dependency done): work a next run would do,
	// which makes the run not a success whatever else happened.
	Remaining int
	// Waiting lists the tasks that did not run because a dependency is
	// blocked, each with the chain to it.
	Waiting []Waiting
}

// OK reports whether the run ended without anything failing or blocked,
// with every agent usable and without ready work left.
func (r Report) OK() bool {
	return r.Failed == 0 && r.Blocked == 0 && !r.Interrupted && !r.FailFast && len(r.Unusable) == 0 && r.Remaining == 0 && r.Budget == ""
}

// countCompletion counts a job that left the pipeline: its outcome when
// merge decided one (the sink's completions), else only a failure (a pass
// that ends before merge applies nothing).
func countCompletion(rep *Report, c Completion) {
	rep.Kept = append(rep.Kept, c.Kept...)
	switch {
	case c.Retry:
	case c.Failed:
		rep.Failed++
	case c.Status == "":
	case c.Skipped:
		rep.Skipped++
	case c.Status == todo.StatusDone:
		rep.Done++
	case c.Status == todo.StatusBlocked:
		rep.Blocked++
	default:
		rep.Skipped++
	}
}

// remaining counts the ready tasks in the backlog as it is now: todo or
// doing, with every dependency done. A pipeline without the merge stage
// applies nothing, so it leaves nothing undone either and counts none; so
// does a backlog that cannot be read (the error that made it so is
// reported already).
func (l *Loop) remaining(d *env) int {
	if !l.merges() {
		return 0
	}
	b, err := d.Store.Snapshot()
	if err != nil {
		return 0
	}
	done := map[string]bool{}
	for _, t := range b.Tasks {
		if t.Status == todo.StatusDone {
			done[t.ID] = true
		}
	}
	n := 0
	for _, t := range b.Tasks {
		if t.Status != todo.StatusTodo && t.Status != todo.StatusDoing {
			continue
		}
		if !slices.ContainsFunc(t.DependsOn, func(id string) bool { return !done[id] }) {
			n++
		}
	}
	return n
}

// merges reports whether the pipeline has the merge stage, the only one
// that changes the backlog.
func (l *Loop) merges() bool {
	return slices.ContainsFunc(l.Nodes, func(n pipeline.Node) bool { return n.Name() == "merge" })
}
