package agent

import (
	"sync"

	"github.com/looper-go/looper/internal/proc"
	"github.com/looper-go/looper/internal/runner"
)

// live is every running agent, wherever it runs, for KillAll.
var live struct {
	sync.Mutex
	procs map[runner.Process]struct{}
}

func register(p runner.Process) {
	live.Lock()
	defer live.Unlock()
	if live.procs == nil {
		live.procs = map[runner.Process]struct{}{}
	}
	live.procs[p] = struct{}{}
}

func unregister(p runner.Process) {
	live.Lock()
	defer live.Unlock()
	delete(live.procs, p)
}

// KillAll sends SIGKILL to the process group of every agent (and every
// other command looper runs) in this process, and to every process
// carrying one of this looper's tags (daemons outside the groups), at once
// and without a grace period (proc.KillAll); agents that run elsewhere (an
// ssh host, a container) are killed through their runner. It is the
// second Ctrl-C: the user has already asked politely. Each interrupted Run
// still returns, with class killed.
func KillAll() {
	proc.KillAll()
	live.Lock()
	defer live.Unlock()
	for p := range live.procs {
		p.Kill()
	}
}
