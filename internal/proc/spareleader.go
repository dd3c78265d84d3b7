package proc

import "syscall"

// spareLeader is the group signal of an attempt whose leader is a
// supervisor that ends everything it supervises at once when it gets
// SIGTERM (bwrap: it does not forward the signal, and its
// --die-with-parent then kills the sandbox). SIGTERM goes to every other
// member of the group, so the agent gets its grace period and the
// supervisor exits when the agent does; SIGKILL, and any signal when the
// members cannot be listed, goes to the whole group.
func spareLeader(pgid int, sig syscall.Signal) error {
	if sig != syscall.SIGTERM || pgid <= 0 {
		return killGroup(pgid, sig)
	}
	members, ok := groupMembers(pgid)
	if !ok {
		return killGroup(pgid, sig)
	}
	for _, pid := range members {
		if pid != pgid {
			_ = syscall.Kill(pid, sig)
		}
	}
	return nil
}
