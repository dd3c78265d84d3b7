package agent

import (
	"fmt"
	"io"
	"sync/atomic"
	"time"
)

// drainQuiet is how long a reader may wait for a byte, after the agent has
// ended, before looper stops waiting for an end of file that only a
// process escaping the attempt could be withholding.
const drainQuiet = time.Second

// stream is one of the agent's output streams as its runner hands it over.
// It tells the watchdog about every byte and knows how long its reader has
// been waiting for the next one, so drain can tell a stream held open by
// an escaped process from a reader that is merely busy. (The local runner
// does the same for its pipes inside proc.Process.Wait; this covers the
// streams of every runner.)
type stream struct {
	name  string
	r     io.ReadCloser
	touch func()
	since atomic.Int64 // UnixNano when the pending Read began; 0 when none is pending
}

func (s *stream) Read(b []byte) (int, error) {
	s.since.Store(time.Now().UnixNano())
	n, err := s.r.Read(b)
	s.since.Store(0)
	if n > 0 {
		s.touch()
	}
	return n, err
}

// waiting is how long the pending Read has been blocked (0 if none).
func (s *stream) waiting() time.Duration {
	v := s.since.Load()
	if v == 0 {
		return 0
	}
	return time.Since(time.Unix(0, v))
}

// drain waits for the readers to reach end of file once the agent has
// ended; a stream whose reader has waited drainQuiet for a byte is closed
// so Run can return. A reader that is busy (a slow Emit, a backlog of
// lines) is never cut off.
func (a *attempt) drain(done <-chan struct{}, em *emitter) {
	tick := time.NewTicker(drainQuiet / 4)
	defer tick.Stop()
	closed := map[*stream]bool{}
	for {
		select {
		case <-done:
			a.stdout.r.Close()
			a.stderr.r.Close()
			return
		case <-tick.C:
			for _, s := range []*stream{a.stdout, a.stderr} {
				if !closed[s] && s.waiting() >= drainQuiet {
					closed[s] = true
					em.warn(fmt.Sprintf("the agent's %s is held open after it ended; stopped reading it", s.name))
					s.r.Close()
				}
			}
		}
	}
}
