//go:build !linux

package agent

import "syscall"

// groupAttr starts an agent as the leader of a new process group (see
// procGroup). Only Linux can also tie the agent's life to looper's.
func groupAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
