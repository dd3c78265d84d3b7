package reliability

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/looper-go/looper/internal/shellquote"
	"github.com/looper-go/looper/todo"
)

// looperBin is the looper binary TestMain builds for every test.
var looperBin string

func TestMain(m *testing.M) {
	if runtime.GOOS != "linux" {
		// The tests find processes in /proc and rely on PR_SET_PDEATHSIG.
		fmt.Println("internal/reliability: skipped: Linux only")
		os.Exit(0)
	}
	dir, err := os.MkdirTemp("", "looper-reliability-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	looperBin = filepath.Join(dir, "looper")
	goCmd, err := exec.LookPath("go")
	if err != nil {
		goCmd = filepath.Join(os.Getenv("GOROOT"), "bin", "go")
	}
	build := exec.Command(goCmd, "build", "-o", looperBin, "github.com/looper-go/looper/cmd/looper")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintf(os.Stderr, "building looper: %v\n", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// tagVar marks every process a test starts (looper, and through it the
// agents and whatever they start), so leftovers can be found in /proc
// whether or not they managed to record themselves.
const tagVar = "LOOPER_RELIABILITY_TAG"

// task is one backlog entry of a test project.
type task struct {
	ID        string   `json:"id"`
	Title     string   `json:"title"`
	Priority  int      `json:"priority"`
	Status    string   `json:"status"`
	DependsOn []string `json:"depends_on,omitempty"`
	Tags      []string `json:"tags,omitempty"`
}

// backlogJSON renders tasks as an upstream backlog file.
func backlogJSON(tasks []task) []byte {
	for i := range tasks {
		if tasks[i].Title == "" {
			tasks[i].Title = "Task " + tasks[i].ID
		}
		if tasks[i].Priority == 0 {
			tasks[i].Priority = 3
		}
		if tasks[i].Status == "" {
			tasks[i].Status = "todo"
		}
	}
	doc := map[string]any{"schema_version": 1, "source_files": []string{}, "tasks": tasks}
	data, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		panic(err)
	}
	return append(data, '\n')
}

// project is a looper project in a temporary directory: a backlog, a
// looper.toml whose claude is the fake agent, a log directory, the fake
// agents' record and scenario files.
type project struct {
	t         *testing.T
	root      string // holds the project and everything around it
	dir       string // the project: looper's working directory
	todoPath  string
	logDir    string
	record    string
	scenarios string
	tag       string
	env       []string
}

// defaultConfig is the looper.toml every test project starts from, as
// dotted keys and TOML values: the fake agent as claude with short limits,
// no git init, in-place parallel runs unless a test asks for worktrees, and
// no iteration limit to speak of.
func defaultConfig(p *project) map[string]string {
	return map[string]string{
		"git_init":              "false",
		"max_iterations":        "100000",
		"log_dir":               strconv.Quote(p.logDir),
		"parallel.isolation":    `"none"`,
		"agents.claude.binary":  strconv.Quote(filepath.Join(p.root, "bin", "claude")),
		"agents.claude.timeout": `"60s"`,
		"agents.claude.grace":   `"1s"`,
		"agents.codex.binary":   strconv.Quote(filepath.Join(p.root, "bin", "codex")),
		"agents.codex.timeout":  `"60s"`,
		"agents.codex.grace":    `"1s"`,
	}
}

// renderTOML writes dotted keys as a TOML file: top-level keys first, then
// one table per prefix (agents.claude.grace goes to [agents.claude]).
func renderTOML(keys map[string]string) string {
	tables := map[string][]string{}
	for k, v := range keys {
		table, key := "", k
		if i := strings.LastIndexByte(k, '.'); i >= 0 {
			table, key = k[:i], k[i+1:]
		}
		tables[table] = append(tables[table], key+" = "+v)
	}
	var b strings.Builder
	for _, table := range slices.Sorted(maps.Keys(tables)) {
		if table != "" {
			fmt.Fprintf(&b, "\n[%s]\n", table)
		}
		slices.Sort(tables[table])
		for _, line := range tables[table] {
			b.WriteString(line + "\n")
		}
	}
	return b.String()
}

// newProject creates a project with tasks, the fake agents' scenarios
// (a JSON object, see internal/fakeagent) and config: dotted keys and TOML
// values over defaultConfig (a "" value removes a key). Every process left
// behind by the test is killed when it ends.
func newProject(t *testing.T, tasks []task, scenarios any, config map[string]string) *project {
	t.Helper()
	root := t.TempDir()
	p := &project{
		t:         t,
		root:      root,
		dir:       filepath.Join(root, "project"),
		logDir:    filepath.Join(root, "logs"),
		record:    filepath.Join(root, "record.jsonl"),
		scenarios: filepath.Join(root, "scenarios.json"),
		tag:       root,
	}
	p.todoPath = filepath.Join(p.dir, ".looper", "todo.json")
	bin := filepath.Join(root, "bin")
	for _, d := range []string{filepath.Dir(p.todoPath), bin, filepath.Join(root, "home")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, dialect := range []string{"claude", "codex"} {
		wrapper := fmt.Sprintf("#!/bin/sh\nexec %s fake-agent %s \"$@\"\n", shellquote.Quote(looperBin), dialect)
		p.write(filepath.Join(bin, dialect), wrapper, 0o755)
	}
	p.write(p.todoPath, string(backlogJSON(tasks)), 0o644)
	p.setScenarios(scenarios)
	keys := defaultConfig(p)
	for k, v := range config {
		if v == "" {
			delete(keys, k)
		} else {
			keys[k] = v
		}
	}
	p.write(filepath.Join(p.dir, ".looper", "looper.toml"), renderTOML(keys), 0o644)
	p.env = append(cleanEnviron(),
		"HOME="+filepath.Join(root, "home"),
		"XDG_CONFIG_HOME="+filepath.Join(root, "home", ".config"),
		"NO_COLOR=1",
		// The fake agents write their records outside the project, which a
		// sandbox would hide: these tests are about looper, not the sandbox
		// (internal/sandbox and the sandbox scripts test that).
		"LOOPER_SANDBOX=off",
		"LOOPER_FAKE_RECORD="+p.record,
		"LOOPER_FAKE_SCENARIOS="+p.scenarios,
		tagVar+"="+p.tag,
		"GIT_AUTHOR_NAME=looper tests", "GIT_AUTHOR_EMAIL=tests@looper.invalid",
		"GIT_COMMITTER_NAME=looper tests", "GIT_COMMITTER_EMAIL=tests@looper.invalid",
		"GIT_CONFIG_NOSYSTEM=1",
	)
	t.Cleanup(func() {
		for _, pid := range p.leftovers() {
			syscall.Kill(pid, syscall.SIGKILL)
		}
	})
	return p
}

// gitInit makes the project a git repository on branch main with one
// commit (a README; .looper/ is ignored), so parallel runs get a worktree
// per attempt.
func (p *project) gitInit() {
	p.t.Helper()
	p.write(filepath.Join(p.dir, "README.md"), "# test project\n", 0o644)
	p.write(filepath.Join(p.dir, ".gitignore"), ".looper/\n", 0o644)
	for _, args := range [][]string{
		{"init", "-q", "-b", "main"},
		{"config", "commit.gpgsign", "false"},
		{"add", "README.md", ".gitignore"},
		{"commit", "-q", "-m", "start"},
	} {
		p.git(args...)
	}
}

// git runs git in the project and returns its output.
func (p *project) git(args ...string) string {
	p.t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = p.dir
	cmd.Env = p.env
	out, err := cmd.CombinedOutput()
	if err != nil {
		p.t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// cleanEnviron is the test's environment without the variables looper
// or the fake agent read, so the developer's settings cannot leak in.
func cleanEnviron() []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "LOOPER_") || strings.HasPrefix(k, "CLAUDE_") || strings.HasPrefix(k, "CODEX_") {
			continue
		}
		env = append(env, kv)
	}
	return env
}

func (p *project) write(path, content string, mode os.FileMode) {
	p.t.Helper()
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		p.t.Fatal(err)
	}
}

// setScenarios replaces the fake agents' scenario table.
func (p *project) setScenarios(scenarios any) {
	p.t.Helper()
	if scenarios == nil {
		scenarios = map[string]any{}
	}
	data, err := json.Marshal(scenarios)
	if err != nil {
		p.t.Fatal(err)
	}
	p.write(p.scenarios, string(data), 0o644)
}

// run is one looper process.
type run struct {
	p       *project
	cmd     *exec.Cmd
	out     string // stdout and stderr, combined, in a file
	started time.Time
	done    chan struct{}
	ended   time.Time
	code    int
	peak    atomic.Int64 // the highest VmHWM (peak resident memory) seen, in bytes
}

// start starts looper with args in the project directory. Its output goes
// to a file (the process writes it directly, so a SIGKILL loses nothing
// that was written).
func (p *project) start(args ...string) *run {
	p.t.Helper()
	return p.startEnv(nil, args...)
}

// startEnv starts looper with extra environment variables.
func (p *project) startEnv(env []string, args ...string) *run {
	p.t.Helper()
	f, err := os.CreateTemp(p.root, "looper-output-*.txt")
	if err != nil {
		p.t.Fatal(err)
	}
	defer f.Close()
	cmd := exec.Command(looperBin, args...)
	cmd.Dir = p.dir
	cmd.Env = append(slices.Clip(p.env), env...)
	cmd.Stdout, cmd.Stderr = f, f
	r := &run{p: p, cmd: cmd, out: f.Name(), done: make(chan struct{})}
	r.started = time.Now()
	if err := cmd.Start(); err != nil {
		p.t.Fatal(err)
	}
	go r.watchMemory()
	go func() {
		err := cmd.Wait()
		r.ended = time.Now()
		r.code = exitCode(err)
		close(r.done)
	}()
	p.t.Cleanup(func() {
		select {
		case <-r.done:
		default:
			cmd.Process.Kill()
			<-r.done
		}
	})
	return r
}

// watchMemory samples looper's peak resident memory (VmHWM, a high-water
// mark kept by the kernel) until it exits.
func (r *run) watchMemory() {
	path := fmt.Sprintf("/proc/%d/status", r.cmd.Process.Pid)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		if data, err := os.ReadFile(path); err == nil {
			for line := range strings.Lines(string(data)) {
				if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
					kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
					if kb*1024 > r.peak.Load() {
						r.peak.Store(kb * 1024)
					}
				}
			}
		}
		select {
		case <-r.done:
			return
		case <-tick.C:
		}
	}
}

