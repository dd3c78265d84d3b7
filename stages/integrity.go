package stages

import (
	"context"
	"fmt"
	"strings"

	"github.com/looper-go/looper/internal/agent"
)

// ClassIntegrity marks an attempt whose agent left its worktree in a state
// looper cannot take as work: an operation in progress, unmerged files,
// conflict markers, HEAD off the attempt's branch, or the branch reset
// below its base. Such an attempt is not a candidate whatever it reported;
// its worktree and branch are kept for inspection and none of it is merged.
const ClassIntegrity agent.Class = "integrity"

// checkIntegrity verifies, before anything is committed or merged, what the
// agent did to git in its worktree (worktree.Repo.Check). Commits made on
// another branch that descends from the attempt's base are taken onto the
// attempt's branch, and that is said. It reports whether the attempt is
// sound; when it is not, an attempt that succeeded becomes ClassIntegrity
// with a reason naming what was found, and a failed one keeps its class
// with the findings in a warning.
func checkIntegrity(ctx context.Context, d *env, j Job, a *Attempt) bool {
	wt := a.Worktree
	in, err := d.Repo.Check(ctx, wt)
	var problems []string
	switch {
	case err != nil:
		problems = []string{fmt.Sprintf("its worktree could not be checked: %v", err)}
	case in.OffBranch && in.Adoptable && in.Sound():
		from := "a detached HEAD"
		if in.HeadBranch != "" {
			from = "branch " + in.HeadBranch
		}
		if err := d.Repo.Adopt(ctx, wt, in); err != nil {
			problems = []string{fmt.Sprintf("committed on %s, not on the attempt's branch, and taking those commits failed: %v", from, err)}
			break
		}
		warnAttempt(d, j, *a, fmt.Sprintf("the agent committed on %s instead of %s; those commits descend from the attempt's base, so they were taken onto %s", from, wt.Branch, wt.Branch))
	default:
		problems = in.Problems()
	}
	if len(problems) == 0 {
		return true
	}
	msg := strings.Join(problems, "; ") + fmt.Sprintf("; nothing of it is merged, its worktree %s and branch %s are kept for inspection", wt.Path, wt.Branch)
	if a.Result.Class == agent.ClassOK {
		a.Result.Class = ClassIntegrity
		a.Result.Err = msg
		return false
	}
	warnAttempt(d, j, *a, "the agent "+msg)
	return false
}
