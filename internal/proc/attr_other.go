//go:build !linux

package proc

import "syscall"

// groupAttr starts a command as the leader of a new process group (see
// Group). Only Linux can also tie the command's life to looper's.
func groupAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
