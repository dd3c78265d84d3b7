package sinks

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// writeScriptLog writes the script to a run log and returns its path.
func writeScriptLog(t *testing.T) string {
	t.Helper()
	l, err := OpenRunLog(t.TempDir(), "/p", t0)
	if err != nil {
		t.Fatal(err)
	}
	if err := runSink(t.Context(), t, l.Sink(), script()); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	return l.Path()
}

// multiplexedLines returns the lines the multiplexed golden file with
// timestamps (Tail always shows them) holds for the script, without the
// summary line.
func multiplexedLines(t *testing.T) []string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "multiplexed-timestamps.golden"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(data), "\n")
	return lines[:len(lines)-2] // the summary line and the "" after it
}

// TestTailLastLines checks that Tail prints exactly the last N lines that
// the multiplexed sink printed for the same events, for every N, with and
// without a task filter.
func TestTailLastLines(t *testing.T) {
	t.Parallel()
	path := writeScriptLog(t)
	all := multiplexedLines(t)
	var t2 []string
	for _, l := range all {
		if regexp.MustCompile(`\[T2[/\]]`).MatchString(l) {
			t2 = append(t2, l)
		}
	}
	for _, tc := range []struct {
		task string
		want []string
	}{{"", all}, {"T2", t2}} {
		for n := 0; n <= len(tc.want)+2; n++ {
			var out bytes.Buffer
			if err := Tail(t.Context(), path, &out, TailOptions{Lines: n, Task: tc.task, Location: time.UTC}); err != nil {
				t.Fatal(err)
			}
			want := strings.Join(tc.want[max(0, len(tc.want)-n):], "")
			if out.String() != want {
				t.Fatalf("Tail(task %q, -n %d) =\n%s\nwant\n%s", tc.task, n, out.String(), want)
			}
		}
	}
}

// TestTailDebugAndColor checks that the level and colour options act.
func TestTailDebugAndColor(t *testing.T) {
	t.Parallel()
	path := writeScriptLog(t)
	var out bytes.Buffer
	if err := Tail(t.Context(), path, &out, TailOptions{Lines: 1000, Level: -4, Color: true, Location: time.UTC}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "raw: {") {
		t.Error("debug level hides raw lines")
	}
	if !strings.Contains(out.String(), "\x1b[38;5;") {
		t.Error("no task colour with Color set")
	}
}

// TestTailUpstreamLog reads a log written by upstream looper (no level, no
// ids, a summary object) and skips a partial last line and junk.
func TestTailUpstreamLog(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "20260101-100000-9.jsonl")
	log := `{"type":"command","timestamp":"2026-01-01T10:00:00Z","command":["codex","exec","--json"]}
{"type":"assistant_message","timestamp":"2026-01-01T10:00:01.5Z","content":"Reading files."}
not json at all

{"type":"tool","timestamp":"2026-01-01T10:00:02Z","tool":"Read","content":"main.go"}
{"type":"error","timestamp":"2026-01-01T10:00:03Z","content":"stderr line","exit_code":2}
{"type":"summary","timestamp":"2026-01-01T10:00:04Z","summary":{"task_id":"T1","status":"done","summary":"Did it.","files":["a.go"]}}
{"type":"assistant_message","timestamp":"2026-01-01T10:00:05Z","content":"half a li`
	os.WriteFile(path, []byte(log), 0o600)
	var out bytes.Buffer
	if err := Tail(t.Context(), path, &out, TailOptions{Lines: 10, Location: time.UTC}); err != nil {
		t.Fatal(err)
	}
	want := `10:00:00 INF $ codex exec --json
10:00:01 INF Reading files.
10:00:02 INF Read main.go
10:00:03 ERR stderr line
10:00:04 INF summary done: Did it. files=1
`
	if out.String() != want {
		t.Errorf("got\n%s\nwant\n%s", out.String(), want)
	}
}

