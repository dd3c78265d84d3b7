package agent

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/looper-go/looper/internal/proc"
	"github.com/looper-go/looper/sinks"
)

// Short limits keep the subprocess tests fast; runBound is the safety net
// that makes every run end in bounded time (a run cut off by it fails the
// test instead of hanging the suite).
const (
	testGrace = 200 * time.Millisecond
	runBound  = 2 * time.Minute
)

// fakeRun describes one run of the fake agent through the real runner.
type fakeRun struct {
	dialect   string
	scenario  string // a scenario object or a quoted builtin name, for the "default" key
	scenarios string // a whole scenario file, instead of scenario
	spec      func(*Spec)
	req       func(*Request)
	ctx       context.Context
}

// fakeResult is what a fake run produced, with the fake's own record of
// the processes it started.
type fakeResult struct {
	Result
	events  *eventLog
	records []map[string]any
	dir     string
	lastMsg string
	elapsed time.Duration
}

func (r fakeResult) record(event string) map[string]any {
	for _, rec := range r.records {
		if rec["event"] == event {
			return rec
		}
	}
	return nil
}

func runFake(t *testing.T, fr fakeRun) fakeResult {
	t.Helper()
	tmp := t.TempDir()
	work := filepath.Join(tmp, "work")
	if err := os.Mkdir(work, 0o755); err != nil {
		t.Fatal(err)
	}
	scenarios := fr.scenarios
	if scenarios == "" && fr.scenario != "" {
		scenarios = `{"default": ` + fr.scenario + `}`
	}
	recordPath := filepath.Join(tmp, "record.jsonl")
	env := []string{"LOOPER_FAKE_RECORD=" + recordPath}
	if scenarios != "" {
		path := filepath.Join(tmp, "scenarios.json")
		if err := os.WriteFile(path, []byte(scenarios), 0o644); err != nil {
			t.Fatal(err)
		}
		env = append(env, "LOOPER_FAKE_SCENARIOS="+path)
	}
	spec := Spec{Name: fr.dialect, Dialect: Dialect(fr.dialect), Binary: filepath.Join(fakeBin, fr.dialect),
		Timeout: 5 * time.Minute, Grace: testGrace, Env: env} // generous: floods under -race on a loaded machine
	req := Request{
		Prompt:          "Work on the selected task.\n\n- task_id: T1\n- mode: iteration\n",
		Dir:             work,
		LastMessagePath: filepath.Join(tmp, "logs", "run-iter-1-T1.last.json"),
		Contract:        ContractTask,
		TaskID:          "T1", AgentID: fr.dialect + "#1", Attempt: 1, Iteration: 4, Stage: "agents",
	}
	if fr.spec != nil {
		fr.spec(&spec)
	}
	if fr.req != nil {
		fr.req(&req)
	}
	ctx := fr.ctx
	if ctx == nil {
		ctx = t.Context()
	}
	ctx, cancel := context.WithTimeoutCause(ctx, runBound, errors.New("test bound exceeded"))
	defer cancel()
	// The attempt's events travel on its run's stream (Request.Events),
	// as the stages send them, never to the Runner's Emit; the stream is
	// closed once Run has returned, when every event must be in.
	log := &eventLog{}
	req.Events = sinks.OpenStream(t.Context(), sinks.Func(log.emit), 16)
	r := Runner{Emit: func(e sinks.Event) { t.Errorf("event sent to Runner.Emit while the request names a stream: %+v", e) }}
	start := time.Now()
	res := r.Run(ctx, spec, req)
	if err := req.Events.Close(); err != nil {
		t.Fatal(err)
	}
	out := fakeResult{Result: res, events: log, dir: work, elapsed: time.Since(start)}
	if strings.Contains(res.Err, "test bound exceeded") {
		t.Fatalf("the run did not end within %s", runBound)
	}
	if b, err := os.ReadFile(req.LastMessagePath); err == nil {
		out.lastMsg = string(b)
		if fi, _ := os.Stat(req.LastMessagePath); fi.Mode().Perm() != 0o600 {
			t.Errorf("last-message file mode %v, want 0600", fi.Mode().Perm())
		}
	}
	out.records = readRecords(t, recordPath)
	checkNothingLeft(t, out.records)
	checkIdentity(t, log, req)
	return out
}

