package proc

import (
	"bytes"
	"sync"
	"unicode/utf8"
)

// DefaultTailBytes is how much of a command's output a Tail keeps when its
// Max is 0: enough for the error that ends most failures.
const DefaultTailBytes = 4 << 10

// Tail is an io.Writer that keeps only the last Max bytes written to it,
// so a command that prints megabytes (a setup script running npm install,
// an agent's stderr gone wild) costs bounded memory while its error still
// shows the end of its output, which is where the reason usually is. It is
// safe for concurrent use, since a command's stdout and stderr may be
// copied from two goroutines. The zero value keeps DefaultTailBytes.
type Tail struct {
	// Max is how many bytes to keep; 0 means DefaultTailBytes.
	Max int

	mu      sync.Mutex
	buf     []byte
	dropped bool
}

// NewTail returns a Tail keeping the last n bytes.
func NewTail(n int) *Tail { return &Tail{Max: n} }

func (t *Tail) max() int {
	if t.Max <= 0 {
		return DefaultTailBytes
	}
	return t.Max
}

// Write keeps the last Max bytes of everything written so far. It never
// fails.
func (t *Tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := t.max()
	written := len(p)
	if len(p) >= n {
		t.dropped = t.dropped || len(t.buf) > 0 || len(p) > n
		t.buf = append(t.buf[:0], p[len(p)-n:]...)
		return written, nil
	}
	if over := len(t.buf) + len(p) - n; over > 0 {
		t.dropped = true
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	t.buf = append(t.buf, p...)
	return written, nil
}

// String returns the kept bytes. When earlier output was dropped it starts
// with "…" and then at the first whole line kept (or, in one long line,
// at the first whole character), so the cut never shows half a line or a
// broken UTF-8 sequence.
func (t *Tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	b := t.buf
	if !t.dropped {
		return string(b)
	}
	if i := bytes.IndexByte(b, '\n'); i >= 0 && i < len(b)-1 {
		return "…" + string(b[i+1:])
	}
	for len(b) > 0 && !utf8.RuneStart(b[0]) {
		b = b[1:]
	}
	return "…" + string(b)
}
