package sinks

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"
)

// TailOptions says which events of a run log Tail shows, and how.
type TailOptions struct {
	// Lines is how many of the last output lines to show first: exactly
	// that many lines as they would be printed (fewer if the log is
	// shorter), counted after the Task and Level filters.
	Lines int
	// Task shows only events of this task id; "" shows all.
	Task string
	// Level hides events below it, as in the console sinks.
	Level slog.Level
	// Color turns on ANSI colours (see UseColor).
	Color bool
	// Follow keeps reading lines appended to the log until ctx is done.
	Follow bool
	// Poll is how often Follow looks for new lines; 0 means 100ms.
	Poll time.Duration
	// Location is the time zone times are shown in; nil means time.Local.
	Location *time.Location
	// Expand, when set, makes the function that turns each record into
	// the events to show. The run log keeps each line an agent printed
	// once and not the events derived from it (Event.Derived), so the
	// agent runner's replayer (agent.LogReplayer) is what brings them
	// back; nil shows the records as they are. Each call of Expand
	// starts afresh, and its function gets the records in log order.
	Expand func() func(Event) []Event
}

// maxLogLine caps the length of one run log line Tail will decode; longer
// lines (only possible from a foreign or damaged file) are skipped.
const maxLogLine = 64 << 20

// tailPrimeBytes is how much of the log before the last lines Tail reads
// so that their derived events come out as they did live (see last).
const tailPrimeBytes = 4 << 20

// tailChunk is how much Tail reads at a time.
const tailChunk = 256 << 10

// Tail prints the events of the run log at path in the multiplexed form,
// one line per record: first the last o.Lines lines, read backwards from
// the end so a huge log costs no more than what is shown, then, with
// o.Follow, each complete line appended until ctx is done. A partial last
// line (a run writing, or one that was killed) waits for its newline.
// Lines that are not JSON events are skipped. Logs written by upstream
// looper read the same way.
func Tail(ctx context.Context, path string, w io.Writer, o TailOptions) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	if o.Location == nil {
		o.Location = time.Local
	}
	r := &tailRenderer{o: o}
	// A log is read after the fact: its lines always show when they happened.
	r.f = newFormatter(&r.out, textStyle{level: o.Level, color: o.Color, timestamps: true})

	rl := &reverseLines{r: f, pos: st.Size(), max: maxLogLine, chunk: tailChunk}
	_, offset, _, err := rl.next() // the partial line after the last newline
	if err != nil {
		return err
	}
	r.expand = r.newExpand() // last shows its lines through it, then follow goes on
	if err := r.last(rl, w); err != nil {
		return err
	}
	if !o.Follow {
		return nil
	}
	poll := o.Poll
	if poll <= 0 {
		poll = 100 * time.Millisecond
	}
	t := time.NewTicker(poll)
	defer t.Stop()
	var pending []byte
	skipping := false
	buf := make([]byte, tailChunk)
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		st, err := f.Stat()
		if err != nil {
			return err
		}
		if st.Size() < offset+int64(len(pending)) { // truncated: start over
			offset, pending, skipping = 0, pending[:0], false
		}
		for pos := offset + int64(len(pending)); pos < st.Size(); {
			n, err := f.ReadAt(buf[:min(int64(len(buf)), st.Size()-pos)], pos)
			if err != nil && !errors.Is(err, io.EOF) {
				return err
			}
			if n == 0 {
				break
			}
			pos += int64(n)
			pending = append(pending, buf[:n]...)
			for {
				i := bytes.IndexByte(pending, '\n')
				if i < 0 {
					break
				}
				if !skipping {
					if _, err := w.Write(r.render(pending[:i], r.expand)); err != nil {
						return err
					}
				}
				skipping = false
				offset += int64(i) + 1
				pending = pending[i+1:]
			}
			if len(pending) > maxLogLine {
				offset += int64(len(pending))
				pending, skipping = pending[:0], true
			}
			pending = append([]byte(nil), pending...) // let the consumed prefix go
		}
	}
}

// tailRenderer turns run log lines into output lines.
type tailRenderer struct {
	o      TailOptions
	f      *formatter
	out    bytes.Buffer
	expand func(Event) []Event // nil: records as they are
}

// logRecord is a run log line: an Event whose raw line is a string or,
// for a line that was a JSON object or array, that JSON itself; or, for
// the stdout lines of an attempt, several such lines (see lineGroups).
type logRecord struct {
	Event
	Raw   json.RawMessage   `json:"raw"`
	Lines []json.RawMessage `json:"lines"`
}

// decodeRecord reads one log line as the events it holds: one, or one
// KindRaw per line of a "lines" record. ok is false if it is not an event.
func decodeRecord(line []byte) (events []Event, ok bool) {
	line = bytes.TrimSpace(line)
	if len(line) == 0 || line[0] != '{' {
		return nil, false
	}
	var rec logRecord
	if json.Unmarshal(line, &rec) != nil {
		return nil, false
	}
	if rec.Lines == nil {
		e := rec.Event
		setRaw(&e, rec.Raw)
		return []Event{e}, true
	}
	for _, l := range rec.Lines {
		e := rec.Event
		setRaw(&e, l)
		events = append(events, e)
	}
	return events, true
}

