package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// tmuxTerm is a real terminal for `looper watch`: a tmux server of the
// test's own (its socket in a short temp directory), one session.
type tmuxTerm struct {
	t            *testing.T
	bin, sock    string
	session      string
	lastCapture  string
	captureError error
}

func (m *tmuxTerm) run(args ...string) ([]byte, error) {
	cmd := exec.Command(m.bin, append([]string{"-S", m.sock}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return out, fmt.Errorf("tmux %s: %v: %s", strings.Join(args, " "), err, stderr.String())
	}
	return out, nil
}

// waitScreen polls capture-pane until every want is on the screen, for up
// to two minutes (the machine may be loaded).
func (m *tmuxTerm) waitScreen(want ...string) {
	m.t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		out, err := m.run("capture-pane", "-p", "-t", m.session)
		m.lastCapture, m.captureError = string(out), err
		ok := err == nil
		for _, w := range want {
			ok = ok && strings.Contains(m.lastCapture, w)
		}
		if ok {
			return
		}
		if time.Now().After(deadline) {
			m.t.Fatalf("the screen did not show %q within 2 minutes (%v); it shows:\n%s", want, err, m.lastCapture)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestWatchTmux runs `looper watch` in a real terminal (tmux) while a real
// parallel run of the built-in fake agent goes on, gated so it is caught
// in the middle: the view shows one row per running attempt with its last
// line of output, the queue, then the decisions and the run's result, and
// q quits it.
func TestWatchTmux(t *testing.T) {
	tmux, err := exec.LookPath("tmux")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("tmux is missing: .ci/run installs it")
		}
		t.Skip("tmux is not installed")
	}
	looper, err := exec.LookPath("looper") // testscript.Main's, see TestMain
	if err != nil {
		t.Fatal(err)
	}
	project := t.TempDir()
	logs := t.TempDir()
	gate := filepath.Join(t.TempDir(), "gate")
	git := func(args ...string) {
		t.Helper()
		cmd := exec.Command("git", args...)
		cmd.Dir = project
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	git("init", "-q", "-b", "main")
	git("config", "user.name", "t")
	git("config", "user.email", "t@example.invalid")
	git("config", "commit.gpgsign", "false")
	writeFile(t, filepath.Join(project, ".looper", "todo.json"), `{"schema_version": 1, "source_files": [], "tasks": [
  {"id": "T1", "title": "First", "priority": 1, "status": "todo"},
  {"id": "T2", "title": "Second", "priority": 1, "status": "todo"},
  {"id": "T3", "title": "Third", "priority": 2, "status": "todo", "depends_on": ["T1"]}]}
`)
	scenarios := filepath.Join(t.TempDir(), "scenarios.json")
	writeFile(t, scenarios, fmt.Sprintf(`{"review": "review", "default": {"steps": [
  {"text": "waiting for the gate on {task}"},
  {"shell": "while [ -d %s ] && [ ! -e %s ]; do sleep 0.05; done"},
  {"write_file": {"path": "looper-fake/{task}.txt", "content": "x"}},
  {"git_commit": {"message": "{task}"}},
  {"summary": {"status": "done"}}]}}`, filepath.Dir(gate), gate))
	git("add", "-A")
	git("commit", "-q", "-m", "start")

	sockDir, err := os.MkdirTemp("", "lw") // a socket path must be short
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(sockDir)
	term := &tmuxTerm{t: t, bin: tmux, sock: filepath.Join(sockDir, "s"), session: "watch"}
	if _, err := term.run("new-session", "-d", "-s", term.session, "-x", "120", "-y", "40", "-c", project,
		"env", "LOOPER_LOG_DIR="+logs, "TERM=xterm-256color", looper, "watch"); err != nil {
		t.Fatal(err)
	}
	defer term.run("kill-server")
	term.waitScreen("looper watch: waiting for a run of this project")

	run := exec.Command(looper, "run", "--agent", "fake", "--parallel", "--max-tasks", "2")
	run.Dir = project
	run.Env = append(os.Environ(), "LOOPER_LOG_DIR="+logs, "LOOPER_FAKE_SCENARIOS="+scenarios)
	var runOut bytes.Buffer
	run.Stdout, run.Stderr = &runOut, &runOut
	if err := run.Start(); err != nil {
		t.Fatal(err)
	}
	runDone := make(chan error, 1)
	go func() { runDone <- run.Wait() }()
	defer func() {
		if run.ProcessState == nil {
			os.WriteFile(gate, nil, 0o644)
			<-runDone
		}
	}()

	term.waitScreen("· running ·", "RUNNING (2)",
		"T1    fake#1", "waiting for the gate on T1",
		"T2    fake#1", "waiting for the gate on T2",
		"QUEUE (1)", "T3  Third  (waits on a dependency)")
	t.Log(term.lastCapture)
	if err := os.WriteFile(gate, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-runDone:
		if err != nil {
			t.Fatalf("looper run: %v\n%s", err, runOut.String())
		}
	case <-time.After(3 * time.Minute):
		t.Fatalf("looper run did not end within 3 minutes:\n%s", runOut.String())
	}
	term.waitScreen("· finished ·", "looper: 3 done, 0 blocked", "RUNNING (0)", "nothing is running", "T3 done: 1/1 done, winner fake#1")

	if _, err := term.run("send-keys", "-t", term.session, "q"); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(time.Minute)
	for {
		if _, err := term.run("has-session", "-t", term.session); err != nil {
			break // q ended looper watch, and with it the session
		}
		if time.Now().After(deadline) {
			term.waitScreen("(the view did not quit on q)")
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
