package stages

import (
	"fmt"
	"sync"

	"github.com/looper-go/looper/internal/worktree"
)

// resumePoints holds, per task id, the leftover worktree of an interrupted
// run that the task's next attempt starts from. Each is taken once.
type resumePoints struct {
	mu     sync.Mutex
	points map[string]worktree.Leftover
}

// SetResume tells the run which leftovers hold work to continue from
// (worktree.ResumePoints): the first attempt of each of those tasks starts
// from its leftover instead of the integration tip, and its prompt says so.
// The session sets it unless the run starts afresh.
func (d *Deps) SetResume(points map[string]worktree.Leftover) {
	d.resume.mu.Lock()
	defer d.resume.mu.Unlock()
	d.resume.points = points
}

// takeResume returns, once, the leftover a task's attempt starts from, or
// nil.
func (d *Deps) takeResume(id string) *worktree.Leftover {
	d.resume.mu.Lock()
	defer d.resume.mu.Unlock()
	l, ok := d.resume.points[id]
	if !ok {
		return nil
	}
	delete(d.resume.points, id)
	return &l
}

// noteResume says whether an attempt continues earlier work, or why it
// could not, and returns the sentence its prompt carries ("" for a fresh
// start).
func noteResume(d *Deps, j Job, a Attempt) string {
	wt := a.Worktree
	switch {
	case wt == nil:
		return ""
	case wt.ResumeErr != nil:
		warnAttempt(d, j, a, fmt.Sprintf("%v; starting afresh from the current tip (the earlier worktree is left as it was)", wt.ResumeErr))
		return ""
	case wt.ResumedFrom == "":
		return ""
	}
	infoAttempt(d, j, a, fmt.Sprintf("continuing from the work an interrupted attempt left on %s (now on %s)", wt.ResumedFrom, wt.Branch))
	return fmt.Sprintf("An earlier attempt at this task was interrupted and left work, which is already in your worktree: its commits are on your branch (git log %s..HEAD) and what it left uncommitted is committed there. Review it and continue from it rather than starting over.", wt.Base)
}