// exitCode is a process's exit status, 128+n when a signal n killed it.
func exitCode(err error) int {
	if err == nil {
		return 0
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		return -1
	}
	if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return ee.ExitCode()
}

// looper runs looper with args to its end, within limit, and returns its
// exit status and output.
func (p *project) looper(limit time.Duration, args ...string) (int, string) {
	p.t.Helper()
	r := p.start(args...)
	return r.wait(limit), r.output()
}

// wait waits up to limit for looper to exit and returns its status; past
// the limit the test fails (and the process is killed).
func (r *run) wait(limit time.Duration) int {
	r.p.t.Helper()
	select {
	case <-r.done:
		return r.code
	case <-time.After(limit):
		r.cmd.Process.Kill()
		<-r.done
		r.p.t.Fatalf("looper %v did not exit within %s; output:\n%s", r.cmd.Args[1:], limit, r.tail())
		return -1
	}
}

// exited reports whether the process has ended.
func (r *run) exited() bool {
	select {
	case <-r.done:
		return true
	default:
		return false
	}
}

func (r *run) signal(sig syscall.Signal) {
	r.p.t.Helper()
	if err := r.cmd.Process.Signal(sig); err != nil && !r.exited() {
		r.p.t.Fatalf("signal %s: %v", sig, err)
	}
}

