package fakeagent

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestParseClaude(t *testing.T) {
	t.Parallel()
	ok := []struct {
		args []string
		want options
	}{
		{[]string{"-p", "--output-format", "stream-json", "--verbose", "--dangerously-skip-permissions", "--model", "opus"},
			options{print: true, outputFormat: "stream-json", verbose: true, skipPerms: true, model: "opus"}},
		{[]string{"--print", "--output-format=json", "--permission-mode", "plan", "--max-turns", "3", "hello"},
			options{print: true, outputFormat: "json", permissionMode: "plan", maxTurns: 3, prompt: "hello", hasPrompt: true}},
		{[]string{"-p", "--allowed-tools", "Bash", "Edit", "--verbose", "-r", "--add-dir", "/x"},
			options{print: true, outputFormat: "text", verbose: true}},
		{[]string{"-p", "--", "--not-a-flag", "more"}, options{print: true, outputFormat: "text", prompt: "--not-a-flag more", hasPrompt: true}},
	}
	for _, tt := range ok {
		got, err := parseClaude(tt.args)
		if err != nil {
			t.Errorf("parseClaude(%q): %v", tt.args, err)
			continue
		}
		if got.print != tt.want.print || got.outputFormat != tt.want.outputFormat || got.verbose != tt.want.verbose ||
			got.skipPerms != tt.want.skipPerms || got.model != tt.want.model || got.permissionMode != tt.want.permissionMode ||
			got.maxTurns != tt.want.maxTurns || got.prompt != tt.want.prompt || got.hasPrompt != tt.want.hasPrompt {
			t.Errorf("parseClaude(%q) = %+v, want %+v", tt.args, got, tt.want)
		}
	}
	bad := []struct {
		args []string
		msg  string
		code int
	}{
		{[]string{"-p", "--output-format", "stream-json"}, "requires --verbose", 1},
		{[]string{"-p", "--nope"}, "unknown option '--nope'", 1},
		{[]string{"-p", "--model"}, "argument missing", 1},
		{[]string{"-p", "--verbose=yes"}, "does not take a value", 1},
		{[]string{"-p", "--output-format", "xml"}, "Allowed choices are text, json, stream-json", 1},
		{[]string{"-p", "--max-turns", "zero"}, "positive integer", 1},
		{[]string{"hello"}, "pass -p/--print", 1},
		{[]string{"--version"}, "2.1.328 (Claude Code)", 0},
		{[]string{"-h"}, "Usage: claude", 0},
	}
	for _, tt := range bad {
		_, err := parseClaude(tt.args)
		ue, ok := errors.AsType[*usageError](err)
		if !ok || !strings.Contains(ue.msg, tt.msg) || ue.code != tt.code {
			t.Errorf("parseClaude(%q) = %v, want %q with exit %d", tt.args, err, tt.msg, tt.code)
		}
	}
}

func TestParseCodex(t *testing.T) {
	t.Parallel()
	o, err := parseCodex([]string{"exec", "--json", "-m", "gpt-5", "-c", `model_reasoning_effort="high"`, "--config=approval_policy='never'",
		"-s", "read-only", "--skip-git-repo-check", "-C", "sub", "--output-last-message", "/tmp/x", "-"})
	if err != nil {
		t.Fatal(err)
	}
	if !o.json || o.model != "gpt-5" || o.config["model_reasoning_effort"] != "high" || o.config["approval_policy"] != "never" ||
		o.sandbox != "read-only" || !o.skipGitCheck || o.cd != "sub" || o.lastMessageFile != "/tmp/x" || o.prompt != "-" {
		t.Errorf("parseCodex = %+v", o)
	}
	bad := []struct {
		args []string
		msg  string
		code int
	}{
		{[]string{"--json"}, "only `codex exec`", 2},
		{[]string{"exec", "resume", "--last"}, "not supported", 2},
		{[]string{"exec", "--frob"}, "unexpected argument '--frob'", 2},
		{[]string{"exec", "a", "b"}, "unexpected argument 'b'", 2},
		{[]string{"exec", "-m"}, "a value is required", 2},
		{[]string{"exec", "-c", "novalue"}, "missing '='", 2},
		{[]string{"exec", "-c", "approval_policy=sometimes"}, "unknown variant `sometimes`", 1},
		{[]string{"exec", "-s", "read-only", "-s", "read-only"}, "cannot be used multiple times", 2},
		{[]string{"exec", "--yolo", "--full-auto"}, "cannot be used with", 2},
		{[]string{"exec", "-V"}, "codex-cli 0.169.0", 0},
		{[]string{"--version"}, "codex-cli 0.169.0", 0},
		{[]string{"-V"}, "codex-cli 0.169.0", 0},
	}
	for _, tt := range bad {
		_, err := parseCodex(tt.args)
		ue, ok := errors.AsType[*usageError](err)
		if !ok || !strings.Contains(ue.msg, tt.msg) || ue.code != tt.code {
			t.Errorf("parseCodex(%q) = %v, want %q with exit %d", tt.args, err, tt.msg, tt.code)
		}
	}
}

