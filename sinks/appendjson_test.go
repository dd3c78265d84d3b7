package sinks

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"reflect"
	"strconv"
	"testing"
	"time"
)

// FuzzAppendEvent holds the hand-written encoder to encoding/json: the
// same bytes for the same event, and the same refusals.
func FuzzAppendEvent(f *testing.F) {
	f.Add("T1", "claude#1", "hello \"world\"\n\t\x01\x7f\u2028\xff<&>", "Bash", `{"status":"done"}`, int64(1735812000123456789), 3, int64(-4), 1.5)
	f.Add("", "", "", "", "", int64(0), 0, int64(0), 0.0)
	f.Add("é", "a\\b", "\u2029\u0080", "", "not json", int64(-62135596800000000), -1, int64(12), 1e-7)
	f.Add("x", "y", "z", "t", " [1, 2] ", int64(253402300799999999999/1000), 7, int64(8), 1e21)
	f.Fuzz(func(t *testing.T, task, agent, msg, tool, summary string, nanos int64, n int, level int64, cost float64) {
		e := Event{
			Time: time.Unix(0, nanos).UTC(), Level: slog.Level(level), Kind: Kind(tool), TaskID: task, AgentID: agent,
			Attempt: n, Iteration: -n, Stage: msg, Message: msg, Tool: tool, ExitCode: n, Title: task, Status: agent,
			PrevStatus: tool, Class: msg, Duration: time.Duration(nanos), Votes: task, Winner: agent, Path: msg, Raw: msg,
			Format: tool, Total: n, Summary: json.RawMessage(summary),
		}
		if n%2 == 0 {
			e.Command, e.Files, e.Blockers = []string{task, msg}, []string{agent}, []string{}
			e.Usage = &Usage{InputTokens: nanos, OutputTokens: int64(n), CostUSD: cost, CostEstimated: n%4 == 0}
		}
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetEscapeHTML(false)
		werr := enc.Encode(e)
		got, ok := appendEvent(nil, &e)
		if ok != (werr == nil) {
			t.Fatalf("appendEvent ok = %v, encoding/json: %v", ok, werr)
		}
		if ok && !bytes.Equal(got, want.Bytes()) {
			t.Fatalf("appendEvent:\n%s\nencoding/json:\n%s", got, want.Bytes())
		}
	})
}

// TestAppendEventRawJSON checks that a Raw marked as JSON is embedded as
// a value, and one that is not stays a string.
func TestAppendEventRawJSON(t *testing.T) {
	t.Parallel()
	line := `{"type":"assistant","message":{"content":[{"type":"text","text":"a\nb"}]}}`
	e := Event{Time: time.Unix(0, 0).UTC(), Kind: KindRaw, TaskID: "T1", Raw: line, RawJSON: true, Format: "claude"}
	got, ok := appendEvent(nil, &e)
	want := `{"timestamp":"1970-01-01T00:00:00Z","level":"INFO","type":"raw","task_id":"T1","raw":` + line + `,"format":"claude"}` + "\n"
	if !ok || string(got) != want {
		t.Fatalf("appendEvent = %s, want %s", got, want)
	}
	e.RawJSON, e.Raw = false, "plain text"
	got, _ = appendEvent(nil, &e)
	if !bytes.Contains(got, []byte(`"raw":"plain text"`)) {
		t.Fatalf("appendEvent = %s, want raw as a string", got)
	}
}

// TestAppendEventCoversEveryField sets every field of Event, whatever
// fields it gains, and checks the hand-written encoder writes what
// encoding/json writes: a new field it does not know fails here rather
// than going missing from the run log.
func TestAppendEventCoversEveryField(t *testing.T) {
	t.Parallel()
	var e Event
	v := reflect.ValueOf(&e).Elem()
	for i := range v.NumField() {
		f := v.Field(i)
		switch f.Kind() {
		case reflect.String:
			f.SetString("s" + strconv.Itoa(i))
		case reflect.Int, reflect.Int64:
			f.SetInt(int64(i + 1))
		case reflect.Bool:
			f.SetBool(v.Type().Field(i).Name != "RawJSON")
		case reflect.Slice:
			if f.Type().Elem().Kind() == reflect.String {
				f.Set(reflect.ValueOf([]string{"x" + strconv.Itoa(i)}))
			} else {
				f.SetBytes([]byte(`{"k":1}`))
			}
		case reflect.Pointer:
			f.Set(reflect.New(f.Type().Elem()))
			f.Elem().Field(0).SetInt(7)
		case reflect.Struct: // the time
			f.Set(reflect.ValueOf(time.Unix(1, 2).UTC()))
		default:
			t.Fatalf("field %s of kind %s: teach this test and appendEvent about it", v.Type().Field(i).Name, f.Kind())
		}
	}
	var want bytes.Buffer
	enc := json.NewEncoder(&want)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(e); err != nil {
		t.Fatal(err)
	}
	got, ok := appendEvent(nil, &e)
	if !ok || !bytes.Equal(got, want.Bytes()) {
		t.Fatalf("appendEvent:\n%s\nencoding/json:\n%s", got, want.Bytes())
	}
}
