package proc

import (
	"errors"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Group is the process group of one running command, and the one
// escalation policy looper applies to everything it starts. The command is
// started as the leader of a new group (Setpgid), so everything it spawns,
// and everything those spawn, can be signalled at once with kill(-pgid): a
// stopped command leaves nothing behind. What leaves the group (setsid)
// still carries the group's tag in its environment (see Env), and Sweep
// kills it too.
//
// The zero value is usable but untagged (Sweep then finds no strays); use
// NewGroup.
type Group struct {
	pgid  int
	grace time.Duration
	// tag marks every process of the command (TagVar); Env passes it on.
	tag string
	// strays lists what the sweep had to kill outside the group, and
	// strayErr why it could not look.
	strays   []Stray
	strayErr error
	// signal sends sig to the whole group (nil: killGroup); a field so the
	// escalation can be tested without processes.
	signal func(pgid int, sig syscall.Signal) error

	mu         sync.Mutex
	terminated bool
	termAt     time.Time
	killTimer  *time.Timer
	finished   bool

	// killedAll records that KillAll hit this group, so the caller can tell
	// the user's second Ctrl-C from a crash.
	killedAll atomic.Bool
}

// NewGroup returns a tagged group whose members get grace between SIGTERM
// and SIGKILL; a grace of 0 or less kills at once.
func NewGroup(grace time.Duration) *Group { return newGroup(0, grace) }

func newGroup(pgid int, grace time.Duration) *Group {
	return &Group{pgid: pgid, grace: grace, tag: newTag()}
}

// Env is the environment entry that tags the group's processes; Start adds
// it, and a caller that rewrites the command first (a sandbox) passes it on.
func (g *Group) Env() string { return TagVar + "=" + g.tag }

// SpareLeader makes SIGTERM skip the group's leader, for a leader that
// supervises the command and would end it at once on SIGTERM (bwrap); see
// spareLeader. Call it before Start.
func (g *Group) SpareLeader() { g.signal = spareLeader }

// PGID is the group's id (the leader's pid), 0 before Start.
func (g *Group) PGID() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.pgid
}

// Strays describes what the last sweep killed outside the group, or why it
// could not look; "" when there was nothing. who names the command.
func (g *Group) Strays(who string) string {
	switch {
	case len(g.strays) > 0:
		return describeStrays(who, g.strays)
	case g.strayErr != nil:
		return g.strayErr.Error()
	}
	return ""
}

// KilledAll reports whether KillAll hit the group while it ran.
func (g *Group) KilledAll() bool { return g.killedAll.Load() }

// send signals the group; the caller holds g.mu.
func (g *Group) send(sig syscall.Signal) {
	if g.signal != nil {
		_ = g.signal(g.pgid, sig)
		return
	}
	_ = killGroup(g.pgid, sig)
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
// Start has returned, hence both set it; the first wins.
func (g *Group) attach(pid int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.pgid == 0 {
		g.pgid = pid
	}
}

// Terminate starts the stop sequence: SIGTERM to the group now, SIGKILL
// after the grace period. Start makes it exec.Cmd.Cancel, called once when
// the command's context ends (cancel, timeout, idle timeout); a second call
// does nothing.
func (g *Group) Terminate() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.terminated || g.finished {
		return
	}
	g.terminated = true
	g.termAt = time.Now()
	if g.grace <= 0 {
		g.send(syscall.SIGKILL)
		return
	}
	g.send(syscall.SIGTERM)
	g.killTimer = time.AfterFunc(g.grace, g.kill)
}

// Kill sends SIGKILL to the whole group at once, as KillAll does to every
// group, and records it (KilledAll): a runner's Kill of one attempt, such
// as the "kill" an ssh host's supervisor gets from the coordinator.
func (g *Group) Kill() {
	g.killedAll.Store(true)
	g.kill()
}

// kill sends SIGKILL to the group unless it has been finished.
func (g *Group) kill() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.finished {
		g.send(syscall.SIGKILL)
	}
}

// Terminated reports whether Terminate ran, i.e. looper stopped the
// command rather than the command ending on its own.
func (g *Group) Terminated() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.terminated
}

// finish marks the group as gone: no signal is sent to its id afterwards
// (the id could be reused by an unrelated process).
func (g *Group) finish() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.finished = true
	if g.killTimer != nil {
		g.killTimer.Stop()
	}
}

// sweep runs after the group leader has exited: members still alive (the
// command's background processes) get SIGTERM, then SIGKILL after the
// grace period (counted from an earlier Terminate when there was one);
// then the processes that left the group but carry its tag get the same
// (see Strays). It returns once the group is empty, or false after giving
// up (members that cannot be reaped, such as zombies of a parent outside
// looper).
func (g *Group) sweep() bool {
	ok := g.sweepGroup()
	if g.tag != "" {
		g.strays, g.strayErr = killTagged(func(tag string) bool { return tag == g.tag }, g.grace)
	}
	return ok
}

// sweepGroup is sweep's part for the process group.
func (g *Group) sweepGroup() bool {
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
			g.send(syscall.SIGTERM)
		}
	}
	g.mu.Unlock()
	if waitGroupGone(g.pgid, deadline) {
		return true
	}
	g.mu.Lock()
	g.send(syscall.SIGKILL)
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
