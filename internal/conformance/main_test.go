package conformance

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// looperBin is the looper binary TestMain builds once for every test.
var looperBin string

// defaultParallel is how many tests run at once unless -parallel says
// otherwise: they mostly wait on the agent CLIs and on their backoff, so
// GOMAXPROCS (go test's default) would serialise the suite for nothing.
const defaultParallel = "6"

func TestMain(m *testing.M) {
	flag.Parse()
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == "test.parallel" })
	if !set {
		if err := flag.Set("test.parallel", defaultParallel); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	dir, err := os.MkdirTemp("", "looper-conformance-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	looperBin = filepath.Join(dir, "looper")
	build := exec.Command("go", "build", "-o", looperBin, "github.com/looper-go/looper/cmd/looper")
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

// task is one backlog entry of a test project.
type task struct {
	ID        string   `json:"id"`
	Title     string   `json:"title"`
	Priority  int      `json:"priority"`
	Status    string   `json:"status"`
	DependsOn []string `json:"depends_on,omitempty"`
	Blockers  []string `json:"blockers,omitempty"`
}

// project is a git repository with a looper backlog and config, a HOME and
// a log directory of its own, all under a scratch directory (not /tmp:
// codex needs that).
type project struct {
	t                               *testing.T
	root                            string // the scratch directory holding it all
	dir, home, logDir, todo, config string
	env                             []string
	// wrap, when set, is the command looper runs under (e.g. unshare -n).
	wrap           []string
	backlogAtStart []byte
}

// newProject writes tasks and a looper.toml made of config (dotted keys to
// TOML values, over a few defaults) into a fresh git repository whose
// first commit holds them.
func newProject(t *testing.T, tasks []task, config map[string]string) *project {
	t.Helper()
	root := scratchDir(t)
	p := &project{t: t, root: root, dir: filepath.Join(root, "project"), home: filepath.Join(root, "home"), logDir: filepath.Join(root, "logs")}
	p.todo = filepath.Join(p.dir, ".looper", "todo.json")
	p.config = filepath.Join(p.dir, ".looper", "looper.toml")
	for _, d := range []string{filepath.Dir(p.todo), p.home} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for i := range tasks {
		if tasks[i].Title == "" {
			tasks[i].Title = "Write the file of task " + tasks[i].ID
		}
		if tasks[i].Priority == 0 {
			tasks[i].Priority = 3
		}
		if tasks[i].Status == "" {
			tasks[i].Status = "todo"
		}
	}
	doc, err := json.MarshalIndent(map[string]any{"schema_version": 1, "source_files": []string{}, "tasks": tasks}, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	p.backlogAtStart = append(doc, '\n')
	keys := map[string]string{
		"max_iterations":        "20",
		"git_init":              "false",
		"log_dir":               tomlString(p.logDir),
		"agents.claude.timeout": `"5m"`,
		"agents.claude.grace":   `"2s"`,
		"agents.codex.timeout":  `"5m"`,
		"agents.codex.grace":    `"2s"`,
	}
	maps.Copy(keys, config)
	p.write(p.todo, p.backlogAtStart)
	p.write(p.config, []byte(renderTOML(keys)))
	p.write(filepath.Join(p.dir, "README.md"), []byte("# conformance project\n"))
	git(t, p.dir, "init", "-q", "-b", "main")
	git(t, p.dir, "add", "-A")
	git(t, p.dir, "commit", "-q", "-m", "init")
	p.env = baseEnv(p.home)
	return p
}

func (p *project) write(path string, data []byte) {
	p.t.Helper()
	if err := os.WriteFile(path, data, 0o644); err != nil {
		p.t.Fatal(err)
	}
}

// tomlString quotes s as a TOML basic string.
func tomlString(s string) string {
	b, err := json.Marshal(s)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// tomlArray renders strings as a TOML array.
func tomlArray(ss ...string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = tomlString(s)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

// renderTOML writes dotted keys as TOML: top-level keys, then one table per
// prefix (agents.claude.binary goes to [agents.claude]).
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

// result is how a looper run ended.
type result struct {
	code           int
	stdout, stderr string
}

// output is everything looper printed, for messages and assertions.
func (r result) output() string { return r.stdout + r.stderr }

// runLimit bounds one looper run; it is far above what any case needs, so
// that a hang fails the test instead of the whole suite.
const runLimit = 8 * time.Minute

// run runs looper with args in the project, with extra environment.
func (p *project) run(extraEnv []string, args ...string) result {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), runLimit)
	defer cancel()
	argv := append(slices.Clone(p.wrap), looperBin)
	argv = append(argv, args...)
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir = p.dir
	cmd.Env = append(slices.Clone(p.env), extraEnv...)
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 30 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	// Paths that hold a test or agent name would satisfy checks on what
	// looper says; they are replaced before anyone looks.
	// (An empty old string would match everywhere: unset binaries are left
	// out.)
	pairs := []string{p.root, "$SCRATCH"}
	for _, v := range []string{"LOOPER_CLAUDE_BIN", "LOOPER_CODEX_BIN"} {
		if bin := os.Getenv(v); bin != "" {
			pairs = append(pairs, bin, "$"+strings.TrimPrefix(v, "LOOPER_"))
		}
	}
	clean := strings.NewReplacer(pairs...)
	r := result{stdout: clean.Replace(stdout.String()), stderr: clean.Replace(stderr.String())}
	var exitErr *exec.ExitError
	switch {
	case ctx.Err() != nil:
		p.t.Fatalf("looper %s did not end within %v\n%s", strings.Join(args, " "), runLimit, r.output())
	case errors.As(err, &exitErr):
		r.code = exitErr.ExitCode()
	case err != nil:
		p.t.Fatalf("running looper: %v", err)
	}
	p.t.Logf("looper %s: exit %d\n%s", strings.Join(args, " "), r.code, r.output())
	return r
}

// backlog reads the project's backlog, keyed by task id.
func (p *project) backlog() map[string]task {
	p.t.Helper()
	data, err := os.ReadFile(p.todo)
	if err != nil {
		p.t.Fatal(err)
	}
	var doc struct{ Tasks []task }
	if err := json.Unmarshal(data, &doc); err != nil {
		p.t.Fatalf("backlog: %v\n%s", err, data)
	}
	out := map[string]task{}
	for _, t := range doc.Tasks {
		out[t.ID] = t
	}
	return out
}

// wantStatus checks the backlog status of each task.
func (p *project) wantStatus(want map[string]string) {
	p.t.Helper()
	got := p.backlog()
	for id, status := range want {
		if got[id].Status != status {
			p.t.Errorf("task %s: status %q, want %q (blockers %q)", id, got[id].Status, status, got[id].Blockers)
		}
	}
}

// wantUntouchedTasks checks that every task kept the status it started
// with and gained no blockers.
func (p *project) wantUntouchedTasks() {
	p.t.Helper()
	for id, tk := range p.backlog() {
		if tk.Status != "todo" || len(tk.Blockers) > 0 {
			p.t.Errorf("task %s: status %q, blockers %q; want todo with no blockers", id, tk.Status, tk.Blockers)
		}
	}
}

// wantBacklogUnchanged checks the backlog byte for byte.
func (p *project) wantBacklogUnchanged() {
	p.t.Helper()
	data, err := os.ReadFile(p.todo)
	if err != nil {
		p.t.Fatal(err)
	}
	if !bytes.Equal(data, p.backlogAtStart) {
		p.t.Errorf("backlog changed:\n%s", data)
	}
}

// committed returns the content of path at the tip of main, or "" with
// ok false when main does not have it.
func (p *project) committed(path string) (string, bool) {
	cmd := exec.Command("git", "show", "main:"+path)
	cmd.Dir = p.dir
	out, err := cmd.Output()
	return string(out), err == nil
}

// wantCommitted checks that main's tip has path with content.
func (p *project) wantCommitted(path, content string) {
	p.t.Helper()
	got, ok := p.committed(path)
	switch {
	case !ok:
		p.t.Errorf("%s is not committed on main; git log:\n%s\nstatus:\n%s", path,
			git(p.t, p.dir, "log", "--oneline", "--stat", "main"), git(p.t, p.dir, "status", "--short"))
	case got != content:
		p.t.Errorf("%s on main = %q, want %q", path, got, content)
	}
}

// event is one line of the JSONL run log.
type event map[string]any

func (e event) str(key string) string { s, _ := e[key].(string); return s }

// runLog reads every event of the run logs under the project's log
// directory.
func (p *project) runLog() []event {
	p.t.Helper()
	var events []event
	_ = filepath.WalkDir(p.logDir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".jsonl") {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			p.t.Fatal(err)
		}
		for line := range strings.SplitSeq(string(data), "\n") {
			if strings.TrimSpace(line) == "" {
				continue
			}
			var e event
			if err := json.Unmarshal([]byte(line), &e); err != nil {
				p.t.Errorf("run log %s: %v: %s", path, err, line)
				continue
			}
			events = append(events, e)
		}
		return nil
	})
	if len(events) == 0 {
		p.t.Errorf("no run log under %s", p.logDir)
	}
	return events
}

// jsonUnmarshal decodes a JSON text held in a string.
func jsonUnmarshal(s string, v any) error { return json.Unmarshal([]byte(s), v) }
