package sinks

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"

	"github.com/looper-go/looper/todo"
)

// buffered holds each attempt's output and shows it as one block when its
// task's outcome arrives, so parallel tasks read like sequential ones.
// Run-level events, a task's start and the tasks that did not run show at
// once; a task's other events (decision, warnings) are held too and follow
// its attempts' blocks, and its final status change follows them all.
type buffered struct{ o Options }

// heldBudget is how many SpillBytes all held blocks of a buffered sink
// may keep in memory together; past it, blocks spill as soon as they grow.
const heldBudget = 16

// heldTask is the output of one task not yet finished.
type heldTask struct {
	attempts []*heldAttempt // in order of first output
	rest     held           // task-level events without an agent
}

type heldAttempt struct {
	agent   string
	attempt int
	held
}

// held is one block of held output. direct is set once holding failed
// (the temp file could not be written): the block's output is then shown as
// it comes, after what had been held.
type held struct {
	buf    spillBuffer
	direct bool
}

func (b *buffered) Run(ctx context.Context, events <-chan Event) error {
	s := newSession(ctx, b.o)
	r := &router{con: s.con}
	h := &holder{s: s, r: r, f: newFormatter(r, b.o.style()), tasks: make(map[string]*heldTask),
		budget: memBudget{max: heldBudget * b.o.SpillBytes}}
	s.loop(events, false, h.event)
	h.flushUnfinished()
	return s.finish()
}

// router sends the formatter's lines to the console, or into a held block
// while one is being written. If the block cannot take them it shows what
// it held, turns the block direct and sends the rest to the console.
type router struct {
	con  *console
	to   *held
	warn error // why holding failed during the current event
}

func (r *router) Write(p []byte) (int, error) {
	if r.to == nil || r.to.direct {
		return r.con.Write(p)
	}
	n, err := r.to.buf.Write(p)
	if err == nil {
		return n, nil
	}
	r.warn = err
	if _, werr := r.to.buf.WriteTo(r.con); werr != nil && r.con.err == nil {
		r.warn = errors.Join(err, fmt.Errorf("some of the held output was lost: %w", werr))
	}
	r.to.direct = true
	_, _ = r.con.Write(p[n:])
	return len(p), r.con.err
}

type holder struct {
	s      *session
	r      *router
	f      *formatter
	tasks  map[string]*heldTask
	budget memBudget // memory all held blocks share
}

func (h *holder) event(e Event) {
	switch {
	case e.TaskID == "" || e.Kind == KindWaiting || (e.Kind == KindStatus && e.Status == "doing"):
		h.f.event(e)
	case e.Kind == KindStatus || e.Kind == KindOutcome:
		// The task's end: its blocks first, so "doing → done" follows
		// the work it sums up.
		h.flush(e.TaskID)
		h.f.event(e)
	case h.f.shows(e):
		t := h.tasks[e.TaskID]
		if t == nil {
			t = &heldTask{rest: h.newHeld()}
			h.tasks[e.TaskID] = t
		}
		to := &t.rest
		if e.AgentID != "" {
			to = t.attempt(e.AgentID, e.Attempt, h)
		}
		h.r.to, h.r.warn = to, nil
		h.f.event(e)
		h.r.to = nil
		if h.r.warn != nil {
			h.f.note(e.Time, slog.LevelWarn, e.TaskID, e.AgentID,
				"output no longer held, shown as it comes: "+h.r.warn.Error())
		}
	}
}

func (h *holder) newHeld() held {
	return held{buf: spillBuffer{limit: h.s.o.SpillBytes, dir: h.s.o.TempDir, budget: &h.budget}}
}

func (t *heldTask) attempt(agent string, attempt int, h *holder) *held {
	for _, a := range t.attempts {
		if a.agent == agent && a.attempt == attempt {
			return &a.held
		}
	}
	a := &heldAttempt{agent: agent, attempt: attempt, held: h.newHeld()}
	t.attempts = append(t.attempts, a)
	return &a.held
}

// flush shows a task's held blocks: its attempts by attempt number (agents
// in the order they first spoke), then its other events.
func (h *holder) flush(id string) {
	t := h.tasks[id]
	if t == nil {
		return
	}
	delete(h.tasks, id)
	slices.SortStableFunc(t.attempts, func(a, b *heldAttempt) int { return cmp.Compare(a.attempt, b.attempt) })
	for _, a := range t.attempts {
		h.show(id, a.agent, &a.buf)
	}
	h.show(id, "", &t.rest.buf)
}

func (h *holder) show(task, agent string, b *spillBuffer) {
	if _, err := b.WriteTo(h.s.con); err != nil && h.s.con.err == nil {
		h.f.note(h.s.o.Now(), slog.LevelWarn, task, agent, "part of the held output was lost: "+err.Error())
	}
}

// flushUnfinished shows, in task id order, the output of tasks that never
// got an outcome, each followed by a warning saying so.
func (h *holder) flushUnfinished() {
	ids := make([]string, 0, len(h.tasks))
	for id := range h.tasks {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, todo.CompareIDs)
	for _, id := range ids {
		h.flush(id)
		h.f.note(h.s.o.Now(), slog.LevelWarn, id, "", "no outcome: the run ended before this task finished")
	}
}

var _ io.Writer = (*router)(nil)
