package stages

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/looper-go/looper/internal/agent"
	"github.com/looper-go/looper/pipeline"
	"github.com/looper-go/looper/sinks"
	"github.com/looper-go/looper/todo"
)

// statusRank orders statuses for breaking a tie between vote counts: done
// beats blocked beats skipped.
var statusRank = map[string]int{todo.SummaryDone: 0, todo.SummaryBlocked: 1, todo.SummarySkipped: 2}

// Decide turns a ballot into a decision. It is a pure function of the
// attempts, in agent order, so the same attempts always give the same
// decision:
//
//  1. Every attempt votes: the status its agent reported, or blocked when it
//     failed (any error class), gave no summary, or reported done but failed
//     its verify command. An attempt whose agent cannot be used at all
//     (classes auth and unreachable), or whose place was lost (class lost),
//     abstains; when every attempt abstains
//     the task is skipped, so it stays as it was.
//  2. The status with most votes wins; ties go to done, then blocked, then
//     skipped.
//  3. With quorum > 0, a done decision needs at least quorum done votes
//     (verified ones, when a verify command ran); otherwise the task is
//     blocked and every attempt's reason is listed.
//  4. The winner is the attempt, among those voting for the decision, with
//     the smallest diff (lines added plus removed), then the fewest files,
//     then the first in agent order. For a blocked decision it is the first
//     attempt whose agent itself reported blocked, or none.
//  5. Files are the union of the files the attempts voting for the decision
//     changed; blockers (for blocked) the union of the agents' blockers and
//     the failure reasons.
func Decide(b Ballot, quorum int) Decision {
	d := Decision{Job: b.Job, Attempts: b.Attempts, Winner: -1}
	counts := map[string]int{}
	verified := false
	cast := 0
	var abstained []string
	for _, a := range b.Attempts {
		if a.Result.Class.Abstains() {
			abstained = append(abstained, a.Reason())
			continue
		}
		cast++
		counts[a.Vote()]++
		if a.Verify != nil {
			verified = true
		}
	}
	if cast == 0 && len(abstained) > 0 {
		// Only agents that cannot work were asked: the task is left as it
		// was, for a run whose agents can.
		d.Status = todo.SummarySkipped
		d.Votes = fmt.Sprintf("0/%d: no usable agent", len(b.Attempts))
		d.Explanation = fmt.Sprintf("%s left as it was: %s", b.Job.Task.ID, abstained[0])
		return d
	}
	best := ""
	for status, n := range counts {
		if best == "" || n > counts[best] || (n == counts[best] && statusRank[status] < statusRank[best]) {
			best = status
		}
	}
	if best == "" { // no attempts at all
		best = todo.SummaryBlocked
	}
	d.Status = best
	qualifier := ""
	if verified {
		qualifier = "verified "
	}
	d.Votes = fmt.Sprintf("%d/%d %s%s", counts[best], cast, qualifier, best)
	if len(abstained) > 0 {
		d.Votes += fmt.Sprintf(" (%d abstained)", len(abstained))
	}

	if best == todo.SummaryDone && quorum > 0 && counts[best] < quorum {
		d.Status = todo.SummaryBlocked
		d.Blockers = append(d.Blockers, fmt.Sprintf("quorum not met: %d %sdone votes, %d required", counts[todo.SummaryDone], qualifier, quorum))
		for _, a := range b.Attempts {
			if r := a.Reason(); r != "" {
				d.Blockers = append(d.Blockers, r)
			} else if a.Result.Summary != nil {
				d.Blockers = append(d.Blockers, fmt.Sprintf("%s: reported %s", a.AgentID, a.Result.Summary.Status))
			}
		}
		d.Explanation = fmt.Sprintf("%s blocked: %s, quorum %d not met", b.Job.Task.ID, d.Votes, quorum)
		return d
	}

	var voters []int
	for i, a := range b.Attempts {
		if !a.Result.Class.Abstains() && a.Vote() == best {
			voters = append(voters, i)
		}
	}
	switch best {
	case todo.SummaryBlocked:
		for _, i := range voters {
			a := b.Attempts[i]
			if d.Winner < 0 && a.Result.Class == agent.ClassOK && a.Result.Summary != nil && a.Result.Summary.Status == todo.SummaryBlocked {
				d.Winner = i
			}
			if r := a.Reason(); r != "" {
				d.Blockers = appendNew(d.Blockers, r)
			}
			if a.Result.Summary != nil {
				for _, bl := range a.Result.Summary.Blockers {
					d.Blockers = appendNew(d.Blockers, bl)
				}
			}
		}
	default:
		d.Winner = slices.MinFunc(voters, func(x, y int) int {
			ax, ay := b.Attempts[x], b.Attempts[y]
			if c := (ax.Diff.Added + ax.Diff.Removed) - (ay.Diff.Added + ay.Diff.Removed); c != 0 {
				return c
			}
			if c := ax.Diff.Files - ay.Diff.Files; c != 0 {
				return c
			}
			return x - y
		})
	}
	for _, i := range voters {
		if s := b.Attempts[i].Result.Summary; s != nil {
			for _, f := range s.Files {
				d.Files = appendNew(d.Files, f)
			}
		}
	}
	if w := d.WinningAttempt(); w != nil && w.Result.Summary != nil {
		d.Summary = w.Result.Summary.Summary
	} else if len(d.Blockers) > 0 {
		d.Summary = strings.Join(d.Blockers, "; ")
	}
	d.Explanation = explain(d)
	return d
}

// explain renders a decision as one line: "T7 done: 2/3 verified done,
// winner codex#2, +41 -3 lines".
func explain(d Decision) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s: %s", d.Job.Task.ID, d.Status, d.Votes)
	if w := d.WinningAttempt(); w != nil && len(d.Attempts) > 1 {
		fmt.Fprintf(&b, ", winner %s", w.AgentID)
	}
	if detail := detail(d); detail != "" {
		b.WriteString(", " + detail)
	}
	return b.String()
}

// detail is what a decision says beyond votes and winner: the size of the
// winning change, or the first reason it is blocked.
func detail(d Decision) string {
	if w := d.WinningAttempt(); w != nil && w.Worktree != nil && d.Status == todo.SummaryDone {
		return fmt.Sprintf("+%d -%d lines", w.Diff.Added, w.Diff.Removed)
	}
	if d.Status == todo.SummaryBlocked && len(d.Blockers) > 0 {
		return d.Blockers[0]
	}
	return ""
}

func appendNew(list []string, s string) []string {
	if s == "" || slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}

// Vote is the vote stage: it decides every ballot (see Decide) and reports
// the decision as an event.
func Vote(settings Settings, services Services) pipeline.Stage[Ballot, Decision] {
	d := newEnv(settings, services)
	return pipeline.Func("vote", func(ctx context.Context, in <-chan Ballot, out chan<- Decision) error {
		for b := range in {
			dec := Decide(b, d.Quorum)
			ev := d.event(dec.Job, "vote", sinks.KindDecision)
			ev.Message = detail(dec) // sinks render votes and winner themselves
			ev.Status = dec.Status
			ev.Votes = dec.Votes
			ev.Files = dec.Files
			ev.Blockers = dec.Blockers
			if w := dec.WinningAttempt(); w != nil {
				ev.Winner = w.AgentID
				ev.Summary = w.Result.SummaryJSON
			}
			d.emit(dec.Job.run, ev)
			if err := pipeline.Send(ctx, out, dec); err != nil {
				return err
			}
		}
		return nil
	})
}
