package agent

import (
	"time"

	"github.com/looper-go/looper/sinks"
)

// maxReplayAttempts bounds how many attempts a LogReplayer keeps a parser
// for: a parser holds up to a few MiB of an attempt's text.
const maxReplayAttempts = 16

// LogReplayer returns a function that turns the records of a run log back
// into the events the runner showed live. The run log keeps each line an
// agent printed once, as a KindRaw record with its Format, and leaves out
// the events derived from it (sinks.Event.Derived); the function parses
// such a line again, in its attempt's own parser, and returns the record
// followed by those events, stamped with the record's time. Any other
// record comes back alone. Lines must be fed in log order for what
// depends on earlier lines (a tool result's tool name) to come out as it
// did live; the function is not safe for concurrent use.
func LogReplayer() func(sinks.Event) []sinks.Event {
	r := &logReplayer{attempts: map[replayKey]*replayAttempt{}}
	return r.events
}

type replayKey struct {
	task, agent, stage string
	attempt, iteration int
}

type replayAttempt struct {
	format Format
	p      streamParser
	at     time.Time
	out    []sinks.Event
}

type logReplayer struct {
	attempts map[replayKey]*replayAttempt
}

func (r *logReplayer) events(e sinks.Event) []sinks.Event {
	key := replayKey{e.TaskID, e.AgentID, e.Stage, e.Attempt, e.Iteration}
	if e.Kind == sinks.KindCommand && e.Class != "" { // the attempt ended
		delete(r.attempts, key)
	}
	if e.Kind != sinks.KindRaw || e.Format == "" {
		return []sinks.Event{e}
	}
	a := r.attempts[key]
	if a == nil || a.format != Format(e.Format) {
		if len(r.attempts) >= maxReplayAttempts {
			clear(r.attempts)
		}
		a = &replayAttempt{format: Format(e.Format)}
		em := newEmitter(func(ev sinks.Event) { a.out = append(a.out, ev) }, Request{
			TaskID: e.TaskID, AgentID: e.AgentID, Attempt: e.Attempt, Iteration: e.Iteration, Stage: e.Stage})
		em.now = func() time.Time { return a.at }
		a.p = newParser(a.format, em)
		r.attempts[key] = a
	}
	a.at = e.Time
	a.out = append(a.out[:0], e)
	if _, ok := safeLine(a.p, []byte(e.Raw), nil, nil); !ok {
		delete(r.attempts, key)
	}
	return append([]sinks.Event(nil), a.out...)
}
