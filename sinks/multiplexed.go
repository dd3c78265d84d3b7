package sinks

import "context"

// multiplexed shows every event the moment it arrives, one prefixed line
// per record, so parallel tasks interleave but every line says whose it is.
type multiplexed struct{ o Options }

func (m *multiplexed) Run(ctx context.Context, events <-chan Event) error {
	s := newSession(ctx, m.o)
	f := newFormatter(s.con, m.o.style())
	s.loop(events, m.o.Progress, f.event)
	return s.finish()
}
