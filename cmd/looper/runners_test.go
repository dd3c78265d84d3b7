package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/looper-go/looper/internal/sshrunner/sshtest"
)

// TestRunOnSSHHosts runs `looper run --parallel --agent fake` with its
// attempts on two real sshd hosts: every task's work comes back and is
// merged on the coordinator, and nothing is left on the hosts.
func TestRunOnSSHHosts(t *testing.T) {
	sshtest.Need(t)
	keys := sshtest.NewKeys(t)
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	project := t.TempDir()
	git := func(args ...string) string {
		cmd := exec.Command("git", args...)
		cmd.Dir = project
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	git("init", "-q", "-b", "main")
	git("config", "user.name", "tester")
	git("config", "user.email", "tester@example.invalid")
	write := func(name, content string) {
		p := filepath.Join(project, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(".gitignore", ".looper/\n")
	write("README.md", "project\n")
	git("add", ".")
	git("commit", "-q", "-m", "start")
	var tasks []string
	for i := 1; i <= 4; i++ {
		tasks = append(tasks, fmt.Sprintf(`{"id": "T%d", "title": "Task T%d", "priority": 3, "status": "todo"}`, i, i))
	}
	write(".looper/todo.json", `{"schema_version": 1, "source_files": [], "tasks": [`+strings.Join(tasks, ",")+`]}`)
	toml := "[parallel]\nenabled = true\nmax_tasks = 4\n"
	var dirs []string
	for range 2 {
		s := sshtest.Start(t, keys)
		dir := t.TempDir()
		dirs = append(dirs, dir)
		toml += fmt.Sprintf("\n[[runners.ssh]]\nhost = %q\nport = %d\nslots = 2\nidentity = %q\nknown_hosts = %q\nlooper = %q\ndir = %q\n",
			s.Addr, s.Port, s.Identity, s.KnownHosts, self, dir)
	}
	write(".looper/looper.toml", toml)
	t.Setenv("HOME", t.TempDir()) // the run log goes there
	t.Chdir(project)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	var stdout, stderr bytes.Buffer
	code := run(ctx, []string{"run", "--agent", "fake"}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout.String(), stderr.String())
	}
	out := stdout.String()
	for _, want := range []string{"attempts run on ssh hosts", "looper: 4 done, 0 blocked", "/tree/looper-fake/T1.txt"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	for i := 1; i <= 4; i++ {
		if _, err := os.Stat(filepath.Join(project, "looper-fake", fmt.Sprintf("T%d.txt", i))); err != nil {
			t.Errorf("T%d's work was not merged: %v", i, err)
		}
	}
	if log := git("log", "--format=%s"); !strings.Contains(log, "looper fake agent: T3") {
		t.Errorf("main's history lacks the agents' commits:\n%s", log)
	}
	for _, d := range dirs {
		if entries, _ := os.ReadDir(d); len(entries) != 0 {
			t.Errorf("attempts left on a host in %s: %v", d, entries)
		}
	}
}
