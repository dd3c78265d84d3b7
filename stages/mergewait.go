package stages

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/looper-go/looper/internal/worktree"
	"github.com/looper-go/looper/sinks"
	"github.com/looper-go/looper/todo"
)

// dirtyPoll is how soon a merge parked behind uncommitted changes in the
// main tree is tried again; the pause doubles while nothing changes, up to
// dirtyPollMax, so a long wait costs few git calls.
const (
	dirtyPoll    = 2 * time.Second
	dirtyPollMax = time.Minute
)

// mergeWaitLimit bounds how long a parked merge waits before its task is
// blocked, with the paths and the branch holding its work in the blockers:
// a run must end even when nobody is there to commit or stash.
const mergeWaitLimit = 10 * time.Minute

// parked is a done decision whose merge waits for the user's uncommitted
// changes at paths it would write.
type parked struct {
	outcome Outcome
	since   time.Time
	paths   []string
}

// parking holds the merge stage's parked decisions. A merge that must wait
// parks only its own task: other decisions keep landing, and the select
// stage keeps the parked task in flight (its slot stays taken) until the
// merge lands, the wait limit blocks the task, or the run stops, when the
// task goes back to todo with a note naming the branch that holds its work.
// Nothing finished is discarded silently. Only the merge goroutine uses it.
type parking struct {
	d         *env
	releasing *sync.WaitGroup // the merge stage's worktree removals
	waiting   []parked
	polls     int // polls since a merge was parked or settled
}

// park adds a decision whose merge is blocked by dirty, saying so.
func (p *parking) park(o Outcome, dirty *worktree.DirtyError) {
	d := p.d
	e := d.event(o.Decision.Job, "merge", sinks.KindWarning)
	e.Level = slog.LevelWarn
	e.Files = dirty.Paths
	e.Message = fmt.Sprintf("merge waits: uncommitted changes in the main tree touch %s; commit or stash them and the merge goes on (other tasks keep landing; after %s this task is blocked)",
		strings.Join(dirty.Paths, ", "), mergeWaitLimit)
	d.emit(o.Decision.Job.run, e)
	p.waiting = append(p.waiting, parked{outcome: o, since: d.now(), paths: dirty.Paths})
	p.polls = 0
}

// poll returns a timer for the next try of the parked merges, or nil when
// nothing is parked.
func (p *parking) poll() <-chan time.Time {
	if len(p.waiting) == 0 {
		return nil
	}
	pause := dirtyPoll << min(p.polls, 5)
	p.polls++
	return time.After(min(pause, dirtyPollMax))
}

// retry tries every parked merge once (the poll came, or a batch has just
// landed, which may have freed the paths). It returns the outcomes that are
// settled: merged, conflicted, or blocked by the wait limit.
func (p *parking) retry(ctx context.Context) ([]Outcome, error) {
	if len(p.waiting) == 0 {
		return nil, nil
	}
	var settled []Outcome
	still := p.waiting[:0]
	for _, w := range p.waiting {
		o, dirty, err := mergeWinner(ctx, p.d, w.outcome)
		if err != nil {
			return nil, err
		}
		if dirty == nil {
			settled = append(settled, o)
			continue
		}
		w.paths = dirty.Paths
		if p.d.now().Sub(w.since) >= mergeWaitLimit {
			settled = append(settled, p.giveUp(w))
			continue
		}
		still = append(still, w)
	}
	p.waiting = still
	if len(settled) > 0 {
		p.polls = 0
	}
	return settled, nil
}

// giveUp blocks a parked task after the wait limit; its work stays on its
// branch.
func (p *parking) giveUp(w parked) Outcome {
	o := w.outcome
	branch := o.Decision.WinningAttempt().Worktree.Branch
	o.Status = todo.StatusBlocked
	o.Failed = true
	o.Decision.Status = todo.SummaryBlocked
	o.Decision.Blockers = append([]string{fmt.Sprintf(
		"its merge waited %s for uncommitted changes in the main tree at %s; its work is on branch %s (commit or stash those changes, then git merge %s)",
		mergeWaitLimit, strings.Join(w.paths, ", "), branch, branch)}, o.Decision.Blockers...)
	return o
}

// shutdown ends the stage when its input is closed (the run is over or
// stopping): each parked merge is tried a last time, and a task whose merge
// still cannot land goes back to todo with a note naming the branch that
// holds its work.
func (p *parking) shutdown(ctx context.Context, out chan<- Outcome) error {
	var final []Outcome
	for _, w := range p.waiting {
		o, dirty, err := mergeWinner(ctx, p.d, w.outcome)
		if err != nil {
			return err
		}
		if dirty != nil {
			branch := o.Decision.WinningAttempt().Worktree.Branch
			o.Status = todo.StatusTodo
			o.Note = fmt.Sprintf("looper: this task's work is on branch %s, not merged: uncommitted changes in the main tree at %s were in the way when the run ended; task back to todo (merge the branch by hand, or run the task again)",
				branch, strings.Join(dirty.Paths, ", "))
			e := p.d.event(o.Decision.Job, "merge", sinks.KindWarning)
			e.Level = slog.LevelWarn
			e.Files = dirty.Paths
			e.Message = fmt.Sprintf("its work is on branch %s; task back to todo (uncommitted changes in the main tree at %s are in the way)", branch, strings.Join(dirty.Paths, ", "))
			p.d.emit(o.Decision.Job.run, e)
		}
		final = append(final, o)
	}
	p.waiting = nil
	return finish(ctx, p.d, p.releasing, final, out)
}
