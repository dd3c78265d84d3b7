package stages

import "fmt"

// noteResume says whether an attempt continues earlier work, or why it
// could not, and returns the sentence its prompt carries ("" for a fresh
// start). The points are Settings.Resume, taken once per run.
func noteResume(d *env, j Job, a Attempt) string {
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
