package sinks

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/looper-go/looper/internal/jsonobj"
)

// records is the console sink of the json and logfmt formats. Whatever the
// output mode, it prints every event at or above Options.Level as one
// record the moment it arrives, then one run_result record with the
// summary line's counts. It draws no progress line and uses no colour: its
// reader is a program.
type records struct{ o Options }

func (r *records) Run(ctx context.Context, events <-chan Event) error {
	s := newSession(ctx, r.o)
	w := &recordWriter{out: s.con, enc: newEventEncoder(), logfmt: r.o.Format == FormatLogfmt}
	s.loop(events, false, func(e Event) {
		if levelOf(e) >= r.o.Level {
			e.RawJSON = e.RawJSON && !w.logfmt // logfmt shows a line as one value
			w.write(w.enc.encode(e))
		}
	})
	if !s.tally.shown() {
		return s.con.err // refused before it started: the error says it all
	}
	now := s.o.Now()
	res := s.tally.result(now, now.Sub(s.start), s.ctx.Err() != nil)
	if err := w.enc.value(res); err != nil {
		panic(fmt.Sprintf("sinks: cannot encode the run result: %v", err))
	}
	w.write(w.enc.line.Bytes())
	return s.con.err
}

// kindRunResult is the type of the last record of the json and logfmt
// console formats. It never appears in the event stream or the run log.
const kindRunResult Kind = "run_result"

// runResult is the summary line as a record: the same counts as fields.
type runResult struct {
	Time    time.Time  `json:"timestamp"`
	Level   slog.Level `json:"level"`
	Kind    Kind       `json:"type"`
	Message string     `json:"content"`
	Done    int        `json:"done"`
	Blocked int        `json:"blocked"`
	// Todo counts tasks put back to todo (an interrupted run).
	Todo int `json:"todo"`
	// Waiting counts tasks that did not run because a dependency is blocked.
	Waiting int `json:"waiting"`
	// FailedAttempts counts attempts that failed, apart from task statuses.
	FailedAttempts int `json:"failed_attempts"`
	// Other counts tasks whose last outcome had another status, by status.
	Other       map[string]int `json:"other,omitempty"`
	Interrupted bool           `json:"interrupted"`
	Duration    time.Duration  `json:"duration_ns"`
}

// result is the summary line as a runResult, at now after wall time.
func (t *tally) result(now time.Time, wall time.Duration, interrupted bool) runResult {
	n := t.counts()
	r := runResult{Time: now.UTC(), Level: slog.LevelInfo, Kind: kindRunResult, Message: t.line(wall, interrupted),
		Done: n[outcomeDone], Blocked: n[outcomeBlocked], Todo: n[outcomeTodo], Waiting: len(t.waiting), FailedAttempts: t.failed,
		Interrupted: interrupted, Duration: wall}
	for c, k := range n {
		if c != outcomeDone && c != outcomeBlocked && c != outcomeTodo {
			if r.Other == nil {
				r.Other = make(map[string]int)
			}
			r.Other[c] = k
		}
	}
	return r
}

// recordWriter prints JSON records as they are, or as logfmt lines.
type recordWriter struct {
	out    io.Writer
	enc    *eventEncoder
	logfmt bool
	buf    []byte
}

// write prints one encoded JSON record (with its newline). Write errors
// are kept by the console under out.
func (w *recordWriter) write(js []byte) {
	if w.logfmt {
		w.buf = appendLogfmt(w.buf[:0], js)
	} else {
		w.buf = appendJSONSafe(w.buf[:0], js)
	}
	_, _ = w.out.Write(w.buf)
}

// appendJSONSafe appends the JSON text js to dst with DEL and the C1
// control characters (U+0080 to U+009F) written as \u escapes, which
// encoding/json leaves raw: the record means the same, and an agent's
// output cannot drive the terminal through it (encoding/json already
// escapes the C0 controls, ESC included).
func appendJSONSafe(dst, js []byte) []byte {
	i := 0
	for i < len(js) {
		c := js[i]
		switch {
		case c == 0x7f:
		case c == 0xc2 && i+1 < len(js) && js[i+1] >= 0x80 && js[i+1] <= 0x9f:
			dst = append(dst, js[:i]...)
			dst = fmt.Appendf(dst, `\u%04x`, js[i+1])
			js, i = js[i+2:], 0
			continue
		default:
			i++
			continue
		}
		dst = append(dst, js[:i]...)
		dst = append(dst, `\u007f`...)
		js, i = js[i+1:], 0
	}
	return append(dst, js...)
}

// appendLogfmt appends the JSON object js as one logfmt line, the way
// slog.NewTextHandler writes attributes: key=value pairs in the object's
// order, nested objects flattened into dotted keys (usage.input_tokens=),
// arrays and empty objects as their compact JSON text, null fields left
// out, and a value quoted (Go syntax) when it is empty or contains spaces,
// '=', '"' or anything unprintable, so every record stays on one line and
// control characters are escaped.
func appendLogfmt(dst, js []byte) []byte {
	start := len(dst)
	dst = appendLogfmtObject(dst, "", js)
	if len(dst) > start && dst[start] == ' ' {
		dst = append(dst[:start], dst[start+1:]...)
	}
	return append(dst, '\n')
}

func appendLogfmtObject(dst []byte, prefix string, js []byte) []byte {
	fields, err := jsonobj.Fields(js)
	if err != nil {
		// The JSON comes from eventEncoder; failing to read it back is a bug.
		panic(fmt.Sprintf("sinks: cannot read back an encoded record: %v: %s", err, js))
	}
	for _, f := range fields {
		key := prefix + f.Key
		v := bytes.TrimSpace(f.Value)
		switch v[0] {
		case 'n': // null
			continue
		case '{':
			if !bytes.Equal(v, []byte("{}")) {
				dst = appendLogfmtObject(dst, key+".", v)
				continue
			}
		case '"':
			var s string
			if err := json.Unmarshal(v, &s); err != nil {
				panic(fmt.Sprintf("sinks: cannot read back an encoded string: %v: %s", err, v))
			}
			dst = appendLogfmtPair(dst, key, s)
			continue
		}
		dst = appendLogfmtPair(dst, key, string(v))
	}
	return dst
}

func appendLogfmtPair(dst []byte, key, value string) []byte {
	dst = append(dst, ' ')
	dst = appendLogfmtValue(dst, key)
	dst = append(dst, '=')
	return appendLogfmtValue(dst, value)
}

func appendLogfmtValue(dst []byte, s string) []byte {
	if logfmtNeedsQuote(s) {
		return strconv.AppendQuote(dst, s)
	}
	return append(dst, s...)
}

// logfmtNeedsQuote is slog's rule for text values: quote the empty
// string and anything with spaces, '=', '"' or unprintable runes.
func logfmtNeedsQuote(s string) bool {
	if s == "" {
		return true
	}
	for _, r := range s {
		switch {
		case r == '=' || r == '"' || r == utf8.RuneError:
			return true
		case r < utf8.RuneSelf:
			if r <= ' ' || r == 0x7f {
				return true
			}
		case unicode.IsSpace(r) || !unicode.IsPrint(r):
			return true
		}
	}
	return false
}
