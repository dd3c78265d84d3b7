package agent

import (
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// pipeReader is one of the agent's output pipes. It tells the watchdog
// about every byte and knows how long its reader has been waiting for the
// next one, so drain can tell a pipe held open by an escaped process from
// a reader that is merely busy.
type pipeReader struct {
	name  string
	f     io.ReadCloser
	touch func()
	since atomic.Int64 // UnixNano when the pending Read began; 0 when none is pending
}

func (p *pipeReader) Read(b []byte) (int, error) {
	p.since.Store(time.Now().UnixNano())
	n, err := p.f.Read(b)
	p.since.Store(0)
	if n > 0 {
		p.touch()
	}
	return n, err
}

// waiting is how long the pending Read has been blocked (0 if none).
func (p *pipeReader) waiting() time.Duration {
	s := p.since.Load()
	if s == 0 {
		return 0
	}
	return time.Since(time.Unix(0, s))
}

// tailBuffer keeps the last few KiB of the agent's stderr.
type tailBuffer struct {
	mu  sync.Mutex
	buf []byte
}

const stderrTailBytes = 4 << 10

func (t *tailBuffer) add(line []byte) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, line...)
	t.buf = append(t.buf, '\n')
	if len(t.buf) > 4*stderrTailBytes {
		t.buf = append(t.buf[:0], t.buf[len(t.buf)-stderrTailBytes:]...)
	}
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	b := t.buf
	if len(b) > stderrTailBytes {
		b = b[len(b)-stderrTailBytes:]
		if i := strings.IndexByte(string(b), '\n'); i >= 0 && i < len(b)-1 {
			b = b[i+1:]
		}
	}
	return strings.TrimRight(string(b), "\n")
}
