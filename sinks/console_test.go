package sinks

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// screen is a fake terminal: it records what a sink writes and replays it
// the way a terminal would, handling "\r", "\x1b[K" and "\n".
type screen struct {
	mu  sync.Mutex
	raw bytes.Buffer
}

func (s *screen) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.raw.Write(p)
}

// lines returns the finished lines on screen and the current, unfinished
// line (where a progress line sits).
func (s *screen) lines() (done []string, current string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var line []rune
	cursor := 0
	data := s.raw.String()
	for len(data) > 0 {
		switch {
		case strings.HasPrefix(data, "\x1b[K"):
			line = line[:cursor]
			data = data[3:]
			continue
		case data[0] == '\r':
			cursor = 0
		case data[0] == '\n':
			done = append(done, string(line))
			line, cursor = nil, 0
		default:
			r := []rune(data)[0]
			if cursor < len(line) {
				line[cursor] = r
			} else {
				line = append(line, r)
			}
			cursor++
			data = data[len(string(r)):]
			continue
		}
		data = data[1:]
	}
	return done, string(line)
}

// TestProgressLine checks, on a fake terminal with a fake clock, that the
// progress line shows done/total, elapsed time and the running tasks with
// their agents and time, is redrawn in place, and is erased before every other line, so no line on screen ever
// contains a piece of it.
func TestProgressLine(t *testing.T) {
	for _, mode := range []string{ModeMultiplexed, ModeSummary} {
		t.Run(mode, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				scr := &screen{}
				s, err := New(mode, Options{Out: scr, Progress: true, Total: 3})
				if err != nil {
					t.Fatal(err)
				}
				ch := make(chan Event)
				done := make(chan error)
				go func() { done <- s.Run(t.Context(), ch) }()
				send := func(e Event) {
					e.Time = time.Now()
					ch <- e
					synctest.Wait()
				}
				wantCurrent := func(want string) {
					t.Helper()
					if _, cur := scr.lines(); cur != want {
						t.Errorf("progress line = %q, want %q", cur, want)
					}
				}

				send(Event{Kind: KindStatus, TaskID: "T1", PrevStatus: "todo", Status: "doing"})
				wantCurrent("") // not drawn before the first tick
				time.Sleep(progressInterval)
				synctest.Wait()
				wantCurrent("looper: 0/3 done, 0s: T1 0s")

				send(Event{Kind: KindStatus, TaskID: "T2", PrevStatus: "todo", Status: "doing"})
				wantCurrent("") // erased by the line just written
				time.Sleep(2 * time.Second)
				synctest.Wait()
				wantCurrent("looper: 0/3 done, 2s: T1 2s, T2 2s")
				redraws := strings.Count(scr.raw.String(), clearLine+"looper:")

				time.Sleep(3 * progressInterval) // same text: nothing redrawn
				synctest.Wait()
				if n := strings.Count(scr.raw.String(), clearLine+"looper:"); n != redraws {
					t.Errorf("an unchanged progress line was redrawn %d times", n-redraws)
				}

				send(Event{Kind: KindText, TaskID: "T1", AgentID: "claude#1", Attempt: 1, Message: "working"})
				send(Event{Kind: KindText, TaskID: "T2", AgentID: "codex#1", Attempt: 1, Message: "working"})
				send(Event{Kind: KindOutcome, TaskID: "T1", Status: "done"})
				send(Event{Kind: KindInfo, Message: "a review added a task", Total: 4})
				time.Sleep(progressInterval)
				synctest.Wait()
				wantCurrent("looper: 1/4 done, 3s: T2 codex#1 2s")

				close(ch)
				if err := <-done; err != nil {
					t.Fatal(err)
				}
				lines, cur := scr.lines()
				if cur != "" {
					t.Errorf("progress line left on screen: %q", cur)
				}
				for _, l := range lines {
					if strings.Contains(l, " done, ") && !strings.HasPrefix(l, "looper: 1 done, 0 blocked") {
						t.Errorf("progress garbled a line: %q", l)
					}
				}
				if last := lines[len(lines)-1]; last != "looper: 1 done, 0 blocked in 3s" {
					t.Errorf("summary line = %q", last)
				}
			})
		})
	}
}

// TestProgressOffDrawsNothing checks that without Progress no control
// sequence is written, whatever happens.
func TestProgressOffDrawsNothing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		scr := &screen{}
		s, _ := New(ModeMultiplexed, Options{Out: scr})
		ch := make(chan Event)
		done := make(chan error)
		go func() { done <- s.Run(t.Context(), ch) }()
		ch <- Event{Kind: KindStatus, TaskID: "T1", Status: "doing"}
		time.Sleep(5 * time.Second)
		close(ch)
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if strings.Contains(scr.raw.String(), "\r") {
			t.Errorf("progress drawn with Progress off: %q", scr.raw.String())
		}
	})
}

// TestInterrupted checks that a sink whose context is cancelled keeps
// reading until the stream closes, shows the wind-down events, says
// "stopping" on the progress line and "interrupted" in its summary line.
func TestInterrupted(t *testing.T) {
	for _, mode := range Names() {
		t.Run(mode, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				scr := &screen{}
				s, _ := New(mode, Options{Out: scr, Progress: true})
				ctx, cancel := context.WithCancel(t.Context())
				ch := make(chan Event)
				done := make(chan error)
				go func() { done <- s.Run(ctx, ch) }()
				ch <- Event{Kind: KindStatus, TaskID: "T1", Status: "doing"}
				cancel()
				time.Sleep(time.Second)
				synctest.Wait()
				if mode != ModeBuffered {
					if _, cur := scr.lines(); cur != "looper: stopping, 0/1 done, 1s: T1" {
						t.Errorf("progress line = %q", cur)
					}
				}
				ch <- Event{Kind: KindOutcome, TaskID: "T1", Status: "todo", Message: "interrupted, put back"}
				close(ch)
				if err := <-done; err != nil {
					t.Fatal(err)
				}
				lines, _ := scr.lines()
				want := "looper: interrupted: 0 done, 0 blocked, 1 back to todo in 1s"
				if lines[len(lines)-1] != want {
					t.Errorf("summary line = %q, want %q", lines[len(lines)-1], want)
				}
			})
		})
	}
}

// failingWriter fails every write after the first n.
type failingWriter struct {
	n      int
	writes int
}

func (w *failingWriter) Write(p []byte) (int, error) {
	w.writes++
	if w.writes > w.n {
		return 0, fmt.Errorf("write %d: broken pipe", w.writes)
	}
	return len(p), nil
}

// TestWriteErrorStillDrains checks that a sink whose output fails keeps
// reading every event (so emitters never block), stops writing, and
// returns the first error.
func TestWriteErrorStillDrains(t *testing.T) {
	for _, mode := range Names() {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			w := &failingWriter{n: 2}
			s, _ := New(mode, fixedOptions(Options{Out: w, TempDir: t.TempDir()}))
			err := runSink(t.Context(), t, s, script())
			if err == nil || !strings.Contains(err.Error(), "write 3: broken pipe") {
				t.Errorf("Run() = %v, want the third write's error", err)
			}
			if w.writes > 3 {
				t.Errorf("%d writes after the first error", w.writes-3)
			}
		})
	}
}
