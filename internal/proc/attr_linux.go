package proc

import "syscall"

// groupAttr starts a command as the leader of a new process group (see
// Group) and has the kernel SIGKILL it when looper dies
// (PR_SET_PDEATHSIG): a looper killed with SIGKILL, or crashed, cannot run
// its own stop sequence, and without this its commands would work on,
// unsupervised, until their own end. The signal goes to the leader only;
// what the command itself started is orphaned and ends by itself.
//
// The kernel sends it when the thread that started the child exits, not the
// process. Go keeps its threads for the life of the process unless a
// goroutine exits while locked to one (runtime.LockOSThread), which looper
// never does around starting commands.
func groupAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
