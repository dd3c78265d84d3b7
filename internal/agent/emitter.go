package agent

import (
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
	mu   sync.Mutex
}

func newEmitter(emit func(sinks.Event), req Request) *emitter {
	return &emitter{emit: emit, base: sinks.Event{
		TaskID:    req.TaskID,
		AgentID:   req.AgentID,
		Attempt:   req.Attempt,
		Iteration: req.Iteration,
		Stage:     req.Stage,
	}}
}

// enabled reports whether events go anywhere, so callers can skip building
// them (a raw copy of every line is not free).
func (e *emitter) enabled() bool { return e != nil && e.emit != nil }

func (e *emitter) send(ev sinks.Event) {
	if !e.enabled() {
		return
	}
	ev.Time = time.Now()
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

func (e *emitter) raw(line []byte) {
	if !e.enabled() {
		return
	}
	e.send(sinks.Event{Kind: sinks.KindRaw, Level: slog.LevelDebug, Raw: string(line)})
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