func readRecords(t *testing.T, path string) []map[string]any {
	t.Helper()
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var recs []map[string]any
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("record line %q: %v", sc.Text(), err)
		}
		recs = append(recs, m)
	}
	return recs
}

// checkNothingLeft proves no process of the attempt survived Run: the
// agent's process group is empty (kill(-pgid, 0) fails with ESRCH) and so
// is every background process it started.
func checkNothingLeft(t *testing.T, recs []map[string]any) {
	t.Helper()
	for _, rec := range recs {
		switch rec["event"] {
		case "start":
			pgid := int(rec["pgid"].(float64))
			if pgid != int(rec["pid"].(float64)) {
				t.Errorf("agent pid %v is not the leader of its group %d", rec["pid"], pgid)
			}
			if err := syscall.Kill(-pgid, 0); !errors.Is(err, syscall.ESRCH) {
				t.Errorf("process group %d still exists after Run (kill: %v)", pgid, err)
			}
		case "background":
			pid := int(rec["pid"].(float64))
			if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
				t.Errorf("background process %d still exists after Run (kill: %v)", pid, err)
			}
		}
	}
}

func checkIdentity(t *testing.T, log *eventLog, req Request) {
	t.Helper()
	for _, e := range log.all() {
		if e.TaskID != req.TaskID || e.AgentID != req.AgentID || e.Attempt != req.Attempt || e.Iteration != req.Iteration || e.Stage != req.Stage {
			t.Fatalf("event without the attempt's identity: %+v", e)
		}
	}
}

var dialects = []string{"claude", "codex"}

