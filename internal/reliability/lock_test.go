package reliability

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/looper-go/looper/todo"
)

// TestSecondLooperIsRefused starts a second looper on a backlog a first one
// is working on, by the same path and through a symbolic link to it: each
// time the second exits 1 at once, naming the first one's pid, and the
// backlog is left alone.
func TestSecondLooperIsRefused(t *testing.T) {
	p := newProject(t, []task{{ID: "T1"}, {ID: "T2"}}, map[string]any{"default": "hang"}, nil)
	first := p.start("run", "--parallel")
	p.waitAgents(first, 2)
	// The first looper saves its tasks' doing marks with its next save, or
	// within stages.DoingMarkDelay: wait for that, so that what follows
	// compares the file with itself.
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(20 * time.Millisecond) {
		if st := statuses(p.backlog()); st["T1"] == todo.StatusDoing && st["T2"] == todo.StatusDoing {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the first looper never saved its tasks as doing: %v", statuses(p.backlog()))
		}
	}
	if err := os.Symlink(p.todoPath, filepath.Join(p.dir, "alias.json")); err != nil {
		t.Fatal(err)
	}
	before, err := os.ReadFile(p.todoPath)
	if err != nil {
		t.Fatal(err)
	}
	pid := strconv.Itoa(first.cmd.Process.Pid)
	for _, args := range [][]string{{"run"}, {"run", "--parallel"}, {"run", "alias.json"}} {
		second := p.start(args...)
		code := second.wait(10 * time.Second)
		out := second.output()
		if code != 1 {
			t.Errorf("looper %v while another runs: exit %d, want 1\n%s", args, code, out)
		}
		if !strings.Contains(out, "in use by another looper (pid "+pid+")") || !strings.Contains(out, "kill "+pid) {
			t.Errorf("looper %v: the message does not name the first looper's pid %s:\n%s", args, pid, out)
		}
	}
	if first.exited() {
		t.Fatalf("the first looper stopped:\n%s", first.tail())
	}
	after, err := os.ReadFile(p.todoPath)
	if err != nil {
		t.Fatal(err)
	}
	if string(after) != string(before) {
		t.Errorf("a refused looper changed the backlog")
	}
	first.signal(syscall.SIGINT)
	if code := first.wait(10 * time.Second); code != 130 {
		t.Errorf("first looper: exit %d after SIGINT, want 130", code)
	}
}

// TestStaleLockIsTakenOver leaves a lock file behind in the two ways a
// looper can: one that names a process that no longer exists (and holds no
// flock), and one of a looper killed with SIGKILL mid-run. Either way the
// next looper takes the backlog over and finishes the run.
func TestStaleLockIsTakenOver(t *testing.T) {
	p := newProject(t, []task{{ID: "T1"}, {ID: "T2"}}, map[string]any{"default": "noop", "review": "review"}, nil)
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	lock := todo.LockPath(p.todoPath)
	p.write(lock, strconv.Itoa(dead.Process.Pid)+"\n", 0o644)
	if code, out := p.looper(time.Minute, "run", "--parallel"); code != 0 {
		t.Fatalf("with a stale lock file of pid %d: exit %d\n%s", dead.Process.Pid, code, out)
	}
	if data, _ := os.ReadFile(lock); len(data) != 0 {
		t.Errorf("the lock file still names a pid after the run: %q", data)
	}

	// A looper killed mid-run leaves its pid in the lock file; the kernel
	// dropped its flock with it.
	p.write(p.todoPath, string(backlogJSON([]task{{ID: "T1"}, {ID: "T2"}})), 0o644)
	p.setScenarios(map[string]any{"default": "hang"})
	os.Remove(p.record)
	killed := p.start("run", "--parallel")
	p.waitAgents(killed, 2)
	killed.signal(syscall.SIGKILL)
	killed.wait(10 * time.Second)
	if data, _ := os.ReadFile(lock); strings.TrimSpace(string(data)) != strconv.Itoa(killed.cmd.Process.Pid) {
		t.Errorf("the killed looper's lock file holds %q, want its pid %d", data, killed.cmd.Process.Pid)
	}
	p.setScenarios(map[string]any{"default": "noop", "review": "review"})
	if code, out := p.looper(time.Minute, "run", "--parallel"); code != 0 {
		t.Fatalf("after a looper was killed: exit %d\n%s", code, out)
	}
	if st := statuses(p.backlog()); countStatus(st, todo.StatusDone) != 2 {
		t.Errorf("statuses after taking the lock over: %v", st)
	}
}
