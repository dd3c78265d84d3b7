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
}

// maxLogLine caps the length of one run log line Tail will decode; longer
// lines (only possible from a foreign or damaged file) are skipped.
const maxLogLine = 64 << 20

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
					if _, err := w.Write(r.render(pending[:i])); err != nil {
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
	o   TailOptions
	f   *formatter
	out bytes.Buffer
}

// render decodes one log line and returns its output, nothing if the line
// is not an event or is filtered out.
func (r *tailRenderer) render(line []byte) []byte {
	line = bytes.TrimSpace(line)
	if len(line) == 0 || line[0] != '{' {
		return nil
	}
	var e Event
	if json.Unmarshal(line, &e) != nil {
		return nil
	}
	if r.o.Task != "" && e.TaskID != r.o.Task {
		return nil
	}
	if !e.Time.IsZero() {
		e.Time = e.Time.In(r.o.Location)
	}
	r.out.Reset()
	r.f.event(e)
	return bytes.Clone(r.out.Bytes())
}

// last writes the last r.o.Lines output lines, reading the log backwards
// only as far as it needs.
func (r *tailRenderer) last(rl *reverseLines, w io.Writer) error {
	if r.o.Lines <= 0 {
		return nil
	}
	var groups [][]byte // newest first
	count := 0
	for count < r.o.Lines {
		line, _, ok, err := rl.next()
		if err != nil {
			return err
		}
		if !ok {
			break
		}
		if out := r.render(line); len(out) > 0 {
			groups = append(groups, out)
			count += bytes.Count(out, []byte("\n"))
		}
	}
	var all []byte
	for i := len(groups) - 1; i >= 0; i-- {
		all = append(all, groups[i]...)
	}
	for ; count > r.o.Lines; count-- {
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
