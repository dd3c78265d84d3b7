package proc

import "golang.org/x/sys/unix"

// becomeSubreaper makes looper the reaper of its orphaned descendants
// (PR_SET_CHILD_SUBREAPER). When an agent exits and leaves background
// processes behind, they are re-parented to looper instead of PID 1, so
// the sweep of the agent's process group can reap them: in a container
// whose PID 1 does not reap, they would otherwise stay zombies, members of
// the group for ever. Daemons that left the group (setsid) are re-parented
// to looper too once their parent exits; the sweep finds them by the
// attempt's tag (see TagVar), kills and reaps them.
func becomeSubreaper() error {
	return unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
}