// TestFakeScenarios runs every built-in scenario of the fake agent, as both
// claude and codex, through the real runner.
func TestFakeScenarios(t *testing.T) {
	t.Parallel()
	tests := []struct {
		scenario string
		dialects []string // nil: both
		spec     func(*Spec)
		class    Class
		check    func(t *testing.T, r fakeResult)
	}{
		{scenario: "success", class: ClassOK, check: func(t *testing.T, r fakeResult) {
			if r.Summary == nil || r.Summary.Status != "done" || r.Summary.TaskID != "T1" {
				t.Errorf("summary = %+v", r.Summary)
			}
			if r.SessionID == "" || r.Usage.OutputTokens == 0 || r.ExitCode != 0 {
				t.Errorf("session %q, usage %+v, exit %d", r.SessionID, r.Usage, r.ExitCode)
			}
			var summary map[string]any
			if err := json.Unmarshal([]byte(r.lastMsg), &summary); err != nil || summary["status"] != "done" {
				t.Errorf("last-message file = %q (%v)", r.lastMsg, err)
			}
			for _, k := range []sinks.Kind{sinks.KindCommand, sinks.KindText, sinks.KindTool, sinks.KindRaw} {
				if r.events.count(k) == 0 {
					t.Errorf("no %s event", k)
				}
			}
		}},
		{scenario: "noop", class: ClassOK},
		{scenario: "blocked", class: ClassOK, check: func(t *testing.T, r fakeResult) {
			if r.Summary == nil || r.Summary.Status != "blocked" || len(r.Summary.Blockers) != 1 {
				t.Errorf("summary = %+v", r.Summary)
			}
		}},
		{scenario: "delay", class: ClassOK},
		{scenario: "fail", class: ClassCrashed, check: func(t *testing.T, r fakeResult) {
			if r.ExitCode != 3 || !strings.Contains(r.StderrTail, "failed on purpose") || !strings.Contains(r.Err, "failed on purpose") {
				t.Errorf("exit %d, stderr %q, err %q", r.ExitCode, r.StderrTail, r.Err)
			}
		}},
		{scenario: "hang", spec: func(s *Spec) { s.Timeout = time.Second }, class: ClassTimeout, check: func(t *testing.T, r fakeResult) {
			// Once up (it records "start" after catching signals) the fake
			// exits on SIGTERM, as claude does.
			if r.record("start") != nil && (r.ExitCode != 143 || r.record("signal") == nil) {
				t.Errorf("exit %d; the fake should have exited on SIGTERM", r.ExitCode)
			}
		}},
		{scenario: "ignore-sigterm", spec: func(s *Spec) { s.Timeout = time.Second }, class: ClassTimeout, check: func(t *testing.T, r fakeResult) {
			if r.ExitCode != -1 || r.record("exit") != nil {
				t.Errorf("exit %d; the fake should have died of SIGKILL after the grace period", r.ExitCode)
			}
		}},
		{scenario: "huge-line", class: ClassOK, check: func(t *testing.T, r fakeResult) {
			if !hasWarning(r.events, "more than max_line") {
				t.Error("no warning about the truncated line")
			}
		}},
		{scenario: "flood", class: ClassOK, check: func(t *testing.T, r fakeResult) {
			if n := r.events.count(sinks.KindText); n < 20000 {
				t.Errorf("%d text events, want the 20000 flood lines", n)
			}
		}},
		{scenario: "malformed", class: ClassOK, check: func(t *testing.T, r fakeResult) {
			if !hasWarning(r.events, "not ") {
				t.Error("no warning about the malformed lines")
			}
		}},
		{scenario: "partial-line", class: ClassOK},
		{scenario: "truncated", class: ClassAgentError},
		{scenario: "rate-limit", class: ClassRateLimited, check: func(t *testing.T, r fakeResult) {
			if d := time.Until(r.ResetAt); d < 58*time.Minute || d > 61*time.Minute {
				t.Errorf("reset at %v, want about an hour from now", r.ResetAt)
			}
		}},
		{scenario: "auth", class: ClassAuth},
		{scenario: "max-turns", dialects: []string{"claude"}, class: ClassMaxTurns},
		{scenario: "edit", class: ClassOK, check: func(t *testing.T, r fakeResult) {
			b, err := os.ReadFile(filepath.Join(r.dir, "fake-T1.txt"))
			if err != nil || !strings.Contains(string(b), "T1") {
				t.Errorf("edited file: %q, %v", b, err)
			}
			if r.Summary == nil || !slices.Equal(r.Summary.Files, []string{"fake-T1.txt"}) {
				t.Errorf("summary = %+v", r.Summary)
			}
		}},
		{scenario: "crash", class: ClassCrashed, check: func(t *testing.T, r fakeResult) {
			if !strings.Contains(r.Err, "SIGKILL") {
				t.Errorf("err = %q", r.Err)
			}
		}},
		{scenario: "orphan", class: ClassOK, check: func(t *testing.T, r fakeResult) {
			if r.record("background") == nil {
				t.Error("the fake recorded no background process")
			}
		}},
		{scenario: "no-summary", class: ClassNoSummary},
		{scenario: "invalid-summary", class: ClassInvalidSummary, check: func(t *testing.T, r fakeResult) {
			if !strings.Contains(r.lastMsg, `"finished"`) {
				t.Errorf("last message %q should keep the invalid summary", r.lastMsg)
			}
		}},
		{scenario: "wrong-task", class: ClassInvalidSummary},
	}
	for _, tt := range tests {
		ds := tt.dialects
		if ds == nil {
			ds = dialects
		}
		for _, d := range ds {
			t.Run(d+"/"+tt.scenario, func(t *testing.T) {
				t.Parallel()
				r := runFake(t, fakeRun{dialect: d, scenario: `"` + tt.scenario + `"`, spec: tt.spec})
				if r.Class != tt.class {
					t.Fatalf("class = %s (%s), want %s\nstderr: %s", r.Class, r.Err, tt.class, r.StderrTail)
				}
				if tt.check != nil {
					tt.check(t, r)
				}
			})
		}
	}
}

func hasWarning(log *eventLog, substr string) bool {
	for _, e := range log.all() {
		if e.Kind == sinks.KindWarning && strings.Contains(e.Message, substr) {
			return true
		}
	}
	return false
}

