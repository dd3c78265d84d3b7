package sinks

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/looper-go/looper/internal/jsonobj"
)

// runRecords runs the script through a records sink in format at level and
// returns its output lines.
func runRecords(t *testing.T, ctx context.Context, format string, level slog.Level, events []Event) []string {
	t.Helper()
	var out bytes.Buffer
	s, err := New(ModeMultiplexed, fixedOptions(Options{Out: &out, Format: format, Level: level, Progress: true, Color: true}))
	if err != nil {
		t.Fatal(err)
	}
	if err := runSink(ctx, t, s, events); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(out.Bytes(), []byte("\x1b")) {
		t.Errorf("%s output contains an escape sequence:\n%q", format, out.String())
	}
	lines := strings.Split(out.String(), "\n")
	if lines[len(lines)-1] != "" {
		t.Fatalf("output does not end with a newline: %q", out.String())
	}
	return lines[:len(lines)-1]
}

// TestJSONIsTheRunLogEncoding checks that the json format prints every
// event at or above the level as the run log would, one per line, and ends
// with a run_result record carrying the summary line's counts.
func TestJSONIsTheRunLogEncoding(t *testing.T) {
	t.Parallel()
	events := script()
	lines := runRecords(t, t.Context(), FormatJSON, slog.LevelDebug, events)
	if len(lines) != len(events)+1 {
		t.Fatalf("%d lines for %d events", len(lines), len(events))
	}
	enc := newEventEncoder()
	for i, e := range events {
		if want := strings.TrimSuffix(string(enc.encode(e)), "\n"); lines[i] != want {
			t.Errorf("line %d = %s\nwant the run log's %s", i, lines[i], want)
		}
		var back Event
		if err := json.Unmarshal([]byte(lines[i]), &back); err != nil {
			t.Fatalf("line %d: %v", i, err)
		}
		e.Time = e.Time.UTC()
		if diff := cmp.Diff(e, back); diff != "" {
			t.Errorf("line %d does not decode to its event (-want +got):\n%s", i, diff)
		}
	}
	var res runResult
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &res); err != nil {
		t.Fatal(err)
	}
	want := runResult{Time: scriptEnd, Level: slog.LevelInfo, Kind: kindRunResult,
		Message: "looper: 1 done, 2 blocked in 11m40s; 1 failed attempt", Done: 1, Blocked: 2, FailedAttempts: 1, Duration: 700 * time.Second}
	if diff := cmp.Diff(want, res); diff != "" {
		t.Errorf("run_result (-want +got):\n%s", diff)
	}

	// At the default level, debug events are left out, as in text.
	if n := len(runRecords(t, t.Context(), FormatJSON, slog.LevelInfo, events)); n != len(events)-2+1 {
		t.Errorf("info level printed %d lines, want %d", n, len(events)-2+1)
	}
}

// TestRunResultInterrupted checks the run_result of a cancelled run with
// a task put back: interrupted, and the other status counted by name.
func TestRunResultInterrupted(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	lines := runRecords(t, ctx, FormatJSON, slog.LevelInfo, []Event{
		{Time: at(1), Kind: KindOutcome, TaskID: "T1", Status: "done"},
		{Time: at(2), Kind: KindOutcome, TaskID: "T2", Status: "todo"},
		{Time: at(3), Kind: KindOutcome, TaskID: "T3", Status: "todo"},
	})
	last := lines[len(lines)-1]
	want := `{"timestamp":"2025-01-02T10:11:40Z","level":"INFO","type":"run_result","content":"looper: interrupted: 1 done, 0 blocked, 2 back to todo in 11m40s","done":1,"blocked":0,"todo":2,"waiting":0,"failed_attempts":0,"interrupted":true,"duration_ns":700000000000}`
	if last != want {
		t.Errorf("run_result =\n%s\nwant\n%s", last, want)
	}
	lf := runRecords(t, ctx, FormatLogfmt, slog.LevelInfo, []Event{{Time: at(2), Kind: KindOutcome, TaskID: "T2", Status: "todo"}})
	if got, want := lf[len(lf)-1], `timestamp=2025-01-02T10:11:40Z level=INFO type=run_result content="looper: interrupted: 0 done, 0 blocked, 1 back to todo in 11m40s" done=0 blocked=0 todo=1 waiting=0 failed_attempts=0 interrupted=true duration_ns=700000000000`; got != want {
		t.Errorf("logfmt run_result =\n%s\nwant\n%s", got, want)
	}
}

