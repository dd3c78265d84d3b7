package agent

import (
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/google/go-cmp/cmp"
)

type readLine struct {
	Line      string
	Truncated int
}

func readAllLines(t *testing.T, r io.Reader, max int) []readLine {
	t.Helper()
	lr := newLineReader(r, max)
	var out []readLine
	for {
		line, tr, err := lr.next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("next: %v", err)
		}
		out = append(out, readLine{string(line), tr})
	}
}

func TestLineReader(t *testing.T) {
	t.Parallel()
	big := strings.Repeat("x", 200<<10) // longer than bufio's 64 KiB buffer
	tests := []struct {
		name  string
		input string
		max   int
		want  []readLine
	}{
		{"plain lines", "a\nbb\n", 10, []readLine{{"a", 0}, {"bb", 0}}},
		{"a final line without newline is kept", "a\nlast", 10, []readLine{{"a", 0}, {"last", 0}}},
		{"CRLF endings lose the CR", "a\r\nb\r\n", 10, []readLine{{"a", 0}, {"b", 0}}},
		{"blank lines are lines", "\n\na\n", 10, []readLine{{"", 0}, {"", 0}, {"a", 0}}},
		{"a line exactly at the cap is whole", "12345\nx\n", 5, []readLine{{"12345", 0}, {"x", 0}}},
		{"a longer line is truncated and reading goes on", "1234567\nnext\n", 5, []readLine{{"12345", 7}, {"next", 0}}},
		{"a line longer than the buffer is whole under the cap", big + "\nz\n", 1 << 20, []readLine{{big, 0}, {"z", 0}}},
		{"a line longer than buffer and cap is truncated", big + "\nz\n", 1000, []readLine{{big[:1000], len(big)}, {"z", 0}}},
		{"a truncated final line without newline", "ok\n" + big, 10, []readLine{{"ok", 0}, {big[:10], len(big)}}},
		{"nothing", "", 10, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			for name, r := range map[string]io.Reader{
				"whole":     strings.NewReader(tt.input),
				"one byte":  iotest.OneByteReader(strings.NewReader(tt.input)),
				"half":      iotest.HalfReader(strings.NewReader(tt.input)),
				"data+EOF ": iotest.DataErrReader(strings.NewReader(tt.input)),
			} {
				if diff := cmp.Diff(tt.want, readAllLines(t, r, tt.max)); diff != "" {
					t.Errorf("%s reader (-want +got):\n%s", name, diff)
				}
			}
		})
	}
}

func TestLineReaderReportsReadErrors(t *testing.T) {
	t.Parallel()
	boom := errors.New("boom")
	lr := newLineReader(io.MultiReader(strings.NewReader("a\n"), iotest.ErrReader(boom)), 10)
	if line, _, err := lr.next(); err != nil || string(line) != "a" {
		t.Fatalf("first next = %q, %v", line, err)
	}
	if _, _, err := lr.next(); !errors.Is(err, boom) {
		t.Fatalf("second next err = %v, want boom", err)
	}
}

func FuzzLineReader(f *testing.F) {
	f.Add([]byte("a\nbb\r\nccc"), 2)
	f.Add([]byte("\n\n\n"), 1)
	f.Add([]byte(strings.Repeat("y", 70000)+"\nz"), 100)
	f.Fuzz(func(t *testing.T, data []byte, limit int) {
		if limit <= 0 || limit > 1<<20 {
			return
		}
		lr := newLineReader(iotest.HalfReader(strings.NewReader(string(data))), limit)
		total := 0
		for {
			line, tr, err := lr.next()
			if err != nil {
				break
			}
			if len(line) > limit {
				t.Fatalf("line of %d bytes exceeds max %d", len(line), limit)
			}
			if tr != 0 && tr <= limit {
				t.Fatalf("truncated from %d with max %d", tr, limit)
			}
			total += max(len(line), tr) + 1
		}
		// Every byte is part of a returned line, its newline, or a CR
		// dropped before a newline.
		if total+strings.Count(string(data), "\r\n") < len(data) {
			t.Fatalf("accounted for %d of %d bytes", total, len(data))
		}
	})
}