func TestFakeIdleTimeout(t *testing.T) {
	t.Parallel()
	for _, d := range dialects {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			// Output every 100ms for a while keeps it alive; then silence.
			// The idle limit is far above the gaps: a loaded CI machine can
			// take seconds to start the fake under -race.
			r := runFake(t, fakeRun{dialect: d,
				scenario: `{"line_delay_ms": 100, "steps": [{"text":"a"},{"text":"b"},{"text":"c"},{"text":"d"},{"text":"e"},{"hang":true}]}`,
				spec:     func(s *Spec) { s.IdleTimeout = 8 * time.Second }})
			if r.Class != ClassIdleTimeout {
				t.Fatalf("class = %s (%s), want idle-timeout", r.Class, r.Err)
			}
			if r.events.count(sinks.KindText) < 5 {
				t.Error("the idle timeout fired while the agent was still talking")
			}
		})
	}
}

func TestFakeCancelled(t *testing.T) {
	t.Parallel()
	for _, d := range dialects {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithCancel(t.Context())
			time.AfterFunc(300*time.Millisecond, cancel)
			r := runFake(t, fakeRun{dialect: d, scenario: `"hang"`, ctx: ctx})
			if r.Class != ClassKilled {
				t.Fatalf("class = %s (%s), want killed", r.Class, r.Err)
			}
		})
	}
}

func TestFakeCancelledBeforeStart(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	r := runFake(t, fakeRun{dialect: "claude", ctx: ctx})
	if r.Class != ClassKilled || r.record("start") != nil {
		t.Fatalf("class = %s (%s), started %v; want killed before starting", r.Class, r.Err, r.record("start") != nil)
	}
}

// TestKillAll is not parallel: KillAll hits every agent of the process.
func TestKillAll(t *testing.T) {
	stop := make(chan struct{})
	defer close(stop)
	go func() { // the second Ctrl-C, once the agent runs
		for proc.Running() == 0 {
			select {
			case <-stop:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
		time.Sleep(100 * time.Millisecond) // let it reach its hang
		KillAll()
	}()
	r := runFake(t, fakeRun{dialect: "claude", scenario: `"ignore-sigterm"`,
		spec: func(s *Spec) { s.Grace = time.Hour }}) // only KillAll can end it in time
	if r.Class != ClassKilled || !strings.Contains(r.Err, "KillAll") {
		t.Fatalf("class = %s (%s), want killed by KillAll", r.Class, r.Err)
	}
}

func TestFakeGrandchildrenAreStopped(t *testing.T) {
	t.Parallel()
	for _, d := range dialects {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			// A background process holding stdout, then a hang: the timeout
			// must take down both, and Run must not wait for the sleep.
			r := runFake(t, fakeRun{dialect: d, scenario: `{"steps":[{"background":["sleep","30"]},{"hang":true}]}`,
				spec: func(s *Spec) { s.Timeout = time.Second }})
			if r.Class != ClassTimeout {
				t.Fatalf("class = %s (%s), want timeout", r.Class, r.Err)
			}
			if r.elapsed > 10*time.Second {
				t.Errorf("Run took %v: it waited for the background sleep", r.elapsed)
			}
		})
	}
}

func TestFakeEscapedProcessHoldingStdout(t *testing.T) {
	t.Parallel()
	// The daemon step has left the group before the agent goes on (Setsid
	// happens before exec returns), so the sweep of the group cannot kill
	// it first, as it could a `setsid` command still starting.
	r := runFake(t, fakeRun{dialect: "claude", scenario: `{"builtin":"noop","steps":[{"daemon":{"argv":["sleep","3"],"hold_stdout":true}},{"summary":{}}]}`})
	// checkNothingLeft cannot vouch for a process that left the group; kill it.
	if rec := r.record("background"); rec != nil {
		_ = syscall.Kill(int(rec["pid"].(float64)), syscall.SIGKILL)
	}
	if r.Class != ClassOK {
		t.Fatalf("class = %s (%s)", r.Class, r.Err)
	}
	// On Linux the sweep finds it by its tag and kills it ("left 1
	// process(es) outside its process group"); elsewhere drain stops
	// reading the pipe it holds ("held open by a process outside ...").
	if !hasWarning(r.events, "outside its process group") {
		t.Error("no warning about the escaped process")
	}
}