// TestLogfmtHasTheJSONFields checks, line by line over the script at debug
// level, that the logfmt format carries exactly the json format's fields
// and values, nested objects as dotted keys.
func TestLogfmtHasTheJSONFields(t *testing.T) {
	t.Parallel()
	js := runRecords(t, t.Context(), FormatJSON, slog.LevelDebug, script())
	lf := runRecords(t, t.Context(), FormatLogfmt, slog.LevelDebug, script())
	if len(js) != len(lf) {
		t.Fatalf("%d json lines, %d logfmt lines", len(js), len(lf))
	}
	for i := range js {
		want := flatten(t, "", []byte(js[i]))
		got, err := parseLogfmt(lf[i])
		if err != nil {
			t.Fatalf("line %d: %v: %s", i, err, lf[i])
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("line %d fields differ (-json +logfmt):\n%s", i, diff)
		}
	}
}

// flatten turns a JSON object into the key/value pairs logfmt should show.
func flatten(t *testing.T, prefix string, js []byte) [][2]string {
	t.Helper()
	fields, err := jsonobj.Fields(js)
	if err != nil {
		t.Fatal(err)
	}
	var kv [][2]string
	for _, f := range fields {
		var v any
		if err := json.Unmarshal(f.Value, &v); err != nil {
			t.Fatal(err)
		}
		switch v := v.(type) {
		case nil:
		case string:
			kv = append(kv, [2]string{prefix + f.Key, v})
		case map[string]any:
			if len(v) > 0 {
				kv = append(kv, flatten(t, prefix+f.Key+".", f.Value)...)
				continue
			}
			kv = append(kv, [2]string{prefix + f.Key, string(f.Value)})
		default:
			kv = append(kv, [2]string{prefix + f.Key, string(f.Value)})
		}
	}
	return kv
}

// parseLogfmt reads one logfmt line back: key=value pairs separated by
// single spaces, values either bare or Go-quoted.
func parseLogfmt(line string) ([][2]string, error) {
	var kv [][2]string
	for line != "" {
		key, rest, ok := strings.Cut(line, "=")
		if !ok || key == "" || strings.ContainsAny(key, " \"") {
			return nil, fmt.Errorf("no key at %q", line)
		}
		var val string
		if strings.HasPrefix(rest, `"`) {
			q, err := strconv.QuotedPrefix(rest)
			if err != nil {
				return nil, err
			}
			if val, err = strconv.Unquote(q); err != nil {
				return nil, err
			}
			rest = rest[len(q):]
		} else {
			val, rest, _ = strings.Cut(rest, " ")
			rest = " " + rest
			if strings.TrimSpace(rest) == "" {
				rest = ""
			}
		}
		kv = append(kv, [2]string{key, val})
		if rest == "" {
			break
		}
		if rest[0] != ' ' || len(rest) == 1 {
			return nil, fmt.Errorf("no space after %s=", key)
		}
		line = rest[1:]
	}
	return kv, nil
}

