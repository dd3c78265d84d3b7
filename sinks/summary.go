package sinks

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"github.com/looper-go/looper/todo"
)

// summary shows only what changes a task's fate while the run goes
// (status changes, outcomes, warnings and errors), then a table of every
// task with its attempts, vote, time, tokens and cost.
type summary struct{ o Options }

func (m *summary) Run(ctx context.Context, events <-chan Event) error {
	s := newSession(ctx, m.o)
	f := newFormatter(s.con, m.o.style())
	t := newTaskTable()
	decided := map[string]string{} // task → its decision, as the other modes print it
	s.loop(events, m.o.Progress, func(e Event) {
		t.observe(e)
		switch {
		case e.Kind == KindDecision:
			decided[e.TaskID] = renderDecision(e)
		case e.Kind == KindOutcome:
			f.event(withDecision(e, decided[e.TaskID]))
			delete(decided, e.TaskID)
		case e.Kind == KindStatus || levelOf(e) >= slog.LevelWarn:
			f.event(e)
		}
	})
	s.con.clear()
	t.write(s.con, m.o.Color, m.o.Now().Sub(s.start))
	return s.finish()
}

// withDecision puts the task's decision ("decided done: 2/3 verified
// done, winner codex#2, +41 -3 lines") before what its outcome says, so
// summary mode's one line per task carries what the other modes print.
func withDecision(e Event, decision string) Event {
	switch {
	case decision == "":
	case e.Message == "":
		e.Message = decision
	default:
		e.Message = decision + "; " + e.Message
	}
	return e
}

// statusNotRun is the table's status of a task that did not run because a
// dependency is blocked (its own status is still todo).
const statusNotRun = "not run"

// taskRow is what the table says about one task.
type taskRow struct {
	id, title, status string
	attempts          int
	votes, winner     string
	took              time.Duration
	first, last       time.Time
	tokens            int64
	cost              float64
	estimated         bool     // some of cost is looper's estimate (codex)
	stages            []string // for the row of run-level attempts
}

// taskTable accumulates the table's rows from the event stream. Attempts
// without a task (review, bootstrap, repair) get a row of their own, so
// that the totals are the sum of the rows. Every KindAttempt counts, the
// attempts a vote discarded included: they cost tokens too.
type taskTable struct {
	rows  map[string]*taskRow
	run   taskRow // attempts without a task
	total taskRow
}

func newTaskTable() *taskTable {
	return &taskTable{rows: make(map[string]*taskRow), run: taskRow{id: "(run)"}, total: taskRow{id: "TOTAL"}}
}

func (t *taskTable) observe(e Event) {
	if e.Kind == KindAttempt {
		t.total.addAttempt(e)
		if e.TaskID == "" {
			t.run.addAttempt(e)
			if e.Stage != "" && !slices.Contains(t.run.stages, e.Stage) {
				t.run.stages = append(t.run.stages, e.Stage)
			}
		}
	}
	if e.TaskID == "" {
		return
	}
	r := t.rows[e.TaskID]
	if r == nil {
		r = &taskRow{id: e.TaskID}
		t.rows[e.TaskID] = r
	}
	if !e.Time.IsZero() {
		if r.first.IsZero() || e.Time.Before(r.first) {
			r.first = e.Time
		}
		if e.Time.After(r.last) {
			r.last = e.Time
		}
	}
	if e.Title != "" {
		r.title = e.Title
	}
	switch e.Kind {
	case KindStatus:
		r.status = e.Status
	case KindOutcome:
		r.status = outcomeCategory(e)
		r.took = e.Duration
	case KindWaiting:
		r.status = statusNotRun
	case KindDecision:
		r.votes, r.winner = e.Votes, e.Winner
	case KindAttempt:
		r.addAttempt(e)
	}
}

func (r *taskRow) addAttempt(e Event) {
	r.attempts++
	if e.Usage != nil {
		r.tokens += e.Usage.InputTokens + e.Usage.OutputTokens
		r.cost += e.Usage.CostUSD
		r.estimated = r.estimated || (e.Usage.CostEstimated && e.Usage.CostUSD != 0)
	}
}

// duration is the outcome's duration, else the span of the task's events.
func (r *taskRow) duration() time.Duration {
	if r.took != 0 {
		return r.took
	}
	return r.last.Sub(r.first)
}

const maxTitle = 40

var tableHeader = []string{"TASK", "TITLE", "STATUS", "ATTEMPTS", "VOTES", "WINNER", "DURATION", "TOKENS", "COST"}

