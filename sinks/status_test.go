package sinks

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/looper-go/looper/internal/golden"
)

// scriptState is a RunState with fixed header fields, fed the script's
// events up to (not including) the first one at or after until.
func scriptState(until time.Time) *RunState {
	r := NewRunState()
	r.RunID, r.PID, r.Project, r.Backlog, r.Log = "20250102-100000-42", 42, "/p", "/p/.looper/todo.json", "/logs/p-1234abcd/20250102-100000-42.jsonl"
	r.Start = t0
	for _, e := range script() {
		if !e.Time.Before(until) {
			break
		}
		r.Observe(e)
	}
	return r
}

func marshalStatus(t *testing.T, st *RunStatus) []byte {
	t.Helper()
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(b, '\n')
}

// TestStatusGolden pins the JSON of `looper status --json` (README.md
// documents it as stable): a run in the middle, with a queue, and the same
// run after its end.
func TestStatusGolden(t *testing.T) {
	queue := []QueuedTask{
		{TaskID: "T2", Title: "Add login page", Ready: true}, // running: left out
		{TaskID: "T3", Title: "Write the docs", Ready: true},
		{TaskID: "T4", Title: "Ship it", Ready: false},
	}
	mid := scriptState(at(60)).Snapshot(at(60), queue, false, false)
	golden.Check(t, "status-running.golden", marshalStatus(t, mid))
	if len(mid.RunningTasks) != 1 || mid.RunningTasks[0].TaskID != "T2" || len(mid.Queue) != 2 {
		t.Errorf("running %+v, queue %+v: want T2 running and T3, T4 queued", mid.RunningTasks, mid.Queue)
	}

	var text strings.Builder
	if err := mid.WriteText(&text, time.UTC); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "status-running-text.golden", []byte(text.String()))

	end := scriptState(scriptEnd).Snapshot(scriptEnd, nil, true, false)
	golden.Check(t, "status-finished.golden", marshalStatus(t, end))
	text.Reset()
	if err := end.WriteText(&text, time.UTC); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "status-finished-text.golden", []byte(text.String()))
	if end.State != StateFinished || !strings.HasPrefix(end.Result, "looper: 1 done, 2 blocked") {
		t.Errorf("state %q result %q", end.State, end.Result)
	}
}

func TestRunStateAttempts(t *testing.T) {
	r := scriptState(at(12))
	st := r.Snapshot(at(12), nil, false, false)
	if len(st.RunningTasks) != 2 {
		t.Fatalf("running tasks %+v, want T2 and T10", st.RunningTasks)
	}
	t10 := st.RunningTasks[1]
	if t10.TaskID != "T10" || len(t10.Agents) != 2 || t10.Attempts != 2 {
		t.Fatalf("T10 %+v: want two running attempts", t10)
	}
	if a := t10.Agents[1]; a.AgentID != "codex#2" || a.LastLine != "Found it: a data race in cache.go." || a.Elapsed != 10*time.Second {
		t.Errorf("codex#2 row %+v", a)
	}
	t2 := st.RunningTasks[0]
	if a := t2.Agents[0]; a.LastLine != "warning: [31mdeprecated[0m flag" {
		t.Errorf("T2's last line %q: want the stderr line without its control characters", a.LastLine)
	}

	// The vote's attempts end: their rows go, their usage counts for the
	// task and the run.
	r = scriptState(at(51))
	st = r.Snapshot(at(51), nil, false, false)
	t10 = st.RunningTasks[1]
	if len(t10.Agents) != 0 || t10.Tokens != 12000+3400+15000+4000 || t10.Attempts != 2 {
		t.Errorf("T10 after its attempts %+v", t10)
	}
	if !st.CostEstimated || st.Tokens != t10.Tokens {
		t.Errorf("run tokens %d estimated %v", st.Tokens, st.CostEstimated)
	}
	// Output after an outcome (a hook) does not bring a task back.
	r = scriptState(scriptEnd)
	r.Observe(Event{Time: scriptEnd, Kind: KindCommand, TaskID: "T10", AgentID: "codex#2", Attempt: 1, Message: "hook"})
	for _, rt := range r.Snapshot(scriptEnd, nil, false, false).RunningTasks {
		if rt.TaskID == "T10" {
			t.Errorf("T10 runs again after its outcome: %+v", rt)
		}
	}
}