// FuzzRecordFormats checks that any agent text stays one line in both
// machine formats, reads back unchanged, and reaches the terminal without
// a control character.
func FuzzRecordFormats(f *testing.F) {
	for _, s := range []string{"", "plain", "a\nb\r\n", "\x1b[2J\x1b]0;title\x07", "del\x7f", "c1 \u009b31m \u0085", "= \" \\", "\xff\xfe", "\u2028", "caf\u00e9 \U0001F600"} {
		f.Add(s)
	}
	enc := newEventEncoder()
	f.Fuzz(func(t *testing.T, msg string) {
		js := enc.encode(Event{Time: t0, Kind: KindText, TaskID: "T1", Message: msg})
		for _, format := range []string{FormatJSON, FormatLogfmt} {
			var out []byte
			if format == FormatJSON {
				out = appendJSONSafe(nil, js)
			} else {
				out = appendLogfmt(nil, js)
			}
			body := strings.TrimSuffix(string(out), "\n")
			if strings.ContainsFunc(body, func(r rune) bool { return r < 0x20 || (r >= 0x7f && r <= 0x9f) }) {
				t.Fatalf("%s output has a control character: %q", format, out)
			}
			var got string
			if format == FormatJSON {
				var e Event
				if err := json.Unmarshal(out, &e); err != nil {
					t.Fatalf("json output invalid: %v: %q", err, out)
				}
				got = e.Message
			} else {
				kv, err := parseLogfmt(body)
				if err != nil {
					t.Fatalf("logfmt output unreadable: %v: %q", err, out)
				}
				for _, p := range kv {
					if p[0] == "content" {
						got = p[1]
					}
				}
			}
			// encoding/json turns each invalid UTF-8 byte into U+FFFD.
			q, _ := json.Marshal(msg)
			var want string
			_ = json.Unmarshal(q, &want)
			if got != want {
				t.Fatalf("%s: message %q read back as %q", format, want, got)
			}
		}
	})
}

// TestNewFormats checks the format names and that an unknown one is
// refused with the valid ones named.
func TestNewFormats(t *testing.T) {
	t.Parallel()
	if got := strings.Join(Formats(), ","); got != "text,json,logfmt" {
		t.Errorf("Formats() = %s", got)
	}
	_, err := New(ModeMultiplexed, Options{Out: &bytes.Buffer{}, Format: "xml"})
	if err == nil || err.Error() != `unknown log format "xml": use one of text, json, logfmt` {
		t.Errorf("New with format xml: %v", err)
	}
	_, err = New("fancy", Options{Out: &bytes.Buffer{}, Format: FormatJSON})
	if err == nil || !strings.Contains(err.Error(), `unknown output mode "fancy"`) {
		t.Errorf("New with mode fancy and json: %v", err)
	}
}

// TestCallerAndTimestamps pins the text decorations on single events: the
// time only with Timestamps, stage= only with Caller and a stage.
func TestCallerAndTimestamps(t *testing.T) {
	t.Parallel()
	e := Event{Time: time.Date(2025, 1, 2, 10, 4, 5, 0, time.Local), Kind: KindText, TaskID: "T1", AgentID: "claude#1", Stage: "execute", Message: "hi\nthere"}
	for _, tc := range []struct {
		st   textStyle
		e    Event
		want string
	}{
		{textStyle{}, e, "INF [T1/claude#1] hi\nINF [T1/claude#1] there\n"},
		{textStyle{timestamps: true}, e, "10:04:05 INF [T1/claude#1] hi\n10:04:05 INF [T1/claude#1] there\n"},
		{textStyle{caller: true}, e, "INF [T1/claude#1] hi\nINF [T1/claude#1] there stage=execute\n"},
		{textStyle{caller: true}, Event{Kind: KindOutcome, TaskID: "T1", Status: "done", Duration: time.Second, Stage: "merge"}, "INF [T1] done took=1s stage=merge\n"},
		{textStyle{caller: true}, Event{Kind: KindInfo, Message: "no stage"}, "INF no stage\n"},
	} {
		var out bytes.Buffer
		newFormatter(&out, tc.st).event(tc.e)
		if out.String() != tc.want {
			t.Errorf("%+v: %+v rendered %q, want %q", tc.st, tc.e, out.String(), tc.want)
		}
	}
}