func TestResolveScenario(t *testing.T) {
	t.Parallel()
	sc, err := resolve(json.RawMessage(`{"builtin":"hang","on_sigterm":"ignore","exit":4}`), "/d")
	if err != nil || sc.OnSigterm != "ignore" || *sc.Exit != 4 || len(sc.Steps) != 2 || !sc.Steps[1].Hang || sc.dir != "/d" {
		t.Errorf("override = %+v, %v", sc, err)
	}
	sc, err = resolve(json.RawMessage(`"partial-line"`), "")
	if err != nil || !sc.NoFinalNewline {
		t.Errorf("builtin by name = %+v, %v", sc, err)
	}
	for raw, want := range map[string]string{
		`"nope"`:                                 `unknown builtin scenario "nope"`,
		`{"steps":[{}]}`:                         "step 1: step has no action",
		`{"steps":[{"text":"a","sleep_ms":1}]}`:  "several actions (sleep_ms, text)",
		`{"on_sigterm":"dance"}`:                 `on_sigterm must be "exit" or "ignore"`,
		`{"stepz":[]}`:                           `unknown field "stepz"`,
		`{"steps":[{"summary":{"colour":"x"}}]}`: `unknown field "colour"`,
	} {
		if _, err := resolve(json.RawMessage(raw), ""); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("resolve(%s) = %v, want %q", raw, err, want)
		}
	}
	for _, name := range Builtins() {
		if _, err := resolve(json.RawMessage(`"`+name+`"`), ""); err != nil {
			t.Errorf("builtin %s: %v", name, err)
		}
	}
}

