package sinks

import (
	"bytes"
	"log/slog"
	"os"
	"strings"
	"testing"

	"github.com/looper-go/looper/internal/golden"
)

// TestGolden runs the fixed script through every mode and format, with
// and without colour, timestamps and caller, and compares the exact output
// with testdata/<name>.golden.
func TestGolden(t *testing.T) {
	for _, tc := range []struct {
		name string
		mode string
		o    Options
	}{
		{name: "multiplexed", mode: ModeMultiplexed},
		{name: "multiplexed-color", mode: ModeMultiplexed, o: Options{Color: true}},
		{name: "multiplexed-debug", mode: ModeMultiplexed, o: Options{Level: slog.LevelDebug}},
		{name: "multiplexed-timestamps", mode: ModeMultiplexed, o: Options{Timestamps: true}},
		{name: "multiplexed-caller", mode: ModeMultiplexed, o: Options{Caller: true, Color: true}},
		{name: "buffered", mode: ModeBuffered},
		{name: "buffered-color", mode: ModeBuffered, o: Options{Color: true}},
		{name: "buffered-timestamps", mode: ModeBuffered, o: Options{Timestamps: true, Caller: true}},
		{name: "summary", mode: ModeSummary},
		{name: "summary-color", mode: ModeSummary, o: Options{Color: true}},
		{name: "summary-warn", mode: ModeSummary, o: Options{Level: slog.LevelError}},
		{name: "summary-timestamps", mode: ModeSummary, o: Options{Timestamps: true}},
		{name: "json", mode: ModeMultiplexed, o: Options{Format: FormatJSON}},
		{name: "json-debug", mode: ModeSummary, o: Options{Format: FormatJSON, Level: slog.LevelDebug}},
		{name: "logfmt", mode: ModeBuffered, o: Options{Format: FormatLogfmt}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var out bytes.Buffer
			o := tc.o
			o.Out, o.TempDir = &out, t.TempDir()
			s, err := New(tc.mode, fixedOptions(o))
			if err != nil {
				t.Fatal(err)
			}
			if err := runSink(t.Context(), t, s, script()); err != nil {
				t.Fatal(err)
			}
			golden.Check(t, tc.name+".golden", out.Bytes())
			if !tc.o.Color && bytes.Contains(out.Bytes(), []byte("\x1b")) {
				t.Errorf("output without colour contains an escape sequence:\n%q", out.String())
			}
		})
	}
}

// TestBufferedSpillsToDisk checks that a buffered sink whose blocks spill
// after a few bytes prints exactly what the in-memory one prints, and
// leaves no temp file behind.
func TestBufferedSpillsToDisk(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var out bytes.Buffer
	s, err := New(ModeBuffered, fixedOptions(Options{Out: &out, TempDir: dir, SpillBytes: 40}))
	if err != nil {
		t.Fatal(err)
	}
	if err := runSink(t.Context(), t, s, script()); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "buffered.golden", out.Bytes())
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("temp files left behind: %v", left)
	}
}

// TestBufferedCannotSpill checks that when the temp dir is unusable, a
// buffered sink shows the attempt's held output and then the rest as it
// comes, with a warning, and loses nothing.
func TestBufferedCannotSpill(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	s, err := New(ModeBuffered, fixedOptions(Options{Out: &out, TempDir: "/nonexistent/looper-test", SpillBytes: 100}))
	if err != nil {
		t.Fatal(err)
	}
	var events []Event
	for i := range 10 {
		events = append(events, Event{Time: at(float64(i)), Kind: KindText, TaskID: "T1", AgentID: "claude#1", Attempt: 1, Message: strings.Repeat("x", 30) + string(rune('a'+i))})
	}
	events = append(events, Event{Time: at(20), Kind: KindOutcome, TaskID: "T1", Status: "done"})
	if err := runSink(t.Context(), t, s, events); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	for i := range 10 {
		if n := strings.Count(got, strings.Repeat("x", 30)+string(rune('a'+i))+"\n"); n != 1 {
			t.Errorf("line %d shown %d times:\n%s", i, n, got)
		}
	}
	if !strings.Contains(got, "WRN [T1/claude#1] output no longer held, shown as it comes: cannot spill held output to disk") {
		t.Errorf("no warning about the failed spill:\n%s", got)
	}
	if !strings.HasSuffix(got, "INF [T1] done\nlooper: 1 done, 0 blocked in 11m40s\n") {
		t.Errorf("wrong ending:\n%s", got)
	}
}