// write prints the table, rows in task id order (T2 before T10), then the
// run-level row if any attempt had no task, then the totals with the run's
// wall time. With colour, task ids take their task colour and statuses a
// colour of their own; the layout is computed on the plain text.
func (t *taskTable) write(w io.Writer, color bool, wall time.Duration) {
	if len(t.rows) == 0 && t.total.attempts == 0 {
		return
	}
	ids := make([]string, 0, len(t.rows))
	for id := range t.rows {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, todo.CompareIDs)
	rows := make([]*taskRow, 0, len(ids)+1)
	for _, id := range ids {
		rows = append(rows, t.rows[id])
	}
	if t.run.attempts > 0 {
		t.run.title = strings.Join(t.run.stages, ", ")
		rows = append(rows, &t.run)
	}

	var plain bytes.Buffer
	tw := tabwriter.NewWriter(&plain, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(tableHeader, "\t"))
	for _, r := range rows {
		dur := "-"
		if d := r.duration(); d > 0 {
			dur = fmtDuration(d)
		}
		cells := []string{r.id, truncate(r.title, maxTitle), r.status, strconv.Itoa(r.attempts),
			r.votes, r.winner, dur, fmtTokens(r.tokens), fmtCostOf(r.cost, r.estimated)}
		writeCells(tw, cells)
	}
	tasks := fmt.Sprintf("%d tasks", len(t.rows))
	if len(t.rows) == 1 {
		tasks = "1 task"
	}
	writeCells(tw, []string{t.total.id, tasks, "", strconv.Itoa(t.total.attempts), "", "",
		fmtElapsed(wall), fmtTokens(t.total.tokens), fmtCostOf(t.total.cost, t.total.estimated)})
	tw.Flush()

	if !color {
		_, _ = w.Write(plain.Bytes())
		return
	}
	lines := strings.SplitAfter(plain.String(), "\n")
	statusCol := strings.Index(lines[0], "STATUS")
	var out strings.Builder
	for i, line := range lines {
		switch {
		case line == "":
		case i == 0 || i == len(rows)+1:
			out.WriteString("\x1b[1m" + strings.TrimSuffix(line, "\n") + "\x1b[0m\n")
		default:
			r := rows[i-1]
			out.WriteString(colorRow(line, r, statusCol))
		}
	}
	_, _ = io.WriteString(w, out.String())
}

// writeCells writes one table row, with "-" for empty cells and control
// characters made visible so that no cell can break the layout.
func writeCells(w io.Writer, cells []string) {
	for i, c := range cells {
		if c == "" {
			c = "-"
		}
		cells[i] = string(appendClean(nil, strings.ReplaceAll(c, "\t", " ")))
	}
	fmt.Fprintln(w, strings.Join(cells, "\t"))
}

// colorRow colours a plain table line: the id at its start in the task's
// colour, the status cell (at rune column statusCol, where tabwriter put
// it) by status.
func colorRow(line string, r *taskRow, statusCol int) string {
	id := string(appendClean(nil, r.id))
	if !strings.HasPrefix(line, id) {
		return line
	}
	rest := line[len(id):]
	var b strings.Builder
	if r.id == "(run)" {
		b.WriteString(id)
	} else {
		fmt.Fprintf(&b, "\x1b[38;5;%dm%s\x1b[0m", taskColor(r.id), id)
	}
	status := string(appendClean(nil, r.status))
	code := statusColor(r.status)
	col := utf8.RuneCountInString(id)
	for i := range rest {
		if col == statusCol && code != "" && strings.HasPrefix(rest[i:], status) {
			b.WriteString(rest[:i] + code + status + "\x1b[0m" + rest[i+len(status):])
			return b.String()
		}
		col++
	}
	b.WriteString(rest)
	return b.String()
}

func statusColor(status string) string {
	switch status {
	case outcomeDone:
		return "\x1b[32m"
	case outcomeBlocked:
		return "\x1b[33m"
	case outcomeFailed:
		return "\x1b[31m"
	case "doing":
		return "\x1b[36m"
	}
	return ""
}

// truncate shortens s to n runes, ending it with "…" when cut.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// fmtTokens writes a token count with thousands separators, "-" for none.
func fmtTokens(n int64) string {
	if n == 0 {
		return "-"
	}
	s := strconv.FormatInt(n, 10)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 && s[i-1] != '-' {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}
