package sinks

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzAppendClean checks that no terminal control character survives
// cleaning, that text without any is left unchanged, and that the result
// is never shorter than the input (nothing is silently dropped).
func FuzzAppendClean(f *testing.F) {
	for _, s := range []string{"plain text", "tab\there", "\x1b[31mred\x1b[0m", "cr\rlf\n", "\x7f\x00", "caf\u00e9 \u009b1m", "\xc2", "\xc2\x9b", "ünïcødé"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := string(appendClean([]byte("pre:"), s))
		if !strings.HasPrefix(got, "pre:") {
			t.Fatalf("prefix lost: %q", got)
		}
		got = got[4:]
		for i := 0; i < len(got); i++ {
			c := got[i]
			if (c < 0x20 && c != '\t') || c == 0x7f {
				t.Fatalf("control byte %#x left in %q (from %q)", c, got, s)
			}
			if c == 0xc2 && i+1 < len(got) && got[i+1] >= 0x80 && got[i+1] <= 0x9f {
				t.Fatalf("C1 control left in %q (from %q)", got, s)
			}
		}
		if len(got) < len(s) {
			t.Fatalf("cleaned %q to shorter %q", s, got)
		}
		clean := true
		for _, r := range s {
			if (r < 0x20 && r != '\t') || (r >= 0x7f && r <= 0x9f) {
				clean = false
			}
		}
		if clean && utf8.ValidString(s) && got != s {
			t.Fatalf("clean text %q changed to %q", s, got)
		}
	})
}

func TestFormatHelpers(t *testing.T) {
	t.Parallel()
	for d, want := range map[time.Duration]string{
		0: "0s", 1499 * time.Microsecond: "1ms", 999 * time.Millisecond: "999ms",
		1500 * time.Millisecond: "2s", 90 * time.Minute: "1h30m0s",
	} {
		if got := fmtDuration(d); got != want {
			t.Errorf("fmtDuration(%v) = %q, want %q", d, got, want)
		}
	}
	for c, want := range map[float64]string{0: "-", 0.004: "<$0.01", 0.005: "$0.01", 1.234: "$1.23", 12: "$12.00"} {
		if got := fmtCost(c); got != want {
			t.Errorf("fmtCost(%v) = %q, want %q", c, got, want)
		}
	}
	for n, want := range map[int64]string{0: "-", 7: "7", 999: "999", 1000: "1,000", 1234567: "1,234,567", -1234: "-1,234"} {
		if got := fmtTokens(n); got != want {
			t.Errorf("fmtTokens(%d) = %q, want %q", n, got, want)
		}
	}
	if got := truncate("abcdef", 4); got != "abc…" {
		t.Errorf("truncate = %q", got)
	}
}

// TestRenderKinds pins the one-line form of the kinds the script does not
// cover.
func TestRenderKinds(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		e    Event
		want string
	}{
		{Event{Kind: KindTool, Tool: "Glob"}, "INF Glob\n"},
		{Event{Kind: KindTool, Message: "x"}, "INF tool: x\n"},
		{Event{Kind: KindTool, Tool: "exec_command", Message: "ls -la"}, "INF $ ls -la\n"},
		{Event{Kind: KindCommand, Message: "claude exited with status 3: crashed", ExitCode: 3}, "INF claude exited with status 3: crashed exit=3\n"},
		{Event{Kind: KindCommand, Command: []string{"make"}, Message: "killed"}, "INF $ make (killed)\n"},
		{Event{Kind: KindStatus, TaskID: "T1", Status: "blocked"}, "INF [T1] status blocked\n"},
		{Event{Kind: KindOutcome, TaskID: "T1", Message: "why"}, "INF [T1] finished (why)\n"},
		{Event{Kind: KindDecision, TaskID: "T1"}, "INF [T1] decided\n"},
		{Event{Kind: KindSummary, Message: "no json"}, "INF summary: no json\n"},
		{Event{Kind: KindSummary, Summary: []byte(`{"status":"reviewed","summary":"ok","added_tasks":2}`)}, "INF summary reviewed: ok added_tasks=2\n"},
		{Event{Kind: KindSummary, Summary: []byte(`[1,2]`)}, "INF summary: [1,2]\n"},
		{Event{Kind: KindWarning, Message: "two\nlines"}, "WRN two\nWRN lines\n"},
		{Event{Kind: KindError, Level: slog.LevelWarn, Message: "e"}, "ERR e\n"},
		{Event{Kind: KindText, Message: ""}, "INF \n"},
		{Event{Kind: KindText, AgentID: "codex#1", Message: "no task"}, "INF [codex#1] no task\n"},
		{Event{Kind: "custom", Message: "m", Path: "/x"}, "INF m path=/x\n"},
		{Event{Kind: KindText, TaskID: "T\x1b1", Message: "id with ESC"}, "INF [T^[1] id with ESC\n"},
	} {
		var out bytes.Buffer
		f := newFormatter(&out, textStyle{level: slog.LevelDebug})
		f.event(tc.e)
		if got := strings.ReplaceAll(out.String(), "DBG", "INF"); got != tc.want {
			t.Errorf("%+v rendered %q, want %q", tc.e, got, tc.want)
		}
	}
}

// TestTaskColorStable checks that a task keeps its colour and that the
// palette spreads tasks.
func TestTaskColorStable(t *testing.T) {
	t.Parallel()
	seen := make(map[uint8]bool)
	for i := range 100 {
		id := "T" + strings.Repeat("x", i)
		if taskColor(id) != taskColor(id) {
			t.Fatal("colour not stable")
		}
		seen[taskColor(id)] = true
	}
	if len(seen) < len(taskPalette)/2 {
		t.Errorf("100 tasks used only %d colours", len(seen))
	}
}
