package worktree

import (
	"sync"
	"unicode/utf8"
)

// tail is an io.Writer that keeps only the last n bytes written to it, so a
// command that prints megabytes (a setup script running npm install, a git
// command gone wrong) costs bounded memory while its error still shows the
// end of its output, which is where the reason usually is. It is safe for
// concurrent use, since os/exec may copy stdout and stderr from two
// goroutines.
type tail struct {
	mu      sync.Mutex
	n       int
	buf     []byte
	dropped bool
}

func newTail(n int) *tail { return &tail{n: n} }

// Write keeps the last n bytes of everything written so far.
func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	written := len(p)
	if len(p) >= t.n {
		t.dropped = t.dropped || len(t.buf) > 0 || len(p) > t.n
		t.buf = append(t.buf[:0], p[len(p)-t.n:]...)
		return written, nil
	}
	if over := len(t.buf) + len(p) - t.n; over > 0 {
		t.dropped = true
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	t.buf = append(t.buf, p...)
	return written, nil
}

// String returns the kept bytes, prefixed with "…" when earlier output was
// dropped; a partial UTF-8 sequence at the cut is removed.
func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	b := t.buf
	if t.dropped {
		for len(b) > 0 && !utf8.RuneStart(b[0]) {
			b = b[1:]
		}
		return "…" + string(b)
	}
	return string(b)
}