func (r *run) output() string {
	data, _ := os.ReadFile(r.out)
	return string(data)
}

// tail is the end of the output, for failure messages.
func (r *run) tail() string {
	s := r.output()
	if len(s) > 4000 {
		s = "…" + s[len(s)-4000:]
	}
	return s
}

// leftovers lists the live processes (zombies excluded) that carry this
// project's tag: looper itself, agents, the wrappers and whatever the
// agents started.
func (p *project) leftovers() []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	want := []byte(tagVar + "=" + p.tag + "\x00")
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		env, err := os.ReadFile(filepath.Join("/proc", e.Name(), "environ"))
		if err != nil || !bytes.Contains(append([]byte{0}, env...), append([]byte{0}, want...)) {
			continue
		}
		if zombie(pid) {
			continue
		}
		pids = append(pids, pid)
	}
	return pids
}

// zombie reports whether pid has exited and waits to be reaped (or is gone).
func zombie(pid int) bool {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true
	}
	i := bytes.LastIndexByte(stat, ')')
	f := strings.Fields(string(stat[i+1:]))
	return len(f) == 0 || f[0] == "Z" || f[0] == "X"
}

// processesInGroup lists the processes whose process group is pgid.
func processesInGroup(pgid int) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid pgrp ...: comm may hold spaces and ')'.
		f := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
		if len(f) > 2 && f[2] == strconv.Itoa(pgid) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// noLeftovers fails the test if any process of the project is still alive
