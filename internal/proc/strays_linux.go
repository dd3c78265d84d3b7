package proc

import (
	"bytes"
	"errors"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// findTagged lists the live processes whose environment carries TagVar
// with a value that match accepts, by reading /proc/<pid>/environ (only
// processes of looper's own user can be read, which are the only ones an
// agent can start). Zombies have no environment and are not listed.
func findTagged(match func(tag string) bool) []Stray {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	self := os.Getpid()
	prefix := []byte(TagVar + "=")
	var found []Stray
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == self {
			continue
		}
		env, err := os.ReadFile("/proc/" + e.Name() + "/environ")
		if err != nil {
			continue
		}
		for kv := range bytes.SplitSeq(env, []byte{0}) {
			if v, ok := bytes.CutPrefix(kv, prefix); ok && match(string(v)) {
				found = append(found, Stray{PID: pid, Command: commandLine(pid)})
				break
			}
		}
	}
	return found
}

// commandLine is a process's argv joined with spaces, for the log.
func commandLine(pid int) string {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	if err != nil {
		return ""
	}
	return strings.TrimSpace(strings.ReplaceAll(string(data), "\x00", " "))
}

// killTagged stops the processes findTagged lists: SIGTERM, up to grace
// for them to exit, then SIGKILL; the ones re-parented to looper (its
// subreaper role) are reaped. It returns what it found, and an error only
// when /proc cannot be read.
func killTagged(match func(tag string) bool, grace time.Duration) ([]Stray, error) {
	if _, err := os.Stat("/proc/self/environ"); err != nil {
		return nil, errors.New("/proc is not mounted; processes a command started outside its group cannot be found")
	}
	found := findTagged(match)
	if len(found) == 0 {
		return nil, nil
	}
	sig := syscall.SIGTERM
	if grace <= 0 {
		sig = syscall.SIGKILL
	}
	for _, s := range found {
		_ = syscall.Kill(s.PID, sig)
	}
	deadline := time.Now().Add(max(grace, 0))
	for pause := time.Millisecond; ; pause = min(pause*2, 50*time.Millisecond) {
		reap(found)
		left := findTagged(match)
		if len(left) == 0 {
			return found, nil
		}
		if !time.Now().Before(deadline) {
			for _, s := range left {
				_ = syscall.Kill(s.PID, syscall.SIGKILL)
			}
			waitReaped(left, time.Now().Add(2*time.Second))
			return found, nil
		}
		time.Sleep(pause)
	}
}

// reap collects the exit status of those of ss that are looper's children
// (orphans re-parented to it) and have exited, so they do not stay zombies.
func reap(ss []Stray) {
	for _, s := range ss {
		var ws syscall.WaitStatus
		_, _ = syscall.Wait4(s.PID, &ws, syscall.WNOHANG, nil)
	}
}

// waitReaped reaps ss until none is left or the deadline passes.
func waitReaped(ss []Stray, deadline time.Time) {
	for time.Now().Before(deadline) {
		reap(ss)
		alive := false
		for _, s := range ss {
			if processRunning(s.PID) {
				alive = true
			}
		}
		if !alive {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// processRunning reports whether pid is a live process (a zombie is not).
func processRunning(pid int) bool {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	if i := bytes.LastIndexByte(stat, ')'); i >= 0 {
		if f := bytes.Fields(stat[i+1:]); len(f) > 0 && string(f[0]) == "Z" {
			return false
		}
	}
	return true
}

// signalTagged sends sig to every process findTagged lists, without
// waiting or reaping: the second Ctrl-C, when looper exits at once.
func signalTagged(match func(tag string) bool, sig syscall.Signal) {
	for _, s := range findTagged(match) {
		_ = syscall.Kill(s.PID, sig)
	}
}
