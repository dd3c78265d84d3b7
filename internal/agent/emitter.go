package agent

import (
	"bytes"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/looper-go/looper/sinks"
)

// emitter stamps the attempt's identity on every event and serialises the
// calls into the Runner's Emit, so the events of one attempt arrive in the
// order they were produced even though stdout and stderr are read by
// different goroutines.
type emitter struct {
	emit func(sinks.Event)
	base sinks.Event
	mu   *sync.Mutex // shared with the deriving view
	// derived marks the events as derived from a stdout line (see
	// sinks.Event.Derived): the parsers' view of the emitter sets it.
	derived bool
	// now stamps the events; replaying a run log stamps the line's time.
	now func() time.Time
}

func newEmitter(emit func(sinks.Event), req Request) *emitter {
	return &emitter{emit: emit, mu: new(sync.Mutex), now: time.Now, base: sinks.Event{
		TaskID:    req.TaskID,
		AgentID:   req.AgentID,
		Attempt:   req.Attempt,
		Iteration: req.Iteration,
		Stage:     req.Stage,
	}}
}

// deriving returns a view of e for a stream parser: the same sink, order
// and identity, with every event marked as derived from the line being
// parsed, so the run log can keep the line and leave the events out.
func (e *emitter) deriving() *emitter {
	if e == nil {
		return nil
	}
	v := *e
	v.derived = true
	return &v
}

// stampedBy returns a view of e (the same sink, order and identity) that
// stamps its events with now instead of the clock.
func (e *emitter) stampedBy(now func() time.Time) *emitter {
	if e == nil {
		return nil
	}
	v := *e
	v.now = now
	return &v
}

// enabled reports whether events go anywhere, so callers can skip building
// them (a raw copy of every line is not free).
func (e *emitter) enabled() bool { return e != nil && e.emit != nil }

func (e *emitter) send(ev sinks.Event) {
	if !e.enabled() {
		return
	}
	ev.Time = e.now()
	ev.Derived = e.derived
	ev.TaskID = e.base.TaskID
	ev.AgentID = e.base.AgentID
	ev.Attempt = e.base.Attempt
	ev.Iteration = e.base.Iteration
	ev.Stage = e.base.Stage
	e.mu.Lock()
	defer e.mu.Unlock()
	e.emit(ev)
}

// lines sends one event per non-blank line of text, so a multi-line message
// is shown (and prefixed) line by line.
func (e *emitter) lines(kind sinks.Kind, level slog.Level, text string) {
	if !e.enabled() {
		return
	}
	for l := range strings.Lines(text) {
		l = strings.TrimRight(l, "\r\n")
		if strings.TrimSpace(l) == "" {
			continue
		}
		e.send(sinks.Event{Kind: kind, Level: level, Message: l})
	}
}

func (e *emitter) warn(msg string) {
	e.send(sinks.Event{Kind: sinks.KindWarning, Level: slog.LevelWarn, Message: msg})
}

// raw sends one stdout line. format is the stream format the line is
// about to be parsed in, "" when it will not be parsed (cut short, or the
// parser gave up): the run log keeps the line in place of the events the
// parser derives from it, and a reader derives them again in that format.
// isJSON says the caller found the line to be JSON alone on its line
// (isJSONLine), to be logged as JSON; it counts only with a format other
// than text.
func (e *emitter) raw(line []byte, format Format, isJSON bool) {
	if !e.enabled() {
		return
	}
	ev := sinks.Event{Kind: sinks.KindRaw, Level: slog.LevelDebug, Raw: string(line), Format: string(format)}
	ev.RawJSON = format != FormatText && format != "" && isJSON
	e.send(ev)
}

// clip shortens s to at most n bytes (on a rune boundary) for one-line
// event messages, marking the cut.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }

// firstLine returns the first non-blank line of s, clipped to n bytes.
func firstLine(s string, n int) string {
	for l := range strings.Lines(s) {
		if t := strings.TrimSpace(l); t != "" {
			return clip(t, n)
		}
	}
	return ""
}

// isJSONLine reports whether line is a JSON object or array with nothing
// around it, which the run log embeds as it is; any other line is logged
// as a string, so a string in the log is always a line as printed. The
// check scans the line onto t (a new tape if t is nil), for a parser to
// read it from there.
func isJSONLine(line []byte, t *jsonTape) bool {
	if len(line) < 2 || bytes.IndexByte(line, '\r') >= 0 || bytes.IndexByte(line, '\n') >= 0 {
		return false
	}
	first, last := line[0], line[len(line)-1]
	if (first != '{' || last != '}') && (first != '[' || last != ']') {
		return false
	}
	if t == nil {
		t = new(jsonTape)
	}
	return t.scan(line)
}