func TestRunStateDecisionsBounded(t *testing.T) {
	r := NewRunState()
	for i := range 25 {
		r.Observe(Event{Time: at(float64(i)), Kind: KindDecision, TaskID: "T" + string(rune('a'+i)), Status: "done"})
	}
	st := r.Snapshot(at(30), nil, false, false)
	if len(st.RecentDecisions) != recentDecisions || st.LastDecision == nil || st.LastDecision.TaskID != "Ty" || st.RecentDecisions[0].TaskID != "Tp" {
		t.Errorf("decisions %+v last %+v", st.RecentDecisions, st.LastDecision)
	}
}

func TestStatusCheck(t *testing.T) {
	st := scriptState(at(12)).Snapshot(at(12), nil, false, false)
	st.Check(true, at(20))
	if !st.Running || st.State != StateRunning || st.Elapsed != 20*time.Second || st.RunningTasks[0].Agents[0].Elapsed != 19500*time.Millisecond {
		t.Errorf("live run brought to now: %+v", st)
	}
	st.Check(false, at(30))
	if st.Running || st.State != StateVanished {
		t.Errorf("a run whose process is gone: running %v state %q", st.Running, st.State)
	}
	end := scriptState(scriptEnd).Snapshot(scriptEnd, nil, true, true)
	end.Check(false, scriptEnd.Add(time.Hour))
	if end.State != StateInterrupted || end.Elapsed != scriptEnd.Sub(t0) || !strings.HasPrefix(end.Result, "looper: interrupted: ") {
		t.Errorf("ended run: state %q elapsed %v result %q", end.State, end.Elapsed, end.Result)
	}
}

func TestReadStatus(t *testing.T) {
	dir := t.TempDir()
	path := StatePath(filepath.Join(dir, "r1.jsonl"))
	if filepath.Base(path) != "r1.state.json" {
		t.Fatalf("StatePath = %s", path)
	}
	want := scriptState(at(12)).Snapshot(at(12), nil, false, false)
	if err := writeStatus(path, want); err != nil {
		t.Fatal(err)
	}
	got, err := ReadStatus(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(marshalStatus(t, got)) != string(marshalStatus(t, want)) {
		t.Errorf("read back differs:\n%s\nwant\n%s", marshalStatus(t, got), marshalStatus(t, want))
	}
	for _, bad := range []string{"{", `{"schema_version": 99}`} {
		os.WriteFile(path, []byte(bad), 0o600)
		if _, err := ReadStatus(path); err == nil {
			t.Errorf("ReadStatus(%q) succeeded", bad)
		}
	}
}

// FuzzReadStatus: whatever a state file holds, reading it fails cleanly
// or gives a status that encodes again.
func FuzzReadStatus(f *testing.F) {
	b, _ := json.Marshal(scriptState(at(60)).Snapshot(at(60), nil, false, false))
	f.Add(b)
	f.Add([]byte(`{"schema_version":1,"running_tasks":[{"agents":null}]}`))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(dir, "s.state.json")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		st, err := ReadStatus(path)
		if err != nil {
			return
		}
		st.Check(true, t0)
		st.Check(false, t0)
		if _, err := json.Marshal(st); err != nil {
			t.Fatal(err)
		}
	})
}

func TestListRunsStateFile(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"r1.jsonl", "r1.state.json", "r1-T1.last.json"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("{}\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	runs, err := ListRuns(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 1 || len(runs[0].Files) != 3 {
		t.Fatalf("runs %+v: want one run with its log, state and last-message files", runs)
	}
}

// TestStatusRefused: a run refused before its start has no result line,
// and says so.
func TestStatusRefused(t *testing.T) {
	r := NewRunState()
	r.Observe(Event{Time: t0, Kind: KindError, Message: "the working tree is dirty"})
	st := r.Snapshot(at(1), nil, true, false)
	if st.State != StateFinished || st.Result != "" {
		t.Fatalf("state %q result %q", st.State, st.Result)
	}
	var b strings.Builder
	if err := st.WriteText(&b, time.UTC); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "it ended before any task ran; looper tail shows why") {
		t.Errorf("text:\n%s", b.String())
	}
}
