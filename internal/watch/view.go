// Package watch is `looper watch`: a full-screen live view of a run in
// progress, drawn with bubbletea from the run's state file (see
// sinks.RunStatus), which it reads again twice a second. One row per
// running attempt (task, agent, attempt, elapsed time, tokens so far, last
// line of output), then the queue, then the recent decisions; when the run
// ends, its result line. It only reads: quitting the view (q, Esc or
// Ctrl-C) leaves the run alone.
package watch

import (
	"fmt"
	"strings"
	"time"

	"github.com/mattn/go-runewidth"

	"github.com/looper-go/looper/sinks"
)

// Limits of the sections, so that the running attempts keep the screen.
const (
	maxQueue     = 8
	maxDecisions = 5
)

// Render draws the view of st in width × height cells (at least 20 × 5 are
// used), or the reason there is none yet (err). loc sets the clock times.
func Render(st *sinks.RunStatus, err error, width, height int, loc *time.Location) string {
	width, height = max(width, 20), max(height, 5)
	var lines []string
	add := func(format string, a ...any) { lines = append(lines, fmt.Sprintf(format, a...)) }
	if st == nil {
		add("looper watch: waiting for a run of this project (q quits)")
		if err != nil {
			add("")
			add("%s", err)
		}
		return frame(lines, width, height)
	}
	add("looper watch · run %s · %s · %s   (q quits)", st.RunID, stateText(st), sinks.FormatElapsed(st.Elapsed))
	c := st.Counts
	add("%d/%d done · %d blocked · %d running · %d queued · %s tokens · %s",
		c.Done, c.Total, c.Blocked, c.Running, c.Queued, sinks.FormatTokens(st.Tokens), sinks.FormatCost(st.CostUSD, st.CostEstimated))
	if st.Budget != "" {
		add("budget: %s", st.Budget)
	}
	if st.Result != "" {
		add("%s", st.Result)
	}
	add("")

	rows := [][]string{{"TASK", "AGENT", "TRY", "ELAPSED", "TOKENS", "LAST OUTPUT"}}
	for _, t := range st.RunningTasks {
		if len(t.Agents) == 0 { // between its attempts: voting, verifying, merging
			rows = append(rows, []string{t.TaskID, "-", fmt.Sprint(t.Attempts), sinks.FormatElapsed(t.Elapsed), sinks.FormatTokens(t.Tokens), "(deciding)"})
		}
		for _, a := range t.Agents {
			rows = append(rows, []string{t.TaskID, a.AgentID, fmt.Sprint(a.Attempt), sinks.FormatElapsed(a.Elapsed), sinks.FormatTokens(t.Tokens), a.LastLine})
		}
	}
	add("RUNNING (%d)", len(st.RunningTasks))
	if len(rows) == 1 {
		add("  nothing is running")
	} else {
		lines = append(lines, table(rows)...)
	}
	add("")

	add("QUEUE (%d)", len(st.Queue))
	for i, q := range st.Queue {
		if i == maxQueue {
			add("  … %d more", len(st.Queue)-maxQueue)
			break
		}
		wait := ""
		if !q.Ready {
			wait = "  (waits on a dependency)"
		}
		add("  %s  %s%s", q.TaskID, q.Title, wait)
	}
	add("")

	add("RECENT DECISIONS")
	ds := st.RecentDecisions
	if len(ds) > maxDecisions {
		ds = ds[len(ds)-maxDecisions:]
	}
	for i := len(ds) - 1; i >= 0; i-- { // newest first
		add("  %s  %s", ds[i].Time.In(loc).Format("15:04:05"), ds[i].Text())
	}
	if len(ds) == 0 {
		add("  none yet")
	}
	return frame(lines, width, height)
}

// stateText says where the run is.
func stateText(st *sinks.RunStatus) string {
	switch st.State {
	case sinks.StateRunning:
		return "running"
	case sinks.StateStopping:
		return "stopping"
	case sinks.StateVanished:
		return "gone: its process ended without finishing the run"
	case sinks.StateInterrupted:
		return "interrupted"
	}
	return "finished"
}

// table aligns rows into columns two spaces apart, indented by two; the
// last column takes what is left of the line (frame clips it).
func table(rows [][]string) []string {
	widths := make([]int, len(rows[0]))
	for _, r := range rows {
		for i, cell := range r[:len(r)-1] {
			widths[i] = max(widths[i], runewidth.StringWidth(cell))
		}
	}
	out := make([]string, len(rows))
	for k, r := range rows {
		var b strings.Builder
		b.WriteString("  ")
		for i, cell := range r {
			b.WriteString(cell)
			if i < len(r)-1 {
				b.WriteString(strings.Repeat(" ", widths[i]-runewidth.StringWidth(cell)+2))
			}
		}
		out[k] = strings.TrimRight(b.String(), " ")
	}
	return out
}

// frame clips every line to width cells and the whole to height lines
// (the last kept line says how many were left out).
func frame(lines []string, width, height int) string {
	if len(lines) > height {
		hidden := len(lines) - height + 1
		lines = append(lines[:height-1], fmt.Sprintf("… %d more lines (enlarge the terminal)", hidden))
	}
	for i, l := range lines {
		lines[i] = runewidth.Truncate(l, width, "…")
	}
	return strings.Join(lines, "\n")
}
