package stages

import (
	"context"
	"fmt"

	"github.com/looper-go/looper/internal/worktree"
)

// mergeWinners lands the winners of one batch of decisions and returns
// their outcomes; a merge the user's uncommitted changes are in the way of
// is parked instead. One winner is merged alone; several are landed
// together (worktree.Repo.MergeAll), which computes every merge in memory
// and moves the main tree once, so a burst of finished tasks costs about
// what one costs. The checkout watch accounts for the batch as one of
// looper's own merges.
func mergeWinners(ctx context.Context, d *env, merges []Outcome, p *parking) ([]Outcome, error) {
	var out []Outcome
	keep := func(o Outcome, dirty *worktree.DirtyError) {
		if dirty != nil {
			p.park(o, dirty)
			return
		}
		out = append(out, o)
	}
	switch len(merges) {
	case 0:
		return nil, nil
	case 1:
		o, dirty, err := mergeWinner(ctx, d, merges[0])
		if err != nil {
			return nil, err
		}
		keep(o, dirty)
		return out, nil
	}
	ls := make([]worktree.Landing, len(merges))
	for i, o := range merges {
		ls[i] = worktree.Landing{Branch: o.Decision.WinningAttempt().Worktree.Branch, Message: mergeMessage(o.Decision.Job)}
	}
	var results []worktree.MergeResult
	var errs []error
	label := fmt.Sprintf("%d branches (%s, …)", len(ls), ls[0].Branch)
	// One batch belongs to one run: the first job's carries the watch.
	watch := merges[0].Decision.Job.run.watch()
	_, err := watch.merge(ctx, d, label, func() (worktree.MergeResult, error) {
		var err error
		results, errs, err = d.Repo.MergeAll(ctx, ls)
		return lastLanded(results, errs), err
	})
	if err != nil {
		return nil, err
	}
	for i, o := range merges {
		o, dirty, err := settle(d, o, results[i], errs[i])
		if err != nil {
			return nil, err
		}
		keep(o, dirty)
	}
	return out, nil
}

// lastLanded sums up a batch for the checkout watch: the commit the
// integration branch ended at, the tip the batch was computed on, and
// whether every landing was a fast-forward.
func lastLanded(results []worktree.MergeResult, errs []error) worktree.MergeResult {
	sum := worktree.MergeResult{FastForward: true}
	for i, r := range results {
		if errs[i] != nil || r.Conflicted() || r.Commit == "" {
			continue
		}
		if sum.Onto == "" {
			sum.Onto, sum.Into = r.Onto, r.Into
		}
		sum.Commit = r.Commit
		sum.FastForward = sum.FastForward && (r.FastForward || r.UpToDate)
	}
	return sum
}
