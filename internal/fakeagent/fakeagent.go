package fakeagent

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"time"
)

// Main is the entry point of a binary (or testscript command) named
// "claude" or "codex": the dialect is the base name it was invoked under
// (LOOPER_FAKE_DIALECT overrides it), the arguments are os.Args[1:]. It
// exits with the fake agent's status.
func Main() {
	dialect := strings.TrimSuffix(filepath.Base(os.Args[0]), ".exe")
	if d := os.Getenv("LOOPER_FAKE_DIALECT"); d != "" {
		dialect = d
	}
	os.Exit(Run(dialect, os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// Run behaves like the agent CLI named by dialect ("claude" or "codex")
// invoked with args: it validates the flags as the real CLI does, reads the
// prompt (argument or stdin), picks a scenario, writes the dialect's stream
// to stdout and returns the exit status. SIGTERM and SIGINT end it with
// status 143 and 130 unless the scenario ignores SIGTERM.
func Run(dialect string, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	// Catch signals first: a runner may stop the fake while it starts.
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	defer signal.Stop(sigs)
	var opts options
	var err error
	switch dialect {
	case "claude":
		opts, err = parseClaude(args)
	case "codex":
		opts, err = parseCodex(args)
	default:
		fmt.Fprintf(stderr, "fakeagent: unknown dialect %q; invoke me as claude or codex\n", dialect)
		return 2
	}
	if ue, ok := errors.AsType[*usageError](err); ok {
		w := stderr
		if ue.code == 0 {
			w = stdout
		}
		fmt.Fprintln(w, ue.msg)
		return ue.code
	}

	cwd, _ := os.Getwd()
	if dialect == "codex" {
		if opts.fullAuto {
			fmt.Fprintln(stderr, "warning: `--full-auto` is deprecated; use `--sandbox workspace-write` instead.")
		}
		if opts.cd != "" {
			if !filepath.IsAbs(opts.cd) {
				opts.cd = filepath.Join(cwd, opts.cd)
			}
			cwd = opts.cd
		}
	}

	prompt := opts.prompt
	if !opts.hasPrompt || (dialect == "codex" && prompt == "-") {
		if dialect == "codex" {
			fmt.Fprintln(stderr, "Reading prompt from stdin...")
		}
		b, err := io.ReadAll(stdin)
		if err != nil {
			fmt.Fprintf(stderr, "fakeagent: read prompt: %v\n", err)
			return 1
		}
		prompt = string(b)
	}
	if strings.TrimSpace(prompt) == "" {
		if dialect == "claude" {
			fmt.Fprintln(stderr, "Error: Input must be provided either through stdin or as a prompt argument when using --print")
		} else {
			fmt.Fprintln(stderr, "No prompt provided. Either specify one as an argument or pipe the prompt into stdin.")
		}
		return 1
	}

	rc := newRunContext(dialect, cwd, prompt)
	if dialect == "codex" && !opts.skipGitCheck && !insideGitRepo(cwd) {
		fmt.Fprintln(stderr, "Not inside a trusted directory and --skip-git-repo-check was not specified.")
		return 1
	}
	sc, err := selectScenario(prompt, rc)
	if err != nil {
		fmt.Fprintf(stderr, "fakeagent: %v\n", err)
		return 2
	}
	if dialect == "claude" && opts.skipPerms && sc.RefuseRoot && os.Geteuid() == 0 && os.Getenv("IS_SANDBOX") != "1" {
		fmt.Fprintln(stderr, "--dangerously-skip-permissions cannot be used with root/sudo privileges for security reasons")
		return 1
	}

	a := &agent{
		rc: rc, opts: opts, sc: sc, dialect: dialect, stdout: stdout, stderr: stderr,
		prompt: prompt, start: time.Now(),
		sigs: sigs,
	}
	h := fnv.New64a()
	io.WriteString(h, dialect+"\x00"+prompt)
	a.rng = rand.New(rand.NewPCG(h.Sum64(), 0x100))
	a.out = &lineOut{a: a, w: stdout, delay: time.Duration(sc.LineDelayMS) * time.Millisecond, holdLast: sc.NoFinalNewline}
	a.record(map[string]any{"event": "start", "dialect": dialect, "argv": args, "cwd": cwd, "prompt": prompt,
		"pgid": pgid(), "task_id": rc.taskID, "mode": rc.mode, "env": looperEnv(), "config": opts.config})
	code := a.run()
	a.record(map[string]any{"event": "exit", "code": code})
	return code
}

// runContext is what the fake knows about the attempt, from looper's env
// variables or, when they are absent, the prompt's context block.
type runContext struct {
	cwd          string
	mode         string
	taskID       string
	agentID      string // LOOPER_AGENT_ID, as "claude#2"
	attempt      string // LOOPER_ATTEMPT, the run of the task in this looper run
	todoPath     string
	scenarioFile string
	recordFile   string
	fallback     string // LOOPER_FAKE_DEFAULT: the builtin run in iteration mode when nothing else selects one
}

var contextLineRE = regexp.MustCompile(`(?m)^\s*-\s*(task_id|mode|todo_path):\s*(.*?)\s*$`)

func newRunContext(dialect, cwd, prompt string) runContext {
	rc := runContext{
		cwd:          cwd,
		mode:         os.Getenv("LOOPER_MODE"),
		taskID:       os.Getenv("LOOPER_TASK_ID"),
		agentID:      os.Getenv("LOOPER_AGENT_ID"),
		attempt:      os.Getenv("LOOPER_ATTEMPT"),
		todoPath:     os.Getenv("LOOPER_TODO"),
		scenarioFile: os.Getenv("LOOPER_FAKE_SCENARIOS"),
		recordFile:   os.Getenv("LOOPER_FAKE_RECORD"),
		fallback:     os.Getenv("LOOPER_FAKE_DEFAULT"),
	}
	for _, m := range contextLineRE.FindAllStringSubmatch(prompt, -1) {
		v := strings.Trim(m[2], "`\"'")
		switch m[1] {
		case "task_id":
			if rc.taskID == "" {
				rc.taskID = v
			}
		case "mode":
			if rc.mode == "" {
				rc.mode = v
			}
		case "todo_path":
			if rc.todoPath == "" {
				rc.todoPath = v
			}
		}
	}
	if rc.mode == "" {
		rc.mode = "iteration"
	}
	if rc.todoPath != "" && !filepath.IsAbs(rc.todoPath) {
		rc.todoPath = filepath.Join(cwd, rc.todoPath)
	}
	return rc
}

func insideGitRepo(dir string) bool {
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, ".git")); err == nil {
			return true
		}
		if filepath.Dir(d) == d {
			return false
		}
	}
}

