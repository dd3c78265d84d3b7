package sinks

import (
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// recentDecisions is how many decisions a RunStatus keeps.
const recentDecisions = 10

// lastLineMax is how many runes of an attempt's last line are kept.
const lastLineMax = 200

// RunState follows a run's events and says where the run is: the model
// behind the state file, `looper status` and `looper watch`. It counts
// tasks with the same tally as the result line, so what status says never
// disagrees with what the console printed. It is not safe for concurrent
// use: one sink goroutine feeds it.
type RunState struct {
	// RunID is the run's id, copied into every snapshot.
	RunID string
	// Project is the project root, copied into every snapshot.
	Project string
	// Backlog is the backlog file, copied into every snapshot.
	Backlog string
	// Log is the run log's path, copied into every snapshot.
	Log string
	// PID is the looper process running the run.
	PID int
	// Start is when the run began; zero means when its state file sink
	// started (or the snapshot's time).
	Start time.Time

	tally     tally
	tasks     map[string]*taskState
	order     []string // running tasks in the order they started
	ended     map[attemptKey]bool
	decisions []Decision
	tokens    int64
	cost      float64
	estimated bool
	budget    string
}

// taskState is what RunState knows of one task of the run.
type taskState struct {
	title    string
	since    time.Time
	running  bool
	attempts map[attemptKey]*attemptState
	started  int // attempts started in this run
	tokens   int64
	cost     float64
}

type attemptKey struct {
	task, agent string
	attempt     int
}

type attemptState struct {
	key   attemptKey
	since time.Time
	last  string
}

// NewRunState returns the state of a run that has seen no event yet.
func NewRunState() *RunState {
	return &RunState{tally: newTally(0), tasks: make(map[string]*taskState), ended: make(map[attemptKey]bool)}
}

func (r *RunState) task(id string) *taskState {
	t := r.tasks[id]
	if t == nil {
		t = &taskState{attempts: make(map[attemptKey]*attemptState)}
		r.tasks[id] = t
	}
	return t
}

// Observe takes one event into the state.
func (r *RunState) Observe(e Event) {
	r.tally.observe(e)
	if e.TaskID != "" && e.Title != "" {
		r.task(e.TaskID).title = e.Title
	}
	switch {
	case e.Kind == KindStatus && e.TaskID != "":
		if e.Status == "doing" {
			r.startTask(e)
		} else {
			r.finishTask(e.TaskID)
		}
	case e.Kind == KindOutcome && e.TaskID != "":
		r.finishTask(e.TaskID)
	case e.Kind == KindAttempt:
		r.endAttempt(e)
	case e.Kind == KindDecision:
		d := Decision{Time: e.Time.UTC(), TaskID: e.TaskID, Status: e.Status, Votes: e.Votes, Winner: e.Winner, Message: oneLine(e.Message)}
		r.decisions = append(r.decisions, d)
		if len(r.decisions) > recentDecisions {
			r.decisions = slices.Delete(r.decisions, 0, len(r.decisions)-recentDecisions)
		}
	case e.Kind == KindBudget:
		r.budget = oneLine(e.Message)
	case attemptOutput(e):
		r.touchAttempt(e)
	}
}

func (r *RunState) startTask(e Event) {
	t := r.task(e.TaskID)
	if t.running {
		return
	}
	t.running, t.since = true, e.Time
	r.order = append(r.order, e.TaskID)
}

func (r *RunState) finishTask(id string) {
	t := r.tasks[id]
	if t == nil || !t.running {
		return
	}
	t.running = false
	clear(t.attempts)
	r.order = slices.DeleteFunc(r.order, func(s string) bool { return s == id })
}

// touchAttempt records output of an attempt: its row, with its last line.
func (r *RunState) touchAttempt(e Event) {
	k := attemptKey{e.TaskID, e.AgentID, e.Attempt}
	if r.ended[k] {
		return // a verify command or hook after the attempt's result
	}
	t := r.task(e.TaskID)
	if !t.running {
		if _, finished := r.tally.outcome[e.TaskID]; finished {
			return // output after the task's outcome (a hook, say)
		}
		r.startTask(e)
	}
	a := t.attempts[k]
	if a == nil {
		a = &attemptState{key: k, since: e.Time}
		t.attempts[k] = a
		t.started++
	}
	switch e.Kind {
	case KindText, KindReasoning, KindStderr:
		if l := lastLine(e.Message); l != "" {
			a.last = l
		}
	case KindTool:
		a.last = lastLine(strings.TrimSpace(e.Tool + " " + e.Message))
	}
}

// endAttempt counts a finished attempt's usage and drops its row.
func (r *RunState) endAttempt(e Event) {
	k := attemptKey{e.TaskID, e.AgentID, e.Attempt}
	r.ended[k] = true
	var tokens int64
	var cost float64
	if u := e.Usage; u != nil {
		tokens, cost = u.InputTokens+u.OutputTokens, u.CostUSD
		r.estimated = r.estimated || (u.CostEstimated && u.CostUSD > 0)
	}
	r.tokens += tokens
	r.cost += cost
	if e.TaskID == "" {
		return
	}
	t := r.task(e.TaskID)
	t.tokens += tokens
	t.cost += cost
	if _, ok := t.attempts[k]; !ok && e.AgentID != "" {
		t.started++ // an attempt that ended before it showed output
	}
	delete(t.attempts, k)
}

// Snapshot returns the run as it is at now. queue, when not nil, is the
// run's queue; tasks at work or finished in this run are left out of it.
// A snapshot of a run that ended (ended is true) carries its result line,
// unless it was refused before it started; interrupted says it was
// stopped.
func (r *RunState) Snapshot(now time.Time, queue []QueuedTask, ended, interrupted bool) *RunStatus {
	start := r.Start
	if start.IsZero() {
		start = now
	}
	res := r.tally.result(now, now.Sub(start), interrupted)
	st := &RunStatus{
		SchemaVersion: StatusSchemaVersion,
		RunID:         r.RunID, PID: r.PID, Project: r.Project, Backlog: r.Backlog, Log: r.Log,
		State:     StateRunning,
		Running:   !ended,
		StartedAt: start.UTC(), UpdatedAt: now.UTC(), Elapsed: now.Sub(start),
		Counts: StatusCounts{
			Total: max(r.tally.total, len(r.tally.outcome)+len(r.order)), Running: len(r.order),
			Done: res.Done, Blocked: res.Blocked, Todo: res.Todo, Waiting: res.Waiting,
			FailedAttempts: res.FailedAttempts, Other: res.Other,
		},
		Tokens: r.tokens, CostUSD: r.cost, CostEstimated: r.estimated,
		RunningTasks:    []RunningTask{},
		Queue:           []QueuedTask{},
		RecentDecisions: slices.Clone(r.decisions),
		Budget:          r.budget,
	}
	if st.RecentDecisions == nil {
		st.RecentDecisions = []Decision{}
	}
	if n := len(r.decisions); n > 0 {
		d := r.decisions[n-1]
		st.LastDecision = &d
	}
	switch {
	case ended && interrupted:
		st.State, st.EndedAt = StateInterrupted, now.UTC()
	case ended:
		st.State, st.EndedAt = StateFinished, now.UTC()
	case interrupted:
		st.State = StateStopping
	}
	if ended && r.tally.shown() { // a run refused before it started has no result line
		st.Result = res.Message
	}
	for _, id := range r.order {
		t := r.tasks[id]
		rt := RunningTask{TaskID: id, Title: t.title, StartedAt: t.since.UTC(), Elapsed: now.Sub(t.since),
			Attempts: t.started, Tokens: t.tokens, CostUSD: t.cost, Agents: []RunningAttempt{}}
		for _, a := range t.attempts {
			rt.Agents = append(rt.Agents, RunningAttempt{AgentID: a.key.agent, Attempt: a.key.attempt,
				StartedAt: a.since.UTC(), Elapsed: now.Sub(a.since), LastLine: a.last})
		}
		slices.SortFunc(rt.Agents, func(a, b RunningAttempt) int {
			if c := a.StartedAt.Compare(b.StartedAt); c != 0 {
				return c
			}
			return strings.Compare(a.AgentID, b.AgentID)
		})
		st.RunningTasks = append(st.RunningTasks, rt)
	}
	for _, q := range queue {
		if t := r.tasks[q.TaskID]; t != nil && t.running {
			continue
		}
		if _, finished := r.tally.outcome[q.TaskID]; finished {
			continue
		}
		st.Queue = append(st.Queue, q)
	}
	if queue != nil {
		st.Counts.Queued = len(st.Queue)
	} else {
		st.Counts.Queued = max(st.Counts.Total-len(r.tally.outcome)-st.Counts.Running, 0)
	}
	if ended {
		st.RunningTasks, st.Queue = []RunningTask{}, []QueuedTask{}
		st.Counts.Running, st.Counts.Queued = 0, 0
	}
	return st
}

// lastLine is the last non-blank line of s, with control characters
// dropped, clipped to lastLineMax runes.
func lastLine(s string) string {
	s = strings.TrimRightFunc(s, unicode.IsSpace)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		s = s[i+1:]
	}
	return oneLine(s)
}

// oneLine makes s one printable line of at most lastLineMax runes: line
// breaks and tabs become spaces, other control characters are dropped.
func oneLine(s string) string {
	var b strings.Builder
	n := 0
	for _, c := range s {
		if n == lastLineMax {
			b.WriteString("…")
			break
		}
		switch {
		case c == '\n' || c == '\r' || c == '\t':
			c = ' '
		case c == utf8.RuneError || unicode.IsControl(c):
			continue
		}
		b.WriteRune(c)
		n++
	}
	return strings.TrimSpace(b.String())
}