// setRaw sets e's raw line from its JSON in the log: a string is the line
// itself, an object or array is a line that was that JSON.
func setRaw(e *Event, v json.RawMessage) {
	switch {
	case len(v) == 0 || string(v) == "null":
	case v[0] == '"':
		_ = json.Unmarshal(v, &e.Raw)
	default:
		e.Raw, e.RawJSON = string(v), true
	}
}

// render decodes one log line and returns its output, nothing if the line
// is not an event or is filtered out. expand derives the events a line
// of agent output stood for; nil shows the records as they are.
func (r *tailRenderer) render(line []byte, expand func(Event) []Event) []byte {
	recs, ok := decodeRecord(line)
	if !ok || (r.o.Task != "" && recs[0].TaskID != r.o.Task) {
		return nil
	}
	events := recs
	if expand != nil {
		events = nil
		for _, e := range recs {
			events = append(events, expand(e)...)
		}
	}
	r.out.Reset()
	for _, e := range events {
		if !e.Time.IsZero() {
			e.Time = e.Time.In(r.o.Location)
		}
		r.f.event(e)
	}
	return bytes.Clone(r.out.Bytes())
}

// newExpand starts a fresh expansion, nil without TailOptions.Expand.
func (r *tailRenderer) newExpand() func(Event) []Event {
	if r.o.Expand == nil {
		return nil
	}
	return r.o.Expand()
}

// last writes the last r.o.Lines output lines, reading the log backwards
// only as far as it needs.
func (r *tailRenderer) last(rl *reverseLines, w io.Writer) error {
	if r.o.Lines <= 0 {
		return nil
	}
	// Going backwards, each record is counted with an expansion of its
	// own; the records found are then shown in log order through one, so
	// what a line's events owe to the lines before it in the window (a
	// tool result's tool name) comes out as it did live.
	var records [][]byte // newest first
	count := 0
	for count < r.o.Lines {
		line, _, ok, err := rl.next()
		if err != nil {
			return err
		}
		if !ok {
			break
		}
		if out := r.render(line, r.newExpand()); len(out) > 0 {
			records = append(records, bytes.Clone(line))
			count += bytes.Count(out, []byte("\n"))
		}
	}
	if r.expand != nil {
		// Records just before the window teach the expansion what the
		// window's lines refer to (the tool call a result answers);
		// their own output is not shown.
		var prime [][]byte
		for n := 0; n < tailPrimeBytes; {
			line, _, ok, err := rl.next()
			if err != nil {
				return err
			}
			if !ok {
				break
			}
			prime = append(prime, bytes.Clone(line))
			n += len(line)
		}
		for i := len(prime) - 1; i >= 0; i-- {
			r.render(prime[i], r.expand)
		}
	}
	var all []byte
	for i := len(records) - 1; i >= 0; i-- {
		all = append(all, r.render(records[i], r.expand)...)
	}
	for count = bytes.Count(all, []byte("\n")); count > r.o.Lines; count-- {
		all = all[bytes.IndexByte(all, '\n')+1:]
	}
	_, err := w.Write(all)
	return err
}

// reverseLines reads a file's lines from the end to the start.
type reverseLines struct {
	r     io.ReaderAt
	pos   int64  // file offset of buf[0]
	buf   []byte // the bytes before the lines already returned
	max   int    // longer lines are returned as nil
	chunk int
	skip  bool // the line being gathered is too long: its bytes are dropped
	done  bool
}

// next returns the line before the ones already returned (without its
// newline) and its offset in the file. The first call returns what follows
// the last newline: "" for a file ending in one, else a partial line. A
// line longer than max comes back as nil. ok is false at the start of the
// file.
func (rl *reverseLines) next() (line []byte, start int64, ok bool, err error) {
	for !rl.done {
		if i := bytes.LastIndexByte(rl.buf, '\n'); i >= 0 {
			line, start = rl.buf[i+1:], rl.pos+int64(i)+1
			rl.buf = rl.buf[:i]
			if rl.skip {
				line, rl.skip = nil, false
			}
			return line, start, true, nil
		}
		if rl.pos == 0 {
			rl.done = true
			line, rl.buf = rl.buf, nil
			if line == nil {
				line = []byte{}
			}
			if rl.skip {
				line = nil
			}
			return line, 0, true, nil
		}
		if len(rl.buf) > rl.max {
			rl.skip, rl.buf = true, rl.buf[:0]
		}
		n := min(int64(rl.chunk), rl.pos)
		nb := make([]byte, n, n+int64(len(rl.buf)))
		if _, err := rl.r.ReadAt(nb, rl.pos-n); err != nil && !errors.Is(err, io.EOF) {
			return nil, 0, false, fmt.Errorf("read run log: %w", err)
		}
		rl.pos -= n
		rl.buf = append(nb, rl.buf...)
	}
	return nil, 0, false, nil
}
