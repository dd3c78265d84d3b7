package agent

import (
	"fmt"
	"log/slog"
	"runtime/debug"

	"github.com/looper-go/looper/sinks"
)

// The agent's stdout is read in two stages that overlap on two cores: one
// goroutine reads lines and scans them (the JSON check, whose tape the
// parser reads), another sends each line as a raw event and parses it, in
// order. Reading, scanning and parsing one goroutine after another was the
// serial bottleneck of a busy run (issue 17). Lines travel in batches, so
// the hand-over costs little per line; a batch is handed over as soon as
// the next line has not arrived whole, so a quiet agent's lines are never
// held back.

// Batch limits: the lines, bytes and batches in flight between the stages.
const (
	batchLines = 64
	batchBytes = 256 << 10
	batches    = 3
	// A batch keeps buffers this big for its next use; larger ones (a
	// huge line) go back to the garbage collector.
	keepBytes = 1 << 20
	keepNodes = 4096
)

// lineBatch is lines read and scanned, waiting to be parsed.
type lineBatch struct {
	buf   []byte      // the lines, back to back
	lines []batchLine // where each ends in buf, and what the reader found
	tapes []jsonTape  // tapes[i] is line i's when lines[i].json
}

type batchLine struct {
	end           int
	truncatedFrom int  // as lineReader.next reported it
	json          bool // found to be JSON alone on its line (isJSONLine)
}

func (b *lineBatch) reset() {
	if cap(b.buf) > keepBytes {
		b.buf = nil
	}
	b.buf, b.lines = b.buf[:0], b.lines[:0]
}

// add copies line into the batch; scan says to check it for the parser.
func (b *lineBatch) add(line []byte, truncatedFrom int, scan bool) {
	i := len(b.lines)
	if i == len(b.tapes) {
		b.tapes = append(b.tapes, jsonTape{})
	}
	t := &b.tapes[i]
	if cap(t.nodes) > keepNodes {
		t.nodes = nil
	}
	isJSON := scan && isJSONLine(line, t)
	b.buf = append(b.buf, line...)
	b.lines = append(b.lines, batchLine{end: len(b.buf), truncatedFrom: truncatedFrom, json: isJSON})
}

// line returns line i, and its tape if it was found to be JSON (nil
// otherwise).
func (b *lineBatch) line(i int) ([]byte, *jsonTape) {
	start := 0
	if i > 0 {
		start = b.lines[i-1].end
	}
	line := b.buf[start:b.lines[i].end]
	if !b.lines[i].json {
		return line, nil
	}
	t := &b.tapes[i]
	t.b = line // it was scanned where the reader had it; the extents are the same
	return line, t
}

func (b *lineBatch) full() bool { return len(b.lines) >= batchLines || len(b.buf) >= batchBytes }

// readStdout reads the agent's stdout and feeds it to the parser (see the
// top of this file); it returns when the stream has ended and every line
// has been parsed.
func (a *attempt) readStdout(p streamParser, spec Spec, em *emitter) {
	full := make(chan *lineBatch, batches)
	free := make(chan *lineBatch, batches)
	for range batches {
		free <- new(lineBatch)
	}
	parsed := make(chan struct{})
	go func() {
		defer close(parsed)
		a.parseStdout(p, spec, em, full, free)
	}()
	defer func() { <-parsed }()
	defer close(full)

	scan := spec.Format != FormatText && spec.Format != ""
	lr := newLineReader(a.stdout, spec.MaxLine)
	b := <-free
	b.reset()
	for {
		line, truncatedFrom, err := lr.next()
		if err != nil {
			break
		}
		b.add(line, truncatedFrom, scan && truncatedFrom == 0)
		if b.full() || !lr.lineReady() {
			full <- b
			b = <-free
			b.reset()
		}
	}
	if len(b.lines) > 0 {
		full <- b
	}
}

// parseStdout is readStdout's second stage: every line of every batch, in
// order, becomes a raw event and goes to the parser.
func (a *attempt) parseStdout(p streamParser, spec Spec, em *emitter, full <-chan *lineBatch, free chan<- *lineBatch) {
	parsing := true
	for b := range full {
		for i := range b.lines {
			line, tape := b.line(i)
			parsing = a.stdoutLine(p, spec, em, line, b.lines[i].truncatedFrom, tape, parsing)
		}
		free <- b
	}
}

// stdoutLine handles one line of stdout; parsing says the parser has not
// given up, and the result whether it still has not.
func (a *attempt) stdoutLine(p streamParser, spec Spec, em *emitter, line []byte, truncatedFrom int, tape *jsonTape, parsing bool) bool {
	skip := !parsing || (truncatedFrom > 0 && spec.Format != FormatText)
	if skip {
		em.raw(line, "", false)
	} else {
		em.raw(line, spec.Format, tape != nil)
	}
	if truncatedFrom > 0 {
		em.warn(fmt.Sprintf("%s printed a line of %d bytes, more than max_line (%d); it was truncated and, unless the output is text, skipped", spec.Name, truncatedFrom, spec.MaxLine))
	}
	if skip {
		return parsing
	}
	kind, parsing := safeLine(p, line, tape, em)
	switch kind {
	case lineProgress:
		a.wd.progressed()
	case lineChatter:
		a.wd.chattering()
	case lineNeutral:
	case lineAuthFailure:
		// Retrying does not heal bad credentials; stop at the first.
		a.cancel(errAuth)
	}
	return parsing
}

// safeLine feeds one line to the parser; a parser panic (a bug, not the
// agent's fault) is reported once and parsing stops, but the output is
// still drained so the agent never blocks. checked is the line's tape when
// the caller found it valid JSON (nil otherwise).
func safeLine(p streamParser, line []byte, checked *jsonTape, em *emitter) (kind lineKind, ok bool) {
	defer func() {
		if r := recover(); r != nil {
			em.send(sinks.Event{Kind: sinks.KindError, Level: slog.LevelError,
				Message: fmt.Sprintf("agent output parser panicked: %v\n%s", r, debug.Stack())})
			kind, ok = lineProgress, false
		}
	}()
	if c, isChecked := p.(interface {
		checkedLine([]byte, *jsonTape) lineKind
	}); checked != nil && isChecked {
		return c.checkedLine(line, checked), true
	}
	return p.line(line), true
}
