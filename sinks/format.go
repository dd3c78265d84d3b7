package sinks

import (
	"context"
	"fmt"
	"hash/fnv"
	"io"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/lmittmann/tint"
)

// formatter renders events as one-line log records through a single tint
// handler. Every line goes through the same handler, whose one mutex and one
// Write per record keep lines whole even if several goroutines shared it;
// the sinks call it from one goroutine anyway.
type formatter struct {
	h slog.Handler
	textStyle
	prefixes map[prefixKey]string
	// last is the key prefix looked up last, and lastPrefix its prefix:
	// an attempt's events come in runs, and comparing keys costs less
	// than hashing one.
	last       prefixKey
	lastPrefix string
	buf        []byte
}

// textStyle is how a formatter writes its lines.
type textStyle struct {
	level      slog.Level // hide events below it
	color      bool       // ANSI colours
	timestamps bool       // start each line with the time, HH:MM:SS
	caller     bool       // end each event with stage=<the stage that emitted it>
}

// style is the text style o asks for.
func (o Options) style() textStyle {
	return textStyle{level: o.Level, color: o.Color, timestamps: o.Timestamps, caller: o.Caller}
}

type prefixKey struct{ task, agent, stage string }

func newFormatter(w io.Writer, st textStyle) *formatter {
	return &formatter{
		h: tint.NewTextHandler(w, &tint.Options{
			Level:      st.level,
			NoColor:    !st.color,
			TimeFormat: time.TimeOnly,
		}),
		textStyle: st,
		prefixes:  make(map[prefixKey]string),
	}
}

// levelOf is the level an event is shown at: raw lines and tool results are
// debug detail whatever their emitter said, warnings and errors are at least
// what their kind says.
func levelOf(e Event) slog.Level {
	switch e.Kind {
	case KindRaw, KindToolResult:
		return slog.LevelDebug
	case KindWarning:
		return max(e.Level, slog.LevelWarn)
	case KindError:
		return max(e.Level, slog.LevelError)
	}
	return e.Level
}

// shows reports whether the formatter writes anything for e.
func (f *formatter) shows(e Event) bool { return levelOf(e) >= f.level }

// event writes e as one or more lines, or nothing if its level is hidden.
func (f *formatter) event(e Event) {
	if !f.shows(e) {
		return
	}
	head, body, attrs := render(e)
	if f.caller && e.Stage != "" {
		attrs = append(attrs, slog.String("stage", e.Stage))
	}
	f.lines(e.Time, levelOf(e), f.prefix(e.TaskID, e.AgentID, e.Stage), head, body, attrs)
}

// note writes a line that looper itself adds (not from the event stream),
// prefixed like the task's events.
func (f *formatter) note(t time.Time, lvl slog.Level, task, agent, msg string) {
	if lvl < f.level {
		return
	}
	f.lines(t, lvl, f.prefix(task, agent, ""), "", msg, nil)
}

// lines writes body split into lines, one record each: head goes before
// the first line, attrs after the last, the prefix before every one, and
// the time t (tint leaves out a zero time) when timestamps are on.
func (f *formatter) lines(t time.Time, lvl slog.Level, prefix, head, body string, attrs []slog.Attr) {
	if !f.timestamps {
		t = time.Time{}
	}
	body = strings.TrimSuffix(body, "\n")
	first := true
	for {
		line, rest, more := strings.Cut(body, "\n")
		line = strings.TrimSuffix(line, "\r")
		f.buf = append(f.buf[:0], prefix...)
		if first {
			f.buf = appendClean(f.buf, head)
		}
		f.buf = appendClean(f.buf, line)
		r := slog.NewRecord(t, lvl, string(f.buf), 0)
		if !more {
			r.AddAttrs(attrs...)
		}
		// Write errors are recorded by the writer under the handler.
		_ = f.h.Handle(context.Background(), r)
		if !more {
			return
		}
		body, first = rest, false
	}
}

// prefix returns "[task/agent] " ("[task] " without an agent, "" for
// run-level events; an agent working for the run itself, such as the
// reviewer, is "[stage/agent] "), coloured by task when colour is on,
// cached per key.
func (f *formatter) prefix(task, agent, stage string) string {
	if task == "" && agent == "" {
		return ""
	}
	if task != "" {
		stage = ""
	}
	k := prefixKey{task, agent, stage}
	if k == f.last && f.lastPrefix != "" {
		return f.lastPrefix
	}
	if p, ok := f.prefixes[k]; ok {
		f.last, f.lastPrefix = k, p
		return p
	}
	label, key := task, task
	switch {
	case task == "" && stage != "":
		label, key = stage+"/"+agent, stage
	case task == "":
		label, key = agent, agent
	case agent != "":
		label = task + "/" + agent
	}
	label = string(appendClean(nil, "["+label+"]"))
	p := label + " "
	if f.color {
		p = fmt.Sprintf("\x1b[38;5;%dm%s\x1b[0m ", taskColor(key), label)
	}
	f.prefixes[k] = p
	return p
}

// taskPalette holds 256-colour indices readable on dark and light
// backgrounds; each task keeps one of them for the whole run.
var taskPalette = [...]uint8{33, 37, 71, 98, 130, 135, 161, 166, 172, 178, 203, 208, 39, 43, 62, 107, 167, 170}

// taskColor picks a stable palette colour for a task id, so a task has the
// same colour in every run and every mode.
func taskColor(id string) uint8 {
	h := fnv.New32a()
	_, _ = io.WriteString(h, id)
	return taskPalette[h.Sum32()%uint32(len(taskPalette))]
}

// appendClean appends s to dst with terminal control characters made
// visible, so an agent's output cannot move the cursor, clear the screen or
// change colours: C0 controls other than tab and DEL become caret notation
// (^[ for ESC), C1 controls become U+FFFD. Text without them is copied as
// is, which is the fast path.
func appendClean(dst []byte, s string) []byte {
	i := 0
	for i < len(s) {
		c := s[i]
		if (c >= 0x20 && c < 0x7f) || c == '\t' || (c >= 0x80 && c != 0xc2) {
			i++
			continue
		}
		if c == 0xc2 {
			if i+1 < len(s) && s[i+1] >= 0x80 && s[i+1] <= 0x9f {
				dst = append(dst, s[:i]...)
				dst = append(dst, string(utf8.RuneError)...)
				s, i = s[i+2:], 0
				continue
			}
			i++
			continue
		}
		dst = append(dst, s[:i]...)
		if c == 0x7f {
			dst = append(dst, '^', '?')
		} else {
			dst = append(dst, '^', c+'@')
		}
		s, i = s[i+1:], 0
	}
	return append(dst, s...)
}