func TestFakeMaxTurnsFlag(t *testing.T) {
	t.Parallel()
	r := runFake(t, fakeRun{dialect: "claude",
		scenario: `{"steps":[{"command":{"cmd":"ls"}},{"command":{"cmd":"ls -l"}},{"summary":{}}]}`,
		spec:     func(s *Spec) { s.Args = []string{"--max-turns", "1"} }})
	if r.Class != ClassMaxTurns || !strings.Contains(r.Err, "(1)") {
		t.Fatalf("class = %s (%s), want max-turns at 1", r.Class, r.Err)
	}
}

func TestFakeCommitInItsWorkingDirectory(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git")
	}
	for _, d := range dialects {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			var dir string
			r := runFake(t, fakeRun{dialect: d, scenario: `"commit"`, req: func(req *Request) {
				dir = req.Dir
				for _, args := range [][]string{{"init", "-q"}, {"commit", "-q", "--allow-empty", "-m", "root"}} {
					cmd := exec.Command("git", args...)
					cmd.Dir = dir
					cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@t", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@t")
					if out, err := cmd.CombinedOutput(); err != nil {
						t.Fatalf("git %v: %v\n%s", args, err, out)
					}
				}
			}})
			if r.Class != ClassOK {
				t.Fatalf("class = %s (%s)", r.Class, r.Err)
			}
			out, err := exec.Command("git", "-C", dir, "log", "--format=%s", "-1").Output()
			if err != nil || strings.TrimSpace(string(out)) != "feat(T1): fake change" {
				t.Errorf("last commit %q, %v", out, err)
			}
		})
	}
}

func TestFakeReviewAppendsTasks(t *testing.T) {
	t.Parallel()
	for _, d := range dialects {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			backlog := filepath.Join(t.TempDir(), "todo.json")
			initial := `{"schema_version": 1, "source_files": [], "tasks": [{"id": "T1", "title": "one", "priority": 1, "status": "done"}]}`
			if err := os.WriteFile(backlog, []byte(initial), 0o644); err != nil {
				t.Fatal(err)
			}
			r := runFake(t, fakeRun{dialect: d,
				scenarios: `{"review": {"steps": [{"append_tasks": [{"id": "T2", "title": "found in review"}]}, {"summary": {}}]}}`,
				req: func(req *Request) {
					req.Contract, req.TaskID = ContractReview, ""
					req.Prompt = "Review the backlog.\n"
					req.Env = []string{"LOOPER_MODE=review", "LOOPER_TODO=" + backlog}
				}})
			if r.Class != ClassOK || r.Review == nil || r.Review.AddedTasks != 1 || r.Review.Status != "reviewed" {
				t.Fatalf("class = %s (%s), review %+v", r.Class, r.Err, r.Review)
			}
			b, _ := os.ReadFile(backlog)
			var doc struct {
				Tasks []struct{ ID, Status string }
			}
			if err := json.Unmarshal(b, &doc); err != nil || len(doc.Tasks) != 2 || doc.Tasks[1].ID != "T2" || doc.Tasks[1].Status != "todo" {
				t.Errorf("backlog after review: %s (%v)", b, err)
			}
		})
	}
}

func TestFakeDefaultAndMarker(t *testing.T) {
	t.Parallel()
	for _, d := range dialects {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			r := runFake(t, fakeRun{dialect: d}) // no scenario file: the default
			if r.Class != ClassOK || r.Summary == nil || r.Summary.Status != "done" {
				t.Fatalf("default: class = %s (%s), summary %+v", r.Class, r.Err, r.Summary)
			}
			r = runFake(t, fakeRun{dialect: d, req: func(req *Request) { req.Prompt += "FAKEAGENT: blocked\n" }})
			if r.Summary == nil || r.Summary.Status != "blocked" {
				t.Fatalf("marker: class = %s (%s), summary %+v", r.Class, r.Err, r.Summary)
			}
		})
	}
}

