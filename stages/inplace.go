package stages

import (
	"fmt"
	"strings"

	"github.com/looper-go/looper/internal/agent"
	"github.com/looper-go/looper/internal/worktree"
	"github.com/looper-go/looper/todo"
)

// checkpointInPlace records the checkout's uncommitted changes before an
// attempt that works in place, so commitInPlace can tell the agent's
// changes from the user's. It returns nil when there is no checkout to
// watch or it cannot be read (said once as a warning).
func checkpointInPlace(d *env, j Job, a Attempt) *worktree.Checkpoint {
	if d.InPlace == nil || a.Worktree != nil {
		return nil
	}
	cp, err := d.InPlace.Checkpoint(d.looperPaths()...)
	if err != nil {
		warnAttempt(d, j, a, fmt.Sprintf("cannot read the uncommitted changes in %s, so work the agent leaves uncommitted will stay so: %v", d.InPlace.Root(), err))
		return nil
	}
	return &cp
}

// commitInPlace commits what an in-place attempt changed and left
// uncommitted: an agent whose own `git commit` was denied (Claude under
// acceptEdits, Codex's read-only .git) still ends with its work committed,
// on the user's branch, in a commit of its own. Paths the user had changed
// before the attempt are left alone and named. A task is never done while
// its work sits uncommitted: when the commit fails, a done vote becomes
// blocked with the reason.
func commitInPlace(d *env, j Job, a *Attempt, cp *worktree.Checkpoint) {
	if cp == nil {
		return
	}
	msg := fmt.Sprintf("looper: %s: %s\n\nChanges %s left uncommitted, committed by looper.", j.Task.ID, j.Task.Title, a.AgentID)
	committed, mixed, err := d.InPlace.CommitSince(*cp, msg)
	if err != nil {
		warnAttempt(d, j, *a, fmt.Sprintf("could not commit the work %s left uncommitted: %v", a.AgentID, err))
		if a.Vote() == todo.SummaryDone {
			a.Result.Class = agent.ClassAgentError
			a.Result.Err = fmt.Sprintf("its work is uncommitted and looper could not commit it: %v", err)
		}
		return
	}
	if len(committed) > 0 {
		why := ""
		if len(a.Result.Denials) > 0 {
			why = " (its own tool calls were denied)"
		}
		infoAttempt(d, j, *a, fmt.Sprintf("committed the changes %s left uncommitted%s: %s", a.AgentID, why, strings.Join(clipList(committed, 10), ", ")))
	}
	if len(mixed) > 0 {
		warnAttempt(d, j, *a, fmt.Sprintf("left uncommitted: %s had your uncommitted changes before the attempt and %s changed them again; review and commit them yourself",
			strings.Join(clipList(mixed, 10), ", "), a.AgentID))
	}
}

// clipList shortens a long list for one line: the first n, then "and N more".
func clipList(list []string, n int) []string {
	if len(list) <= n {
		return list
	}
	return append(list[:n:n], fmt.Sprintf("and %d more", len(list)-n))
}
