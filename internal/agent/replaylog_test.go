package agent

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/looper-go/looper/sinks"
)

// TestLogReplayerShowsWhatRanLive writes real transcripts through the
// emitter, as the runner does, to a multiplexed console and the run log,
// and checks that `looper tail` (sinks.Tail with LogReplayer) prints what
// the console printed, at info and debug level, for all of the log and
// for its last lines, although the log holds each agent line once and no
// derived event: one record per agent line, a JSON line embedded as JSON,
// and no event derived from a line.
func TestLogReplayerShowsWhatRanLive(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		format Format
		file   string
	}{
		{FormatClaude, "claude-ariel-frischer-claude-clean-stream-json-simple.jsonl"},
		{FormatCodex, "codex-jnarowski-agentcmd-stream-output-2.jsonl"},
		{FormatCodex, "codex-unidel2035-hives-issue715-401-reconnect-turn-failed.jsonl"},
		{FormatText, "codex-jordanmnunez-hyperyolo-json-events.jsonl"}, // read as text
	} {
		data, err := os.ReadFile(filepath.Join(transcriptDir, tc.file))
		if err != nil {
			t.Fatal(err)
		}
		data = append(data, "not json at all\n"...)
		for _, level := range []slog.Level{slog.LevelInfo, slog.LevelDebug} {
			live, path := liveAndLog(t, tc.format, data, level)
			checkOneCopy(t, path, bytes.Count(data, []byte("\n")), tc.format != FormatText)
			if !strings.Contains(live, "\n") {
				t.Fatalf("%s: the console showed nothing", tc.file)
			}
			for _, n := range []int{1 << 20, 7} {
				var out bytes.Buffer
				err := sinks.Tail(t.Context(), path, &out, sinks.TailOptions{Lines: n, Level: level, Location: time.UTC, Expand: LogReplayer})
				if err != nil {
					t.Fatal(err)
				}
				lines := strings.SplitAfter(live, "\n")
				want := strings.Join(lines[max(0, len(lines)-1-n):], "")
				if out.String() != want {
					t.Errorf("%s at %v, -n %d: tail shows\n%s\nthe console showed\n%s", tc.file, level, n, out.String(), want)
				}
			}
		}
	}
}

// checkOneCopy checks that the run log at path holds lines records of
// agent output, JSON ones (when json) as JSON values, and nothing derived.
func checkOneCopy(t *testing.T, path string, lines int, isJSON bool) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	raw := 0
	for rec := range strings.Lines(string(data)) {
		var r struct {
			Type  string            `json:"type"`
			Lines []json.RawMessage `json:"lines"`
		}
		if err := json.Unmarshal([]byte(rec), &r); err != nil {
			t.Fatalf("log line %q: %v", rec, err)
		}
		switch r.Type {
		case "raw":
			raw += len(r.Lines)
			for _, l := range r.Lines {
				if isJSON && l[0] == '"' && strings.HasPrefix(string(l), `"{`) {
					t.Errorf("a JSON line logged as a string: %s", l)
				}
			}
		case "assistant_message", "tool", "tool_result", "reasoning", "warning":
			t.Errorf("a derived event in the log: %s", rec)
		}
	}
	if raw != lines {
		t.Errorf("%d records of agent output, want %d", raw, lines)
	}
}

// liveAndLog feeds data through an emitter and parser as the runner does,
// into a multiplexed console at level and a run log, and returns what the
// console showed (without a result line) and the log's path.
func liveAndLog(t *testing.T, format Format, data []byte, level slog.Level) (string, string) {
	t.Helper()
	runLog, err := sinks.OpenRunLog(t.TempDir(), "/p", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	var console bytes.Buffer
	con, err := sinks.New(sinks.ModeMultiplexed, sinks.Options{Out: &console, Level: level, Timestamps: true})
	if err != nil {
		t.Fatal(err)
	}
	events := make(chan sinks.Event, 16)
	done := make(chan error, 1)
	go func() { done <- sinks.Tee(con, runLog.Sink()).Run(context.Background(), events) }()
	em := newEmitter(func(e sinks.Event) { events <- e }, Request{TaskID: "T1", AgentID: "a#1", Attempt: 1, Iteration: 2, Stage: "agents"})
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	em.now = func() time.Time { return at } // derived events carry their line's second, as live ones nearly always do
	p := newParser(format, em.deriving())
	lr := newLineReader(bytes.NewReader(data), DefaultMaxLine)
	for {
		line, _, err := lr.next()
		if errors.Is(err, io.EOF) {
			break
		}
		at = at.Add(time.Second)
		em.raw(line, format, isJSONLine(line, nil))
		p.line(line)
	}
	close(events)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if err := runLog.Close(); err != nil {
		t.Fatal(err)
	}
	live := console.String()
	if i := strings.LastIndex(strings.TrimSuffix(live, "\n"), "\n"); strings.HasPrefix(live[i+1:], "looper:") {
		live = live[:i+1] // the result line, which a log does not hold
	}
	return live, runLog.Path()
}