func TestFakeReplaysTranscripts(t *testing.T) {
	t.Parallel()
	abs := func(name string) string {
		p, err := filepath.Abs(filepath.Join(transcriptDir, name))
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		dialect, file string
		exit          int
		class         Class
		text          string
	}{
		{"claude", "claude-charlieyou-claude-agent-sdk-gleam-basic_query.ndjson", 0, ClassOK, "4"},
		{"claude", "claude-ariel-frischer-claude-clean-stream-json-simple.jsonl", 0, ClassOK, "**My question for you:**"},
		{"codex", "codex-jordanmnunez-hyperyolo-json-events.jsonl", 0, ClassOK, "PING"},
		{"codex", "codex-unidel2035-hives-issue715-401-reconnect-turn-failed.jsonl", 1, ClassAuth, ""},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			sc, _ := json.Marshal(map[string]any{"steps": []any{map[string]any{"replay": map[string]any{"path": abs(tt.file)}}}, "exit": tt.exit})
			r := runFake(t, fakeRun{dialect: tt.dialect, scenario: string(sc), req: func(req *Request) { req.Contract = ContractNone }})
			if r.Class != tt.class || !strings.HasPrefix(r.Text, tt.text) {
				t.Fatalf("class = %s (%s), text %q; want %s, %q", r.Class, r.Err, clip(r.Text, 60), tt.class, tt.text)
			}
		})
	}
}

func TestFakeReceivesArgvAndEnv(t *testing.T) {
	t.Parallel()
	for _, d := range dialects {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			var spec Spec
			var req Request
			r := runFake(t, fakeRun{dialect: d, spec: func(s *Spec) {
				s.Model = "m-1"
				if d == "codex" {
					s.Reasoning = "high"
				}
				spec = *s
			}, req: func(rq *Request) { req = *rq }})
			if r.Class != ClassOK {
				t.Fatalf("class = %s (%s)", r.Class, r.Err)
			}
			start := r.record("start")
			var argv []string
			for _, a := range start["argv"].([]any) {
				argv = append(argv, a.(string))
			}
			if want := spec.Argv(req)[1:]; !slices.Equal(argv, want) {
				t.Errorf("argv = %q, want %q", argv, want)
			}
			env := start["env"].(map[string]any)
			want := map[string]string{"LOOPER_TASK_ID": "T1", "LOOPER_AGENT_ID": d + "#1", "LOOPER_ATTEMPT": "1", "LOOPER_ITERATION": "4",
				"LOOPER_LAST_MESSAGE": req.LastMessagePath}
			for k, v := range want {
				if env[k] != v {
					t.Errorf("%s = %v, want %q", k, env[k], v)
				}
			}
			if start["cwd"] != req.Dir || !strings.Contains(start["prompt"].(string), "Work on the selected task.") {
				t.Errorf("cwd %v, prompt %q", start["cwd"], start["prompt"])
			}
		})
	}
}

func TestFakeClaudeRefusesMissingVerbose(t *testing.T) {
	t.Parallel()
	r := runFake(t, fakeRun{dialect: "claude", spec: func(s *Spec) {
		s.Dialect, s.Format = DialectGeneric, FormatClaude
		s.Args = []string{"-p", "--output-format", "stream-json"}
	}})
	if r.Class != ClassCrashed || !strings.Contains(r.Err, "requires --verbose") {
		t.Fatalf("class = %s (%s), want crashed naming --verbose", r.Class, r.Err)
	}
}

func TestFakeClaudeRootRefusal(t *testing.T) {
	t.Parallel()
	if os.Geteuid() != 0 {
		t.Skip("not root")
	}
	r := runFake(t, fakeRun{dialect: "claude", scenario: `{"builtin":"success","refuse_root":true}`})
	if r.Class != ClassCrashed || !strings.Contains(r.Err, "set permission_mode") {
		t.Fatalf("class = %s (%s), want crashed with the fix", r.Class, r.Err)
	}
	r = runFake(t, fakeRun{dialect: "claude", scenario: `{"builtin":"success","refuse_root":true}`, spec: func(s *Spec) { s.PermissionMode = "acceptEdits" }})
	if r.Class != ClassOK {
		t.Fatalf("with a permission mode: class = %s (%s)", r.Class, r.Err)
	}
}

func TestFakeMaxLine(t *testing.T) {
	t.Parallel()
	for _, d := range dialects {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			r := runFake(t, fakeRun{dialect: d, scenario: `{"steps":[{"huge_line": 300000},{"summary":{}}]}`,
				spec: func(s *Spec) { s.MaxLine = 64 << 10 }})
			if r.Class != ClassOK || !hasWarning(r.events, "more than max_line (65536)") {
				t.Fatalf("class = %s (%s); want ok with a truncation warning", r.Class, r.Err)
			}
		})
	}
}

