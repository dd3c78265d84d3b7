package agent

import (
	"log/slog"

	"github.com/looper-go/looper/sinks"
)

// textParser reads a plain-text agent: every line is agent text, and the
// output as a whole is the final message. Only the last maxTextBytes are
// kept (the summary is at the end), so an agent that floods its stdout
// cannot exhaust memory.
type textParser struct {
	em  *emitter
	t   transcript
	buf []byte
}

func (p *textParser) line(b []byte) lineKind {
	p.t.lines++
	p.em.lines(sinks.KindText, slog.LevelInfo, string(b))
	p.buf = append(p.buf, b...)
	p.buf = append(p.buf, '\n')
	if len(p.buf) > 2*maxTextBytes { // trim rarely, so appending stays amortised O(1)
		p.trim()
	}
	return lineProgress
}

// trim keeps the last maxTextBytes of output, cut at a line start.
func (p *textParser) trim() {
	over := len(p.buf) - maxTextBytes
	if over <= 0 {
		return
	}
	cut := over
	for cut < len(p.buf) && p.buf[cut-1] != '\n' {
		cut++
	}
	p.buf = append(p.buf[:0], p.buf[cut:]...)
}

func (p *textParser) result() *transcript {
	p.trim()
	if len(p.buf) > 0 {
		p.t.final, p.t.hasFinal = string(p.buf), true
		p.t.texts = []string{p.t.final}
	}
	return &p.t
}
