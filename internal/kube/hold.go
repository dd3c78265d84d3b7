package kube

import (
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"
)

// Hold is the attempt pod's main process (`looper kube-hold`): it keeps the
// container alive for the execs that do the work, reaps what they leave
// behind (it is PID 1), and, when the pod is deleted, passes SIGTERM on to
// every other process in the container, so the agent gets the grace period
// it would get locally, then exits when they are all gone (or the kubelet's
// SIGKILL at the end of the grace period ends it). It never returns.
func Hold() {
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGCHLD)
	for s := range sigs {
		reap()
		if s == syscall.SIGCHLD {
			continue
		}
		// As PID 1 of its namespace, kill(-1) reaches every other process
		// in the container, exec'd ones included. Those are not its
		// children, so it watches /proc for them rather than waiting.
		_ = syscall.Kill(-1, syscall.SIGTERM)
		for others() {
			reap()
			time.Sleep(100 * time.Millisecond)
		}
		os.Exit(0)
	}
}

// others reports whether any process but this one is left in the
// container's PID namespace.
func others() bool {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return false
	}
	self := os.Getpid()
	for _, e := range entries {
		if pid, err := strconv.Atoi(e.Name()); err == nil && pid != self {
			return true
		}
	}
	return false
}

func reap() {
	for {
		var ws syscall.WaitStatus
		pid, err := syscall.Wait4(-1, &ws, syscall.WNOHANG, nil)
		if err != nil || pid <= 0 {
			return
		}
	}
}
