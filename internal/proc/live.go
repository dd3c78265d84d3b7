package proc

import (
	"strings"
	"sync"
	"syscall"
)

// live is every running group, for KillAll.
var live struct {
	sync.Mutex
	groups map[*Group]struct{}
}

func register(g *Group) {
	live.Lock()
	defer live.Unlock()
	if live.groups == nil {
		live.groups = map[*Group]struct{}{}
	}
	live.groups[g] = struct{}{}
}

func unregister(g *Group) {
	live.Lock()
	defer live.Unlock()
	delete(live.groups, g)
}

// KillAll sends SIGKILL to the process group of every command running in
// this process (agents, verify commands, hooks, setup commands), and to
// every process carrying one of this looper's tags (daemons outside the
// groups, of running or finished commands), at once and without a grace
// period. It is the second Ctrl-C: the user has already asked politely.
// Each interrupted Wait still returns, with Exit.KilledAll set.
func KillAll() {
	prefix := tagPrefix()
	defer signalTagged(func(tag string) bool { return strings.HasPrefix(tag, prefix) }, syscall.SIGKILL)
	live.Lock()
	defer live.Unlock()
	for g := range live.groups {
		g.killedAll.Store(true)
		g.mu.Lock()
		if !g.finished {
			g.send(syscall.SIGKILL)
		}
		g.mu.Unlock()
	}
}

// Running counts the groups started and not yet waited for, so tests can
// check that none is leaked and wait for a command to be running.
func Running() int {
	live.Lock()
	defer live.Unlock()
	return len(live.groups)
}
