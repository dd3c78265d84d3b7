package agent

import (
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// procGroup is the process group of one running agent. The agent is started
// as the leader of a new group (Setpgid), so everything it spawns, and
// everything those spawn, can be signalled at once with kill(-pgid): a
// cancelled attempt leaves nothing behind. What leaves the group (setsid)
// still carries the attempt's tag in its environment (see tagVar), and the
// sweep at the attempt's end kills it too.
type procGroup struct {
	pgid  int
	grace time.Duration
	// tag marks every process of the attempt (tagVar); Env passes it on.
	tag string
	// strays lists what the sweep had to kill outside the group, and
	// strayErr why it could not look, for the runner to log.
	strays   []stray
	strayErr error
	// signal sends sig to the whole group; a field so the escalation can be
	// tested without processes.
	signal func(pgid int, sig syscall.Signal) error

	mu         sync.Mutex
	terminated bool
	termAt     time.Time
	killTimer  *time.Timer
	finished   bool

	// killedAll records that KillAll hit this group, so the attempt is
	// classified as killed rather than crashed.
	killedAll atomic.Bool
}

func newProcGroup(pgid int, grace time.Duration) *procGroup {
	return &procGroup{pgid: pgid, grace: grace, signal: killGroup, tag: newTag()}
}

// Env is the environment entry that tags the attempt's processes; the
// runner adds it to the agent's environment.
func (g *procGroup) Env() string { return tagVar + "=" + g.tag }

// Strays describes what the last sweep killed outside the group, or why it
// could not look; "" when there was nothing.
func (g *procGroup) Strays(who string) string {
	switch {
	case len(g.strays) > 0:
		return describeStrays(who, g.strays)
	case g.strayErr != nil:
		return g.strayErr.Error()
	}
	return ""
}

// killGroup signals every process of group pgid. A pgid of 0 or less
// would address looper's own group (or every process), so it is refused.
func killGroup(pgid int, sig syscall.Signal) error {
	if pgid <= 0 {
		return syscall.EINVAL
	}
	return syscall.Kill(-pgid, sig)
}

// attach records the group id once the leader has started (the leader's
// pid is the group id). exec may call Cancel, and so need the id, before
// Start has returned to the runner, hence both set it; the first wins.
func (g *procGroup) attach(pid int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.pgid == 0 {
		g.pgid = pid
	}
}

// terminate starts the stop sequence: SIGTERM to the group now, SIGKILL
// after the grace period. It is exec.Cmd.Cancel, called once when the
// attempt's context ends (cancel, timeout, idle timeout).
func (g *procGroup) terminate() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.terminated || g.finished {
		return
	}
	g.terminated = true
	g.termAt = time.Now()
	if g.grace <= 0 {
		_ = g.signal(g.pgid, syscall.SIGKILL)
		return
	}
	_ = g.signal(g.pgid, syscall.SIGTERM)
	g.killTimer = time.AfterFunc(g.grace, g.kill)
}

// kill sends SIGKILL to the group unless it has been finished.
func (g *procGroup) kill() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.finished {
		_ = g.signal(g.pgid, syscall.SIGKILL)
	}
}

// Kill sends SIGKILL to the whole group at once, unless it has been
// finished, and records that the attempt was killed (KillAll).
func (g *procGroup) Kill() {
	g.killedAll.Store(true)
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.finished {
		_ = g.signal(g.pgid, syscall.SIGKILL)
	}
}

// wasTerminated reports whether terminate ran, i.e. looper stopped the
// agent rather than the agent ending on its own.
func (g *procGroup) wasTerminated() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.terminated
}

// finish marks the group as gone: no signal is sent to its id afterwards
// (the id could be reused by an unrelated process).
func (g *procGroup) finish() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.finished = true
	if g.killTimer != nil {
		g.killTimer.Stop()
	}
}

// sweep runs after the group leader has exited: members still alive (the
// agent's background processes) get SIGTERM, then SIGKILL after the grace
// period (counted from an earlier terminate when there was one); then the
// processes that left the group but carry the attempt's tag get the same
// (see Strays). It returns once the group is empty, or false after giving
// up (members that cannot be reaped, such as zombies of a parent outside
// looper).
func (g *procGroup) sweep() bool {
	ok := g.sweepGroup()
	g.strays, g.strayErr = killTagged(func(tag string) bool { return tag == g.tag }, g.grace)
	return ok
}

// sweepGroup is sweep's part for the process group.
func (g *procGroup) sweepGroup() bool {
	if !groupAlive(g.pgid) {
		return true
	}
	g.mu.Lock()
	deadline := time.Now().Add(g.grace)
	if g.terminated {
		deadline = g.termAt.Add(g.grace)
	} else {
		g.terminated = true
		g.termAt = time.Now()
		if g.grace > 0 {
			_ = g.signal(g.pgid, syscall.SIGTERM)
		}
	}
	g.mu.Unlock()
	if waitGroupGone(g.pgid, deadline) {
		return true
	}
	g.mu.Lock()
	_ = g.signal(g.pgid, syscall.SIGKILL)
	g.mu.Unlock()
	return waitGroupGone(g.pgid, time.Now().Add(2*time.Second))
}

// groupAlive reaps the group's members that are looper's own zombie
// children (orphans re-parented to looper as subreaper), then reports
// whether any member is left.
func groupAlive(pgid int) bool {
	if pgid <= 0 {
		return false
	}
	for {
		var ws syscall.WaitStatus
		pid, err := syscall.Wait4(-pgid, &ws, syscall.WNOHANG, nil)
		if pid <= 0 || err != nil {
			break
		}
	}
	err := syscall.Kill(-pgid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

func waitGroupGone(pgid int, deadline time.Time) bool {
	pause := time.Millisecond
	for {
		if !groupAlive(pgid) {
			return true
		}
		if !time.Now().Before(deadline) {
			return false
		}
		time.Sleep(min(pause, time.Until(deadline)))
		pause = min(pause*2, 50*time.Millisecond)
	}
}

// killer is a running agent as KillAll sees it, wherever it runs
// (runner.Process).
type killer interface{ Kill() }

// live is every running agent, for KillAll.
var live struct {
	sync.Mutex
	groups map[killer]struct{}
}

func register(g killer) {
	live.Lock()
	defer live.Unlock()
	if live.groups == nil {
		live.groups = map[killer]struct{}{}
	}
	live.groups[g] = struct{}{}
}

func unregister(g killer) {
	live.Lock()
	defer live.Unlock()
	delete(live.groups, g)
}

// KillAll sends SIGKILL to the process group of every agent running in this
// process (through its runner, for an agent on another host or in a
// container), and to every process carrying one of this looper's attempt tags
// (daemons outside the groups, of running or finished attempts), at once
// and without a grace period. It is the second Ctrl-C: the user has already
// asked politely. Each interrupted Run still returns, with class killed.
func KillAll() {
	prefix := tagPrefix()
	defer signalTagged(func(tag string) bool { return strings.HasPrefix(tag, prefix) }, syscall.SIGKILL)
	live.Lock()
	defer live.Unlock()
	for g := range live.groups {
		g.Kill()
	}
}

// liveGroups counts registered groups (tests check none is leaked).
func liveGroups() int {
	live.Lock()
	defer live.Unlock()
	return len(live.groups)
}
