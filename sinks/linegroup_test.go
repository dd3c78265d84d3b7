package sinks

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"
)

// TestRunLogGroupsAgentLines checks that an attempt's stdout lines of one
// second share a record, that any other event of the attempt (a stderr
// line) and a new second close the group, that other attempts and derived
// events do not (other attempts' groups may then come later in the file),
// and that Tail reads every line back in the attempt's
// order, JSON lines as JSON and text lines as text.
func TestRunLogGroupsAgentLines(t *testing.T) {
	t.Parallel()
	l, err := OpenRunLog(t.TempDir(), "/p", t0)
	if err != nil {
		t.Fatal(err)
	}
	line := func(task string, sec float64, raw string) Event {
		return Event{Time: t0.Add(time.Duration(sec * float64(time.Second))), Level: -4, Kind: KindRaw, TaskID: task, AgentID: "claude#1",
			Attempt: 1, Iteration: 1, Format: "claude", Raw: raw, RawJSON: strings.HasPrefix(raw, "{")}
	}
	events := []Event{
		line("T1", 0.1, `{"n":1}`),
		line("T2", 0.2, `{"n":"other"}`),
		{Time: t0, Kind: KindText, TaskID: "T1", AgentID: "claude#1", Attempt: 1, Iteration: 1, Message: "derived", Derived: true},
		line("T1", 0.3, `not json`),
		{Time: t0, Kind: KindStderr, TaskID: "T1", AgentID: "claude#1", Attempt: 1, Iteration: 1, Message: "a warning"},
		line("T1", 0.4, `{"n":3}`),
		line("T1", 1.1, `{"n":4}`),
	}
	ch := make(chan Event, len(events)) // all waiting: one batch
	for _, e := range events {
		ch <- e
	}
	close(ch)
	if err := l.Sink().Run(t.Context(), ch); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(l.Path())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for rec := range strings.Lines(string(data)) {
		var r struct {
			Task  string          `json:"task_id"`
			Type  string          `json:"type"`
			Lines json.RawMessage `json:"lines"`
		}
		if err := json.Unmarshal([]byte(rec), &r); err != nil {
			t.Fatalf("%q: %v", rec, err)
		}
		got = append(got, r.Task+" "+r.Type+" "+string(r.Lines))
	}
	want := []string{
		`T1 raw [{"n":1},"not json"]`,
		`T1 stderr `,
		`T1 raw [{"n":3}]`,
		`T2 raw [{"n":"other"}]`,
		`T1 raw [{"n":4}]`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("records:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	var out bytes.Buffer
	if err := Tail(t.Context(), l.Path(), &out, TailOptions{Lines: 100, Task: "T1", Level: -4, Location: time.UTC}); err != nil {
		t.Fatal(err)
	}
	wantOut := `10:00:00 DBG [T1/claude#1] raw: {"n":1}
10:00:00 DBG [T1/claude#1] raw: not json
10:00:00 INF [T1/claude#1] stderr: a warning
10:00:00 DBG [T1/claude#1] raw: {"n":3}
10:00:01 DBG [T1/claude#1] raw: {"n":4}
`
	if out.String() != wantOut {
		t.Fatalf("tail:\n%s\nwant\n%s", out.String(), wantOut)
	}
}
