package sinks

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// FormatTokens writes a token count with thousands separators ("-" for
// none), as the summary table does, for the status and watch views.
func FormatTokens(n int64) string { return fmtTokens(n) }

// FormatCost writes a cost as the summary table does: "$1.50", "<$0.01",
// "~$0.0123 (est.)" when looper estimated it, "-" for none.
func FormatCost(c float64, estimated bool) string { return fmtCostOf(c, estimated) }

// FormatElapsed writes a duration in whole seconds ("3m12s"), as the
// result line does.
func FormatElapsed(d time.Duration) string { return fmtElapsed(d) }

// WriteText prints the status for people, as `looper status` shows it:
// whether the run is going on, its counts, its running tasks with their
// agents, the queue and the last decision; or, for a run that ended, its
// result line. Times are shown in loc.
func (s *RunStatus) WriteText(w io.Writer, loc *time.Location) error {
	var b strings.Builder
	clock := func(t time.Time) string { return t.In(loc).Format("15:04:05") }
	switch s.State {
	case StateRunning, StateStopping:
		state := "a run is going on here"
		if s.State == StateStopping {
			state = "a run is stopping here"
		}
		fmt.Fprintf(&b, "looper: %s: run %s, pid %d, started %s, %s ago\n", state, s.RunID, s.PID, clock(s.StartedAt), fmtElapsed(s.Elapsed))
	case StateVanished:
		fmt.Fprintf(&b, "looper: no run is going on here; the last run (%s, pid %d, started %s) stopped without finishing: its process is gone (killed?). As of %s:\n",
			s.RunID, s.PID, clock(s.StartedAt), clock(s.UpdatedAt))
	default:
		how := "finished"
		if s.State == StateInterrupted {
			how = "was interrupted"
		}
		fmt.Fprintf(&b, "looper: no run is going on here; the last run (%s, pid %d) %s at %s after %s:\n", s.RunID, s.PID, how, clock(s.EndedAt), fmtElapsed(s.Elapsed))
		if s.Result == "" {
			b.WriteString("  it ended before any task ran; looper tail shows why\n")
		} else {
			fmt.Fprintf(&b, "  %s\n", s.Result)
		}
	}
	fmt.Fprintf(&b, "backlog: %s\n", s.Backlog)
	c := s.Counts
	fmt.Fprintf(&b, "tasks: %d/%d done, %d blocked, %d running, %d queued", c.Done, c.Total, c.Blocked, c.Running, c.Queued)
	if c.Todo > 0 {
		fmt.Fprintf(&b, ", %d back to todo", c.Todo)
	}
	if c.Waiting > 0 {
		fmt.Fprintf(&b, ", %d waiting (a dependency is blocked)", c.Waiting)
	}
	if c.FailedAttempts > 0 {
		fmt.Fprintf(&b, "; %s", plural(c.FailedAttempts, "failed attempt"))
	}
	fmt.Fprintf(&b, "\nspent: %s tokens, %s\n", fmtTokens(s.Tokens), fmtCostOf(s.CostUSD, s.CostEstimated))
	if s.Budget != "" {
		fmt.Fprintf(&b, "budget: %s\n", s.Budget)
	}
	if len(s.RunningTasks) > 0 {
		b.WriteString("running:\n")
	}
	for _, t := range s.RunningTasks {
		fmt.Fprintf(&b, "  %s %q: %s, %s; so far %s tokens, cost %s\n", t.TaskID, t.Title, fmtElapsed(t.Elapsed),
			plural(t.Attempts, "attempt"), fmtTokens(t.Tokens), fmtCost(t.CostUSD))
		for _, a := range t.Agents {
			fmt.Fprintf(&b, "    %s attempt %d, %s: %s\n", a.AgentID, a.Attempt, fmtElapsed(a.Elapsed), a.LastLine)
		}
	}
	if len(s.Queue) > 0 {
		items := make([]string, len(s.Queue))
		for i, q := range s.Queue {
			items[i] = q.TaskID
			if !q.Ready {
				items[i] += " (waits on a dependency)"
			}
		}
		fmt.Fprintf(&b, "queue: %s\n", strings.Join(items, ", "))
	}
	if d := s.LastDecision; d != nil {
		fmt.Fprintf(&b, "last decision: %s at %s\n", d.Text(), clock(d.Time))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// Text is the decision on one line: "T10 done: 2/2 verified, winner
// codex#2 (+41 -3 lines)".
func (d Decision) Text() string {
	s := d.TaskID + " " + d.Status
	var parts []string
	if d.Votes != "" {
		parts = append(parts, d.Votes)
	}
	if d.Winner != "" {
		parts = append(parts, "winner "+d.Winner)
	}
	if len(parts) > 0 {
		s += ": " + strings.Join(parts, ", ")
	}
	if d.Message != "" {
		s += " (" + d.Message + ")"
	}
	return s
}