func pgid() int {
	g, err := syscall.Getpgid(os.Getpid())
	if err != nil {
		return 0
	}
	return g
}

func looperEnv() map[string]string {
	env := map[string]string{}
	for _, kv := range os.Environ() {
		if k, v, ok := strings.Cut(kv, "="); ok && strings.HasPrefix(k, "LOOPER_") {
			env[k] = v
		}
	}
	return env
}

// agent is one run of the fake.
type agent struct {
	rc      runContext
	opts    options
	sc      Scenario
	dialect string
	stdout  io.Writer
	stderr  io.Writer
	out     *lineOut
	prompt  string
	start   time.Time
	sigs    chan os.Signal
	rng     *rand.Rand
	d       dialectWriter

	files      []string // files written, as given
	added      int      // tasks appended to the backlog
	lastText   string
	terminated bool // the turn's end was written
	failed     bool // … as a failure
	turns      int
}

// dialectWriter renders the scenario's actions in one CLI's stream format.
type dialectWriter interface {
	begin()
	text(s string)
	reasoning(s string)
	tool(t ToolStep)
	command(cmd, output string, exitCode int)
	fileChange(abs string, content string, created bool)
	// success writes final as the agent's last message and ends the turn.
	success(final string, say bool)
	fail(msg, subtype string)
	rateLimit(reset time.Time)
	auth(msg string)
	maxTurns(turns int) error
	hugeLine(n int)
	floodLine(i int)
	malformed()
	// end is called once before exit (claude's json/text output formats
	// print their document here).
	end()
}

// exitNow unwinds a run from deep inside a write or a pause when a signal
// or a dead stdout ends it; run recovers it. It never leaves the package.
type exitNow struct{ code int }

func (a *agent) run() (code int) {
	defer func() {
		if r := recover(); r != nil {
			e, ok := r.(exitNow)
			if !ok {
				panic(r)
			}
			code = e.code
		}
	}()
	if a.dialect == "claude" {
		a.d = newClaudeWriter(a)
	} else {
		a.d = newCodexWriter(a)
	}
	a.d.begin()
	for _, st := range a.sc.Steps {
		if stop, c := a.step(st); stop {
			a.out.flush(false)
			return c
		}
	}
	if !a.terminated {
		a.d.success(a.lastText, false)
	}
	a.d.end()
	a.out.flush(true)
	code = 0
	if a.failed {
		code = 1
	}
	if a.sc.Exit != nil {
		code = *a.sc.Exit
	}
	return code
}

