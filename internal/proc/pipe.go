package proc

import (
	"os"
	"sync/atomic"
	"time"
)

// Pipe is the read end of one of a command's output pipes. It reports
// every chunk to a touch function (an agent's idle watchdog) and knows how
// long its reader has been waiting for the next one, so Wait can tell a
// pipe held open by an escaped process from a reader that is merely busy.
// Read it until end of file; Wait closes it.
type Pipe struct {
	// Name is "stdout" or "stderr" (with merged output, "output"), for the
	// warning when the pipe is held open.
	Name  string
	f     *os.File
	touch func()
	since atomic.Int64 // UnixNano when the pending Read began; 0 when none is pending
}

// Read reads from the pipe; it returns an error once the command and
// everything that inherited the pipe have closed it, or once Wait gave up
// on a pipe only an escaped process held.
func (p *Pipe) Read(b []byte) (int, error) {
	p.since.Store(time.Now().UnixNano())
	n, err := p.f.Read(b)
	p.since.Store(0)
	if n > 0 && p.touch != nil {
		p.touch()
	}
	return n, err
}

// waiting is how long the pending Read has been blocked (0 if none).
func (p *Pipe) waiting() time.Duration {
	s := p.since.Load()
	if s == 0 {
		return 0
	}
	return time.Since(time.Unix(0, s))
}
