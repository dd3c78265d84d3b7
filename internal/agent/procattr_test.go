package agent

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// orphanParentEnv makes the test binary a looper stand-in that runs one
// hanging agent attempt for TestAgentDiesWithLooper, which then kills it.
const orphanParentEnv = "LOOPER_AGENT_TEST_ORPHAN_PARENT"

// orphanParent runs a fake claude that hangs, ignoring SIGTERM, with a
// one-hour timeout and grace period, in the directory named by
// orphanParentEnv; the agent records itself there. It never returns: the
// test kills it.
func orphanParent() {
	dir := os.Getenv(orphanParentEnv)
	spec := Spec{Name: "claude", Binary: filepath.Join(dir, "bin", "claude"), Timeout: time.Hour, Grace: time.Hour,
		Env: []string{"LOOPER_FAKE_RECORD=" + filepath.Join(dir, "record.jsonl")}}
	r := Runner{}
	r.Run(context.Background(), spec, Request{Prompt: "FAKEAGENT: ignore-sigterm\n", Dir: dir, TaskID: "T1", AgentID: "claude#1", Attempt: 1})
	os.Exit(3)
}

// TestAgentDiesWithLooper kills (SIGKILL) a process running an agent, as a
// crash or the OOM killer would kill looper: looper's stop sequence never
// runs, yet the agent, which ignores SIGTERM and would hang for ever, dies
// with it (Linux PR_SET_PDEATHSIG).
func TestAgentDiesWithLooper(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the parent-death signal is Linux only")
	}
	dir := t.TempDir()
	if err := os.Symlink(fakeBin, filepath.Join(dir, "bin")); err != nil {
		t.Fatal(err)
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	parent := exec.Command(self)
	parent.Env = append(os.Environ(), orphanParentEnv+"="+dir)
	if err := parent.Start(); err != nil {
		t.Fatal(err)
	}
	defer parent.Process.Kill()
	agentPID := waitAgentStart(t, filepath.Join(dir, "record.jsonl"))
	if err := parent.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = parent.Wait()
	deadline := time.Now().Add(10 * time.Second)
	for processAlive(agentPID) {
		if time.Now().After(deadline) {
			syscall.Kill(-agentPID, syscall.SIGKILL)
			t.Fatalf("agent %d still runs 10s after its parent was killed", agentPID)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// waitAgentStart returns the pid of the first agent the record shows.
func waitAgentStart(t *testing.T, path string) int {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if f, err := os.Open(path); err == nil {
			sc := bufio.NewScanner(f)
			for sc.Scan() {
				var ev struct {
					Event string `json:"event"`
					PID   int    `json:"pid"`
				}
				if json.Unmarshal(sc.Bytes(), &ev) == nil && ev.Event == "start" && ev.PID > 0 {
					f.Close()
					return ev.PID
				}
			}
			f.Close()
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("no agent started within 30s (%s)", path)
	return 0
}

// processAlive reports whether pid runs; a zombie (dead, not yet reaped by
// whichever ancestor adopted it) counts as gone.
func processAlive(pid int) bool {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	if i := strings.LastIndexByte(string(stat), ')'); i >= 0 {
		if f := strings.Fields(string(stat[i+1:])); len(f) > 0 && f[0] == "Z" {
			return false
		}
	}
	return true
}