// expand fills {task} and {mode} in scenario strings.
func (a *agent) expand(s string) string {
	return strings.NewReplacer("{task}", a.rc.taskID, "{mode}", a.rc.mode).Replace(s)
}

// step performs one action; stop reports that the process must exit now
// with code.
func (a *agent) step(st Step) (stop bool, code int) {
	action, _ := st.action()
	switch action {
	case "sleep_ms":
		a.pause(time.Duration(*st.SleepMS) * time.Millisecond)
	case "text":
		t := a.expand(*st.Text)
		a.d.text(t)
		a.lastText = t
	case "reasoning":
		a.d.reasoning(a.expand(*st.Reasoning))
	case "tool":
		a.turn()
		a.d.tool(*st.Tool)
	case "command":
		a.turn()
		a.d.command(a.expand(st.Command.Cmd), a.expand(st.Command.Output), st.Command.ExitCode)
	case "write_file":
		a.turn()
		a.writeFile(a.expand(st.WriteFile.Path), a.expand(st.WriteFile.Content))
	case "git_commit":
		a.turn()
		a.gitCommit(a.expand(st.GitCommit.Message))
	case "shell":
		a.turn()
		a.shell(a.expand(*st.Shell))
	case "daemon":
		a.turn()
		a.daemon(*st.Daemon)
	case "append_tasks":
		a.turn()
		a.appendTasks(st.AppendTasks)
	case "set_status":
		a.turn()
		a.setStatus(a.expand(st.SetStatus.Task), st.SetStatus.Status)
	case "summary":
		a.d.success(a.summaryText(*st.Summary), true)
		a.terminated = true
	case "final":
		a.d.success(a.expand(*st.Final), true)
		a.terminated = true
	case "fail":
		a.d.fail(cmpOr(a.expand(st.Fail.Message), "the fake agent failed"), st.Fail.Subtype)
		a.terminated, a.failed = true, true
	case "rate_limit":
		secs := st.RateLimit.ResetsInS
		if secs <= 0 {
			secs = 3600
		}
		a.d.rateLimit(time.Now().Add(time.Duration(secs) * time.Second).Truncate(time.Second))
		a.terminated, a.failed = true, true
	case "auth":
		a.d.auth(a.expand(st.Auth.Message))
		a.terminated, a.failed = true, true
	case "max_turns":
		n := st.MaxTurns.Turns
		if n <= 0 {
			n = max(a.opts.maxTurns, 1)
		}
		if err := a.d.maxTurns(n); err != nil {
			fmt.Fprintf(a.stderr, "fakeagent: %v\n", err)
			return true, 2
		}
		a.terminated, a.failed = true, true
	case "stderr":
		a.writeStderr(a.expand(*st.Stderr))
	case "raw":
		if st.NoNewline {
			a.out.partial([]byte(a.expand(*st.Raw)))
		} else {
			a.out.line([]byte(a.expand(*st.Raw)))
		}
	case "huge_line":
		a.d.hugeLine(*st.HugeLine)
	case "flood":
		for i := range *st.Flood {
			a.checkSignal()
			a.d.floodLine(i + 1)
		}
	case "malformed":
		a.d.malformed()
	case "hang":
		a.out.flush(false)
		for {
			a.pause(time.Hour)
		}
	case "background":
		a.background(st.Background)
	case "exit":
		return true, *st.Exit
	case "signal":
		a.out.flush(false)
		sig := map[string]syscall.Signal{"KILL": syscall.SIGKILL, "SEGV": syscall.SIGSEGV, "TERM": syscall.SIGTERM, "ABRT": syscall.SIGABRT}[strings.TrimPrefix(strings.ToUpper(st.Signal), "SIG")]
		if sig == 0 {
			sig = syscall.SIGKILL
		}
		signal.Reset(sig)
		_ = syscall.Kill(os.Getpid(), sig)
		a.pause(time.Hour) // the signal arrives
	case "replay":
		a.replay(*st.Replay)
		a.terminated = true
	}
	return false, 0
}

// turn counts an agent turn (a tool call); claude's --max-turns ends the
// run with error_max_turns when it is exceeded, as the real CLI does.
func (a *agent) turn() {
	a.turns++
	if a.dialect == "claude" && a.opts.maxTurns > 0 && a.turns > a.opts.maxTurns {
		_ = a.d.maxTurns(a.opts.maxTurns)
		a.d.end()
		a.out.flush(true)
		panic(exitNow{1})
	}
}