// TestGenericTextAgent runs a shell script as a generic agent: the prompt
// on stdin or as the last argument, the output read as text.
func TestGenericTextAgent(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	script := filepath.Join(dir, "agent.sh")
	body := `#!/bin/sh
if [ -n "$1" ]; then prompt="$1"; else prompt=$(cat); fi
echo "model=$LOOPER_MODEL task=$LOOPER_TASK_ID"
echo "prompt=$prompt"
case "$prompt" in
  *fail*) echo "boom" >&2; exit 4 ;;
esac
printf '{"task_id":"%s","status":"done","summary":"via sh"}\n' "$LOOPER_TASK_ID"
`
	if err := os.WriteFile(script, []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, arg := range []bool{false, true} {
		log := &eventLog{}
		spec := Spec{Name: "sh-agent", Binary: script, Model: "tiny", PromptArg: arg, Grace: testGrace}
		res := (&Runner{Emit: log.emit}).Run(t.Context(), spec, Request{Prompt: "please work", Dir: dir, TaskID: "T5", Contract: ContractTask})
		if res.Class != ClassOK || res.Summary == nil || res.Summary.Summary != "via sh" {
			t.Fatalf("prompt as arg %v: class = %s (%s), summary %+v", arg, res.Class, res.Err, res.Summary)
		}
		if !strings.Contains(res.Text, "model=tiny task=T5") || !strings.Contains(res.Text, "prompt=please work") {
			t.Errorf("text = %q", res.Text)
		}
		if log.count(sinks.KindText) != 3 {
			t.Errorf("%d text events, want 3", log.count(sinks.KindText))
		}
	}
	res := (&Runner{}).Run(t.Context(), Spec{Name: "sh-agent", Binary: script, Grace: testGrace}, Request{Prompt: "please fail", Dir: dir})
	if res.Class != ClassAgentError || res.ExitCode != 4 || !strings.Contains(res.Err, "boom") {
		t.Fatalf("failing script: class = %s (%s), exit %d", res.Class, res.Err, res.ExitCode)
	}
}

func TestStartFailures(t *testing.T) {
	t.Parallel()
	log := &eventLog{}
	r := Runner{Emit: log.emit}
	res := r.Run(t.Context(), Spec{Dialect: DialectClaude, Binary: "looper-no-such-agent"}, Request{})
	if res.Class != ClassCrashed || !strings.Contains(res.Err, "CLAUDE_BIN") || res.ExitCode != -1 {
		t.Errorf("missing binary: class = %s (%s), exit %d", res.Class, res.Err, res.ExitCode)
	}
	res = r.Run(t.Context(), Spec{Dialect: DialectCodex, Binary: filepath.Join(fakeBin, "codex")}, Request{Dir: filepath.Join(t.TempDir(), "gone")})
	if res.Class != ClassCrashed || !strings.Contains(res.Err, "working directory") {
		t.Errorf("missing directory: class = %s (%s)", res.Class, res.Err)
	}
	res = r.Run(t.Context(), Spec{Dialect: DialectClaude, Sandbox: "read-only"}, Request{})
	if res.Class != ClassCrashed || !strings.Contains(res.Err, "sandbox applies to codex only") {
		t.Errorf("invalid spec: class = %s (%s)", res.Class, res.Err)
	}
	if log.count(sinks.KindError) != 3 {
		t.Errorf("%d error events, want one per failure", log.count(sinks.KindError))
	}
}

// TestZeroRunner checks the zero Runner works (events dropped) and that
// Run with no last-message path writes none.
func TestZeroRunner(t *testing.T) {
	t.Parallel()
	var r Runner
	dir := t.TempDir()
	res := r.Run(t.Context(), Spec{Dialect: DialectCodex, Binary: filepath.Join(fakeBin, "codex"), Grace: testGrace},
		Request{Prompt: "- task_id: T3\n", TaskID: "T3", Dir: dir})
	if res.Class != ClassOK {
		t.Fatalf("class = %s (%s)", res.Class, res.Err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("files written to the work dir: %v", entries)
	}
}