// lockedBuffer is a bytes.Buffer safe for a writer and a reader.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// TestTailFollow follows a log on a fake clock: appended lines show after
// one poll, a partial line waits for its newline, filtered lines stay
// hidden, and cancelling the context ends Tail without error.
func TestTailFollow(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "run.jsonl")
		line := func(task, msg string) string {
			return `{"timestamp":"2025-01-02T10:00:00Z","type":"assistant_message","task_id":"` + task + `","agent_id":"claude#1","content":"` + msg + `"}` + "\n"
		}
		os.WriteFile(path, []byte(line("T1", "one")+line("T2", "other")+line("T1", "two")+`{"timestamp":"2025-01-02T10:00:00Z","ty`), 0o600)
		appendLog := func(s string) {
			f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			f.WriteString(s)
			f.Close()
		}
		ctx, cancel := context.WithCancel(t.Context())
		out := &lockedBuffer{}
		done := make(chan error)
		go func() {
			done <- Tail(ctx, path, out, TailOptions{Lines: 1, Task: "T1", Follow: true, Location: time.UTC})
		}()
		synctest.Wait()
		want := "10:00:00 INF [T1/claude#1] two\n"
		if out.String() != want {
			t.Fatalf("before following: %q", out.String())
		}

		appendLog(`pe":"assistant_message","task_id":"T1","content":"three"}` + "\n" + line("T2", "hidden") + line("T1", "fo"))
		appendLog(line("T1", "four")[:20]) // partial
		time.Sleep(100 * time.Millisecond)
		synctest.Wait()
		want += "10:00:00 INF [T1] three\n10:00:00 INF [T1/claude#1] fo\n"
		if out.String() != want {
			t.Fatalf("after one poll:\n%s\nwant\n%s", out.String(), want)
		}

		appendLog(line("T1", "four")[20:])
		time.Sleep(100 * time.Millisecond)
		synctest.Wait()
		want += "10:00:00 INF [T1/claude#1] four\n"
		if out.String() != want {
			t.Fatalf("after the partial line completed:\n%s\nwant\n%s", out.String(), want)
		}

		cancel()
		if err := <-done; err != nil {
			t.Errorf("Tail after cancel: %v", err)
		}
	})
}

func TestTailMissingFile(t *testing.T) {
	t.Parallel()
	err := Tail(t.Context(), filepath.Join(t.TempDir(), "none.jsonl"), &bytes.Buffer{}, TailOptions{Lines: 5})
	if !os.IsNotExist(err) {
		t.Errorf("Tail(missing) = %v", err)
	}
}

// FuzzReverseLines checks that reading a file's lines backwards, in small
// chunks, gives the same lines and offsets as splitting it forwards, with
// lines over the limit returned as nil.
func FuzzReverseLines(f *testing.F) {
	for _, s := range []string{"", "\n", "a", "a\n", "a\nb", "a\n\nbc\n", "long line here\nx\n", "\n\n\nabc"} {
		f.Add([]byte(s), uint8(3), uint8(5))
	}
	f.Fuzz(func(t *testing.T, data []byte, chunk, maxLen uint8) {
		type line struct {
			text  string
			start int64
			long  bool
		}
		var want []line
		start := int64(0)
		for i, part := range bytes.Split(data, []byte("\n")) {
			_ = i
			want = append(want, line{string(part), start, len(part) > int(maxLen)})
			start += int64(len(part)) + 1
		}
		rl := &reverseLines{r: bytes.NewReader(data), pos: int64(len(data)), max: int(maxLen), chunk: int(chunk) + 1}
		for i := len(want) - 1; i >= 0; i-- {
			got, s, ok, err := rl.next()
			if err != nil || !ok {
				t.Fatalf("line %d: ok=%v err=%v", i, ok, err)
			}
			if s != want[i].start {
				t.Fatalf("line %d starts at %d, want %d", i, s, want[i].start)
			}
			// A line within the limit always comes back whole; a longer one
			// may come back whole if it never had to be gathered past it.
			if got == nil && !want[i].long || got != nil && string(got) != want[i].text {
				t.Fatalf("line %d = %q, want %q (long %v)", i, got, want[i].text, want[i].long)
			}
		}
		if _, _, ok, _ := rl.next(); ok {
			t.Fatal("lines after the start of the file")
		}
	})
}