// pause sleeps for d; SIGTERM (unless ignored) or SIGINT ends the run.
func (a *agent) pause(d time.Duration) {
	if d <= 0 {
		a.checkSignal()
		return
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	for {
		select {
		case <-timer.C:
			return
		case s := <-a.sigs:
			a.onSignal(s)
		}
	}
}

func (a *agent) checkSignal() {
	for {
		select {
		case s := <-a.sigs:
			a.onSignal(s)
		default:
			return
		}
	}
}

func (a *agent) onSignal(s os.Signal) {
	if s == syscall.SIGTERM && a.sc.OnSigterm == "ignore" {
		a.record(map[string]any{"event": "signal", "signal": s.String(), "ignored": true})
		fmt.Fprintln(a.stderr, "fakeagent: ignoring SIGTERM")
		return
	}
	code := 143
	if s == syscall.SIGINT {
		code = 130
	}
	a.record(map[string]any{"event": "signal", "signal": s.String()})
	panic(exitNow{code})
}

func (a *agent) writeStderr(s string) {
	if !strings.HasSuffix(s, "\n") {
		s += "\n"
	}
	_, _ = io.WriteString(a.stderr, s)
}

// workDir is where the agent edits files: codex's -C, else the cwd.
func (a *agent) workDir() string { return a.rc.cwd }

func (a *agent) writeFile(path, content string) {
	abs := path
	if !filepath.IsAbs(abs) {
		abs = filepath.Join(a.workDir(), path)
	}
	_, statErr := os.Stat(abs)
	created := statErr != nil
	err := os.MkdirAll(filepath.Dir(abs), 0o755)
	if err == nil {
		err = os.WriteFile(abs, []byte(content), 0o644)
	}
	if err != nil {
		a.writeStderr("fakeagent: write " + abs + ": " + err.Error())
		a.d.tool(ToolStep{Name: "Write", Input: mustJSON(map[string]string{"file_path": abs}), Output: err.Error(), IsError: true})
		return
	}
	a.files = append(a.files, path)
	a.d.fileChange(abs, content, created)
}

// gitCommit runs `git add -A` and `git commit` for real. A missing
// identity is filled in so a fresh test repository works.
func (a *agent) gitCommit(msg string) {
	env := gitEnv()
	var out bytes.Buffer
	code := 0
	for _, argv := range [][]string{{"git", "add", "-A"}, {"git", "commit", "-q", "-m", msg}} {
		cmd := exec.Command(argv[0], argv[1:]...)
		cmd.Dir, cmd.Env, cmd.Stdout, cmd.Stderr = a.workDir(), env, &out, &out
		if err := cmd.Run(); err != nil {
			code = 1
			if ee, ok := errors.AsType[*exec.ExitError](err); ok {
				code = ee.ExitCode()
			}
			fmt.Fprintf(&out, "%s: %v\n", strings.Join(argv, " "), err)
			a.writeStderr("fakeagent: " + strings.TrimSpace(out.String()))
			break
		}
	}
	a.d.command(fmt.Sprintf("git add -A && git commit -m %q", msg), out.String(), code)
}

// background starts argv and leaves it running in the agent's process
// group, holding its stdout, as an agent's forgotten dev server would.
func (a *agent) background(argv []string) {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = a.workDir()
	if f, ok := a.stdout.(*os.File); ok {
		cmd.Stdout = f
	}
	if err := cmd.Start(); err != nil {
		a.writeStderr("fakeagent: background " + strings.Join(argv, " ") + ": " + err.Error())
		return
	}
	a.record(map[string]any{"event": "background", "pid": cmd.Process.Pid, "argv": argv})
	_ = cmd.Process.Release()
}

func (a *agent) replay(r ReplayStep) {
	path := r.Path
	if !filepath.IsAbs(path) {
		path = filepath.Join(cmpOr(a.sc.dir, a.rc.cwd), path)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		a.writeStderr("fakeagent: replay: " + err.Error())
		panic(exitNow{2})
	}
	delay := time.Duration(r.LineDelayMS) * time.Millisecond
	for l := range bytes.Lines(data) {
		a.pause(delay)
		a.out.line(bytes.TrimRight(l, "\r\n"))
	}
}

// summaryText is the final message for a summary step: the contract's
// object for the mode, with the step's overrides.
func (a *agent) summaryText(s SummaryStep) string {
	var obj []field
	switch a.rc.mode {
	case "bootstrap", "repair":
		return a.expand(cmpOr(s.Summary, "The fake agent finished the {mode}."))
	case "review":
		added := a.added
		if s.AddedTasks != nil {
			added = *s.AddedTasks
		}
		obj = []field{
			{"status", cmpOr(s.Status, "reviewed")},
			{"summary", a.expand(cmpOr(s.Summary, "The fake agent reviewed the backlog."))},
			{"added_tasks", added},
			{"files", nonNil(s.Files)},
		}
	default:
		var taskID any = a.rc.taskID
		if a.rc.taskID == "" {
			taskID = nil
		}
		if len(s.TaskID) > 0 {
			taskID = json.RawMessage(s.TaskID)
		}
		files := s.Files
		if files == nil {
			files = a.files
		}
		obj = []field{
			{"task_id", taskID},
			{"status", cmpOr(s.Status, "done")},
			{"summary", a.expand(cmpOr(s.Summary, "The fake agent finished {task}."))},
			{"files", nonNil(files)},
			{"blockers", nonNil(s.Blockers)},
		}
	}
	for k, v := range s.Extra {
		obj = append(obj, field{k, v})
	}
	body := marshalFields(obj)
	text := body
	if s.Fenced {
		text = "```json\n" + body + "\n```"
	}
	if s.Prose != "" {
		text = a.expand(s.Prose) + "\n\n" + text
	}
	return text
}

// hugePlaceholder marks where inflate puts a huge line's payload: encoding
// megabytes through encoding/json is needlessly slow (very much so under
// the race detector), and a run of "x" needs no escaping.
const hugePlaceholder = "\u0000HUGE\u0000"

// inflate replaces the placeholder in an encoded line with n bytes of "x".
func inflate(line []byte, n int) []byte {
	return bytes.Replace(line, []byte(`\u0000HUGE\u0000`), bytes.Repeat([]byte("x"), n), 1)
}

type field struct {
	key string
	val any
}

// marshalFields writes an object with its keys in the given order.
func marshalFields(fs []field) string {
	var b strings.Builder
	b.WriteByte('{')
	for i, f := range fs {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(f.key)
		b.Write(k)
		b.WriteByte(':')
		b.Write(mustJSON(f.val))
	}
	b.WriteByte('}')
	return b.String()
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// mustJSON encodes v without HTML escaping (as the real CLIs do); v is
// always a plain value built by this package.
func mustJSON(v any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic(fmt.Sprintf("fakeagent: encode %T: %v", v, err))
	}
	return bytes.TrimRight(b.Bytes(), "\n")
}

func cmpOr(s, alt string) string {
	if s == "" {
		return alt
	}
	return s
}

// record appends one JSON line to LOOPER_FAKE_RECORD, for tests that check
// what looper passed and which processes ran.
func (a *agent) record(ev map[string]any) {
	if a.rc.recordFile == "" {
		return
	}
	ev["pid"] = os.Getpid()
	ev["time"] = time.Now().Format(time.RFC3339Nano)
	f, err := os.OpenFile(a.rc.recordFile, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		a.writeStderr("fakeagent: record: " + err.Error())
		return
	}
	defer f.Close()
	_, _ = f.Write(append(mustJSON(ev), '\n'))
}

// lineOut writes stdout one line per write(2), with the scenario's line
// delay, optionally holding back the last line's newline.
type lineOut struct {
	a        *agent
	w        io.Writer
	delay    time.Duration
	holdLast bool
	pending  []byte
	has      bool
}

func (o *lineOut) write(b []byte) {
	if _, err := o.w.Write(b); err != nil {
		panic(exitNow{1}) // stdout is gone; the real CLIs die of EPIPE too
	}
}

func (o *lineOut) line(b []byte) {
	o.a.pause(o.delay)
	if !o.holdLast {
		o.write(append(b[:len(b):len(b)], '\n'))
		return
	}
	if o.has {
		o.write(append(o.pending, '\n'))
	}
	o.pending, o.has = append(o.pending[:0], b...), true
}

// partial writes b with no newline (after any held line).
func (o *lineOut) partial(b []byte) {
	o.flush(false)
	o.a.pause(o.delay)
	o.write(b)
}

// flush writes a held line; final leaves its newline off when the scenario
// asks for that.
func (o *lineOut) flush(final bool) {
	if !o.has {
		return
	}
	b := o.pending
	if !(final && o.holdLast) {
		b = append(b, '\n')
	}
	o.has = false
	o.write(b)
}
