package proc

import (
	"strings"
	"sync"
	"testing"
)

func TestTail(t *testing.T) {
	t.Parallel()
	tl := NewTail(8)
	tl.Write([]byte("abc"))
	if tl.String() != "abc" {
		t.Errorf("short tail = %q", tl.String())
	}
	tl.Write([]byte("defghij"))
	if tl.String() != "…cdefghij" {
		t.Errorf("tail = %q", tl.String())
	}
	tl.Write([]byte("0123456789"))
	if tl.String() != "…23456789" {
		t.Errorf("tail after a long write = %q", tl.String())
	}
	u := NewTail(4)
	u.Write([]byte("xxé€"))
	if got := u.String(); got != "…€" {
		t.Errorf("tail cut inside a rune = %q", got)
	}
}

func TestTailCutsAtALine(t *testing.T) {
	t.Parallel()
	tl := NewTail(12)
	tl.Write([]byte("first line\nsecond\nthird\n"))
	if got := tl.String(); got != "…third\n" {
		t.Errorf("tail = %q, want the whole lines kept", got)
	}
	var zero Tail
	zero.Write([]byte(strings.Repeat("x", DefaultTailBytes+1)))
	if got := zero.String(); got != "…"+strings.Repeat("x", DefaultTailBytes) {
		t.Errorf("zero Tail kept %d bytes, want DefaultTailBytes", len(got))
	}
}

func TestTailConcurrentWrites(t *testing.T) {
	t.Parallel()
	tl := NewTail(64)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 100 {
				tl.Write([]byte("abcdefgh\n"))
			}
		})
	}
	wg.Wait()
	if got := tl.String(); !strings.HasPrefix(got, "…abcdefgh\n") || len(got) > 64+len("…") {
		t.Errorf("tail = %q", got)
	}
}

// FuzzTail checks that the tail is always the end of what was written.
func FuzzTail(f *testing.F) {
	f.Add([]byte("hello\nworld"), 4, 3)
	f.Add([]byte("xxé€"), 4, 1)
	f.Fuzz(func(t *testing.T, data []byte, n, chunk int) {
		if n <= 0 || n > 1<<12 || chunk <= 0 {
			t.Skip()
		}
		tl := NewTail(n)
		for rest := data; len(rest) > 0; {
			k := min(chunk, len(rest))
			tl.Write(rest[:k])
			rest = rest[k:]
		}
		got := tl.String()
		if len(data) <= n {
			if got != string(data) {
				t.Fatalf("short input: %q, want %q", got, data)
			}
			return
		}
		kept, ok := strings.CutPrefix(got, "…")
		if !ok || !strings.HasSuffix(string(data), kept) || len(kept) > n {
			t.Fatalf("tail of %q (n=%d) = %q", data, n, got)
		}
	})
}