func TestSelectScenario(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "s.json")
	if err := os.WriteFile(file, []byte(`{"T1":"blocked","review":"flood","default":"noop",
		"T1/claude#2":"fail","T1@2":"hang","T1@2/claude#3":"crash"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	pick := func(prompt string, rc runContext) []Step {
		t.Helper()
		rc.scenarioFile = file
		sc, err := selectScenario(prompt, rc)
		if err != nil {
			t.Fatal(err)
		}
		return sc.Steps
	}
	same := func(a, b []Step) bool { x, _ := json.Marshal(a); y, _ := json.Marshal(b); return bytes.Equal(x, y) }
	if !same(pick("x", runContext{mode: "iteration", taskID: "T1"}), builtins["blocked"].Steps) {
		t.Error("the task's entry was not chosen")
	}
	for _, c := range []struct {
		attempt, agent, want string
	}{
		{"1", "claude#1", "blocked"}, // no more specific entry
		{"1", "claude#2", "fail"},    // the agent's entry
		{"2", "claude#1", "hang"},    // the attempt's entry
		{"2", "claude#2", "fail"},    // agent beats attempt
		{"2", "claude#3", "crash"},   // attempt and agent beat both
	} {
		if !same(pick("x", runContext{mode: "iteration", taskID: "T1", attempt: c.attempt, agentID: c.agent}), builtins[c.want].Steps) {
			t.Errorf("attempt %s of %s: %s was not chosen", c.attempt, c.agent, c.want)
		}
	}
	if !same(pick("x", runContext{mode: "iteration", taskID: "T2"}), builtins["noop"].Steps) {
		t.Error("the default entry was not chosen")
	}
	if !same(pick("x", runContext{mode: "review"}), builtins["flood"].Steps) {
		t.Error("the mode's entry was not chosen")
	}
	if !same(pick("x\n  FAKEAGENT: crash  \ny", runContext{mode: "iteration", taskID: "T1"}), builtins["crash"].Steps) {
		t.Error("the prompt marker did not win")
	}
	if got := pick(`FAKEAGENT: {"steps":[{"final":"inline"}]}`, runContext{mode: "iteration"}); len(got) != 1 || *got[0].Final != "inline" {
		t.Errorf("inline marker scenario = %+v", got)
	}
	sc, err := selectScenario("x", runContext{mode: "bootstrap"})
	if err != nil || !same(sc.Steps, defaultScenario("bootstrap").Steps) {
		t.Errorf("without a file: %+v, %v", sc, err)
	}
	if _, err := selectScenario("x", runContext{mode: "iteration", scenarioFile: filepath.Join(dir, "missing.json")}); err == nil {
		t.Error("a missing scenario file was ignored")
	}
}

func TestRunContextFromPromptAndEnv(t *testing.T) {
	prompt := "Do it.\n- task_id: `T42`\n- mode: review\n- todo_path: .looper/todo.json\n"
	rc := newRunContext("claude", "/proj", prompt)
	if rc.taskID != "T42" || rc.mode != "review" || rc.todoPath != "/proj/.looper/todo.json" {
		t.Errorf("from the prompt: %+v", rc)
	}
	t.Setenv("LOOPER_TASK_ID", "E1")
	t.Setenv("LOOPER_MODE", "iteration")
	t.Setenv("LOOPER_TODO", "/abs/todo.json")
	rc = newRunContext("claude", "/proj", prompt)
	if rc.taskID != "E1" || rc.mode != "iteration" || rc.todoPath != "/abs/todo.json" {
		t.Errorf("env must win: %+v", rc)
	}
}

func TestSummaryText(t *testing.T) {
	t.Parallel()
	a := &agent{rc: runContext{mode: "iteration", taskID: "T1"}, files: []string{"a.go"}}
	if got := a.summaryText(SummaryStep{}); got != `{"task_id":"T1","status":"done","summary":"The fake agent finished T1.","files":["a.go"],"blockers":[]}` {
		t.Errorf("default = %s", got)
	}
	got := a.summaryText(SummaryStep{TaskID: json.RawMessage("null"), Status: "skipped", Fenced: true, Prose: "Nothing to do for {task}.", Extra: map[string]any{"mood": "calm"}})
	want := "Nothing to do for T1.\n\n```json\n" + `{"task_id":null,"status":"skipped","summary":"The fake agent finished T1.","files":["a.go"],"blockers":[],"mood":"calm"}` + "\n```"
	if got != want {
		t.Errorf("overridden =\n%s\nwant\n%s", got, want)
	}
	a.rc.mode, a.added = "review", 2
	if got := a.summaryText(SummaryStep{}); got != `{"status":"reviewed","summary":"The fake agent reviewed the backlog.","added_tasks":2,"files":[]}` {
		t.Errorf("review = %s", got)
	}
	a.rc.mode = "repair"
	if got := a.summaryText(SummaryStep{}); got != "The fake agent finished the repair." {
		t.Errorf("repair = %s", got)
	}
}

func TestBacklogEdits(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "todo.json")
	initial := `{"schema_version":1,"project":{"name":"p"},"source_files":[],"tasks":[` +
		`{"id":"T1","title":"one","priority":2,"status":"todo","tags":["x"],"created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z"}],"zz_extra":true}`
	if err := os.WriteFile(path, []byte(initial), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	a := &agent{rc: runContext{todoPath: path, mode: "review"}, stdout: &out, stderr: &errb, dialect: "codex", opts: options{json: true}, start: time.Now(), rng: rand.New(rand.NewPCG(1, 2))}
	a.out = &lineOut{a: a, w: &out}
	a.d = newCodexWriter(a)
	a.appendTasks([]json.RawMessage{json.RawMessage(`{"title":"two","id":"T2","depends_on":["T1"]}`)})
	a.setStatus("T1", "done")
	a.setStatus("T9", "done") // no such task: reported, not fatal
	if a.added != 1 {
		t.Errorf("added = %d", a.added)
	}
	if !strings.Contains(errb.String(), `no task "T9"`) {
		t.Errorf("stderr = %q", errb.String())
	}
	b, _ := os.ReadFile(path)
	got := string(b)
	for _, want := range []string{
		"{\n  \"schema_version\": 1,\n  \"project\": {\n    \"name\": \"p\"\n  },\n  \"source_files\": [],\n  \"tasks\": [\n",
		`"id": "T1",` + "\n      \"title\": \"one\",\n      \"priority\": 2,\n      \"status\": \"done\",",
		`"id": "T2",` + "\n      \"title\": \"two\",\n      \"priority\": 3,\n      \"status\": \"todo\",\n      \"depends_on\": [\n        \"T1\"\n      ],\n      \"created_at\": ",
		"  \"zz_extra\": true\n}\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("backlog lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, `"updated_at": "2026-01-01T00:00:00Z"`) {
		t.Error("set_status did not stamp updated_at")
	}
	if strings.Count(out.String(), `"type":"command_execution"`) != 6 {
		t.Errorf("each edit should show as a command:\n%s", out.String())
	}
}

func TestOutputFormats(t *testing.T) {
	t.Parallel()
	run := func(dialect string, args ...string) (string, string, int) {
		var out, errb bytes.Buffer
		code := Run(dialect, args, strings.NewReader("- task_id: F1\n"), &out, &errb)
		return out.String(), errb.String(), code
	}
	out, _, code := run("claude", "-p", "--output-format", "json", "--verbose")
	if code != 0 || !strings.HasPrefix(out, `[{"type":"system","subtype":"init"`) || !strings.HasSuffix(out, "}]\n") || strings.Count(out, "\n") != 1 {
		t.Errorf("json --verbose: %d %q", code, out)
	}
	var msgs []map[string]any
	if err := json.Unmarshal([]byte(out), &msgs); err != nil || msgs[len(msgs)-1]["type"] != "result" {
		t.Errorf("json --verbose is not an array ending in the result: %v", err)
	}
	out, _, _ = run("claude", "-p")
	if out != `{"task_id":"F1","status":"done","summary":"The fake agent finished F1.","files":[],"blockers":[]}`+"\n" {
		t.Errorf("text: %q", out)
	}
	out, _, _ = run("claude", "-p", "--output-format", "stream-json", "--verbose", `FAKEAGENT: {"no_final_newline":true,"steps":[{"final":"bye"}]}`)
	if !strings.HasSuffix(out, `"uuid":"`+out[strings.LastIndex(out, `"uuid":"`)+8:]) || strings.HasSuffix(out, "\n") {
		t.Errorf("no_final_newline: the output ends with %q", out[max(0, len(out)-20):])
	}
	if strings.Count(out, "\n") != 2 {
		t.Errorf("no_final_newline changed other lines: %q", out)
	}
	out, errOut, code := run("codex", "exec", "--skip-git-repo-check", "FAKEAGENT: blocked")
	if code != 0 || !strings.Contains(out, `"status":"blocked"`) || !strings.Contains(errOut, "codex\nI cannot finish") {
		t.Errorf("codex human mode: %d %q %q", code, out, errOut)
	}
	_, errOut, code = run("claude", "-p", "   ")
	if code != 1 || !strings.Contains(errOut, "Input must be provided") {
		t.Errorf("empty prompt: %d %q", code, errOut)
	}
	if _, errOut, code = run("gemini"); code != 2 || !strings.Contains(errOut, "unknown dialect") {
		t.Errorf("unknown dialect: %d %q", code, errOut)
	}
}

func TestReplayRelativeToScenarioFile(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "t.jsonl"), []byte("{\"type\":\"turn.started\"}\r\n{\"type\":\"turn.completed\"}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "s.json")
	if err := os.WriteFile(file, []byte(`{"default":{"steps":[{"replay":{"path":"t.jsonl"}}],"exit":5}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("LOOPER_FAKE_SCENARIOS", file)
	var out, errb bytes.Buffer
	code := Run("codex", []string{"exec", "--json", "--skip-git-repo-check", "go"}, nil, &out, &errb)
	want := "{\"type\":\"thread.started\"" // the fake's own first line, then the replay verbatim
	if code != 5 || !strings.HasPrefix(out.String(), want) || !strings.HasSuffix(out.String(), "{\"type\":\"turn.started\"}\n{\"type\":\"turn.completed\"}\n") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out.String(), errb.String())
	}
}

// startFake runs the fake as a real process (this test binary under the
// name claude or codex) with a scenario, and returns it with its stdout.
func startFake(t *testing.T, dialect, scenario string, args ...string) (*exec.Cmd, *bufio.Reader, io.WriteCloser) {
	t.Helper()
	cmd := exec.Command(filepath.Join(binDir, dialect), args...)
	cmd.Env = append(os.Environ(), "LOOPER_TASK_ID=S1")
	if scenario != "" {
		f := filepath.Join(t.TempDir(), "s.json")
		if err := os.WriteFile(f, []byte(`{"default":`+scenario+`}`), 0o644); err != nil {
			t.Fatal(err)
		}
		cmd.Env = append(cmd.Env, "LOOPER_FAKE_SCENARIOS="+f)
	}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	return cmd, bufio.NewReader(stdout), stdin
}

var claudeArgs = []string{"-p", "--output-format", "stream-json", "--verbose"}

func exitCode(t *testing.T, cmd *exec.Cmd) (int, syscall.Signal) {
	t.Helper()
	err := cmd.Wait()
	ws := cmd.ProcessState.Sys().(syscall.WaitStatus)
	if ws.Signaled() {
		return -1, ws.Signal()
	}
	if err != nil && cmd.ProcessState.ExitCode() == 0 {
		t.Fatal(err)
	}
	return cmd.ProcessState.ExitCode(), 0
}

func TestReadsThePromptUntilStdinCloses(t *testing.T) {
	t.Parallel()
	cmd, stdout, stdin := startFake(t, "claude", `"noop"`, claudeArgs...)
	if _, err := io.WriteString(stdin, "the prompt, in parts; "); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _, _ = stdout.ReadString('\n'); close(done) }()
	select {
	case <-done:
		t.Fatal("the fake answered before its stdin was closed")
	case <-time.After(300 * time.Millisecond):
	}
	if _, err := io.WriteString(stdin, "the end\n"); err != nil {
		t.Fatal(err)
	}
	if err := stdin.Close(); err != nil {
		t.Fatal(err)
	}
	<-done
	if code, _ := exitCode(t, cmd); code != 0 {
		t.Errorf("exit %d", code)
	}
}

func TestSignals(t *testing.T) {
	t.Parallel()
	tests := []struct {
		scenario string
		sig      syscall.Signal
		code     int
		killed   bool // still alive 300ms after the signal
	}{
		{`"hang"`, syscall.SIGTERM, 143, false},
		{`"hang"`, syscall.SIGINT, 130, false},
		{`"ignore-sigterm"`, syscall.SIGTERM, 0, true},
		{`"ignore-sigterm"`, syscall.SIGINT, 130, false},
	}
	for _, tt := range tests {
		t.Run(tt.scenario+"/"+tt.sig.String(), func(t *testing.T) {
			t.Parallel()
			cmd, stdout, stdin := startFake(t, "claude", tt.scenario, claudeArgs...)
			_, _ = io.WriteString(stdin, "wait for it\n")
			_ = stdin.Close()
			for range 2 { // init, then the text before the hang
				if _, err := stdout.ReadString('\n'); err != nil {
					t.Fatal(err)
				}
			}
			_ = cmd.Process.Signal(tt.sig)
			exited := make(chan struct{})
			var code int
			var sig syscall.Signal
			go func() { code, sig = exitCode(t, cmd); close(exited) }()
			select {
			case <-exited:
				if tt.killed {
					t.Fatalf("exited (%d) on a signal it should ignore", code)
				}
				if code != tt.code || sig != 0 {
					t.Errorf("exit %d (signal %v), want %d", code, sig, tt.code)
				}
			case <-time.After(300 * time.Millisecond):
				if !tt.killed {
					<-exited
					if code != tt.code {
						t.Errorf("exit %d, want %d", code, tt.code)
					}
					return
				}
				_ = cmd.Process.Kill()
				<-exited
			}
		})
	}
}

func TestCrashAndBackgroundAreRecorded(t *testing.T) {
	t.Parallel()
	record := filepath.Join(t.TempDir(), "rec.jsonl")
	cmd := exec.Command(filepath.Join(binDir, "codex"), "exec", "--json", "--skip-git-repo-check", `FAKEAGENT: {"steps":[{"background":["sleep","0.1"]},{"signal":"KILL"}]}`)
	cmd.Env = append(os.Environ(), "LOOPER_FAKE_RECORD="+record)
	_ = cmd.Run()
	if ws := cmd.ProcessState.Sys().(syscall.WaitStatus); !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("status %v, want death by SIGKILL", cmd.ProcessState)
	}
	b, err := os.ReadFile(record)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], `"event":"start"`) || !strings.Contains(lines[1], `"event":"background"`) {
		t.Errorf("record:\n%s", b)
	}
	var start map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &start); err != nil || start["pgid"] == nil || start["pid"] == nil {
		t.Errorf("start record %s (%v)", lines[0], err)
	}
}
