package sinks

import (
	"context"
	"io"
	"time"
)

// clearLine returns the cursor to the start of the line and erases it.
const clearLine = "\r\x1b[K"

// progressInterval is how often the progress line is redrawn; it only
// writes when its text changed, so an idle run redraws once a second.
const progressInterval = 200 * time.Millisecond

// console writes a sink's output and owns the live progress line. Every
// Write first clears a progress line on screen, and the line is drawn again
// only on the next tick, so output and progress never mix on one line. The
// first write error is kept and later writes are dropped, so a closed
// terminal does not stop the sink from draining its events.
type console struct {
	out   io.Writer
	shown bool   // a progress line is on screen
	line  string // the progress line on screen
	err   error
}

func (c *console) Write(p []byte) (int, error) {
	c.clear()
	c.write(p)
	return len(p), c.err
}

func (c *console) write(p []byte) {
	if c.err == nil {
		_, c.err = c.out.Write(p)
	}
}

// draw puts line on screen as the progress line, if it changed.
func (c *console) draw(line string) {
	if c.err != nil || (c.shown && line == c.line) {
		return
	}
	s := line
	if c.shown {
		s = clearLine + line
	}
	c.write([]byte(s))
	c.shown, c.line = c.err == nil, line
}

// clear erases the progress line if one is on screen.
func (c *console) clear() {
	if c.shown {
		c.shown = false
		c.write([]byte(clearLine))
	}
}

// session is what every console sink shares: its options, console, counts
// and the loop that feeds it events.
type session struct {
	ctx   context.Context
	o     Options
	con   *console
	tally tally
	start time.Time
}

func newSession(ctx context.Context, o Options) *session {
	start := o.Start
	if start.IsZero() {
		start = o.Now()
	}
	return &session{ctx: ctx, o: o, con: &console{out: o.Out}, tally: newTally(o.Total), start: start}
}

// loop counts every event and hands it to handle until events is closed,
// drawing the progress line between events when progress is on.
func (s *session) loop(events <-chan Event, progress bool, handle func(Event)) {
	if !progress { // a plain receive costs less than a select, per event
		for e := range events {
			s.tally.observe(e)
			handle(e)
		}
		return
	}
	t := time.NewTicker(progressInterval)
	defer t.Stop()
	tick := t.C
	for {
		select {
		case e, ok := <-events:
			if !ok {
				return
			}
			s.tally.observe(e)
			handle(e)
		case <-tick:
			now := s.o.Now()
			s.con.draw(s.tally.progress(now, now.Sub(s.start), s.ctx.Err() != nil, s.o.Width))
		}
	}
}

// finish clears the progress line, writes the result line (only for a run
// that started: a refusal is the whole story) and returns the first write
// error.
func (s *session) finish() error {
	s.con.clear()
	if s.tally.shown() {
		_, _ = io.WriteString(s.con, s.tally.line(s.o.Now().Sub(s.start), s.ctx.Err() != nil)+"\n")
	}
	return s.con.err
}