// after within (and kills them).
func (p *project) noLeftovers(within time.Duration) {
	p.t.Helper()
	deadline := time.Now().Add(within)
	for {
		left := p.leftovers()
		if len(left) == 0 {
			return
		}
		if time.Now().After(deadline) {
			var desc []string
			for _, pid := range left {
				cmdline, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
				desc = append(desc, fmt.Sprintf("%d %s", pid, bytes.ReplaceAll(cmdline, []byte{0}, []byte{' '})))
				syscall.Kill(pid, syscall.SIGKILL)
			}
			p.t.Fatalf("%d process(es) still running %s after looper ended:\n%s", len(left), within, strings.Join(desc, "\n"))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// recordEvent is one line of the fake agents' record (LOOPER_FAKE_RECORD).
type recordEvent struct {
	Event   string    `json:"event"`
	PID     int       `json:"pid"`
	PGID    int       `json:"pgid"`
	Time    time.Time `json:"time"`
	TaskID  string    `json:"task_id"`
	Mode    string    `json:"mode"`
	Code    *int      `json:"code"`
	Signal  string    `json:"signal"`
	Ignored bool      `json:"ignored"`
	Trial   string    `json:"trial"` // TestCrashSafety's agents
	// Env holds the LOOPER_* variables the agent got (LOOPER_AGENT_ID,
	// LOOPER_ATTEMPT, ...).
	Env map[string]string `json:"env"`
}

// records reads the record. A line cut short by a SIGKILL is skipped.
func (p *project) records() []recordEvent {
	p.t.Helper()
	f, err := os.Open(p.record)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		p.t.Fatal(err)
	}
	defer f.Close()
	var evs []recordEvent
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 64<<20)
	for sc.Scan() {
		var ev recordEvent
		if json.Unmarshal(sc.Bytes(), &ev) == nil {
			evs = append(evs, ev)
		}
	}
	if err := sc.Err(); err != nil {
		p.t.Fatal(err)
	}
	return evs
}

// starts returns the iteration-mode agent starts of the record.
func starts(evs []recordEvent) []recordEvent {
	var out []recordEvent
	for _, e := range evs {
		if e.Event == "start" && e.Mode == "iteration" {
			out = append(out, e)
		}
	}
	return out
}

// waitRecord waits up to limit until n records satisfy match.
func (p *project) waitRecord(limit time.Duration, n int, what string, match func(recordEvent) bool) []recordEvent {
	p.t.Helper()
	return p.waitRecordOf(nil, limit, n, what, match)
}

// waitRecordOf is waitRecord that fails as soon as looper run r exits.
func (p *project) waitRecordOf(r *run, limit time.Duration, n int, what string, match func(recordEvent) bool) []recordEvent {
	p.t.Helper()
	deadline := time.Now().Add(limit)
	for {
		var got []recordEvent
		for _, e := range p.records() {
			if match(e) {
				got = append(got, e)
			}
		}
		if len(got) >= n {
			return got
		}
		if r != nil && r.exited() {
			p.t.Fatalf("looper exited (%d) while waiting for %d %s (saw %d):\n%s", r.code, n, what, len(got), r.tail())
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("waited %s for %d %s, saw %d", limit, n, what, len(got))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// backlog loads the backlog with todo.Load: it must parse and validate.
func (p *project) backlog() *todo.Backlog {
	p.t.Helper()
	b, err := todo.Load(p.todoPath)
	if err != nil {
		p.t.Fatalf("the backlog does not load: %v", err)
	}
	return b
}

// statuses maps task ids to their statuses (PROJECT-DONE left out).
func statuses(b *todo.Backlog) map[string]todo.Status {
	m := map[string]todo.Status{}
	for _, t := range b.Tasks {
		if t.ID != todo.ProjectDoneID {
			m[t.ID] = t.Status
		}
	}
	return m
}

// runLogs returns the project's JSONL run logs, oldest first.
func (p *project) runLogs() []string {
	p.t.Helper()
	logs, err := filepath.Glob(filepath.Join(p.logDir, "*", "*.jsonl"))
	if err != nil {
		p.t.Fatal(err)
	}
	slices.SortFunc(logs, func(a, b string) int {
		fa, _ := os.Stat(a)
		fb, _ := os.Stat(b)
		return fa.ModTime().Compare(fb.ModTime())
	})
	return logs
}

// logEvent is the part of a run-log line the tests read.
type logEvent struct {
	Time     time.Time `json:"timestamp"`
	Kind     string    `json:"type"`
	Level    string    `json:"level"`
	Stage    string    `json:"stage"`
	TaskID   string    `json:"task_id"`
	AgentID  string    `json:"agent_id"`
	Attempt  int       `json:"attempt"`
	Status   string    `json:"status"`
	Class    string    `json:"class"`
	Message  string    `json:"content"`
	Blockers []string  `json:"blockers"`
	Duration int64     `json:"duration_ns"`
	// The run_result line that ends a complete log.
	Done        int  `json:"done"`
	Blocked     int  `json:"blocked"`
	Failed      int  `json:"failed"`
	Interrupted bool `json:"interrupted"`
}

// readLog parses a run log; every line must be a complete JSON object.
func (p *project) readLog(path string) []logEvent {
	p.t.Helper()
	evs, torn := p.readKilledLog(path)
	if torn {
		p.t.Errorf("run log %s does not end with a complete line", path)
	}
	return evs
}

// readKilledLog parses the run log of a looper that may have been killed
// outright: every line but the last must be a complete JSON object, and the
// last may be cut short (torn reports it).
func (p *project) readKilledLog(path string) (evs []logEvent, torn bool) {
	p.t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		p.t.Fatal(err)
	}
	if i := bytes.LastIndexByte(data, '\n'); i < len(data)-1 {
		data, torn = data[:i+1], true
	}
	for i, line := range bytes.Split(bytes.TrimSuffix(data, []byte("\n")), []byte("\n")) {
		if len(line) == 0 {
			continue
		}
		var e logEvent
		if err := json.Unmarshal(line, &e); err != nil {
			p.t.Errorf("run log %s line %d is not JSON (%v): %.200s", path, i+1, err, line)
			continue
		}
		evs = append(evs, e)
	}
	return evs, torn
}
