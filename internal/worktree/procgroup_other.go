//go:build !unix

package worktree

import "os/exec"

// setProcessGroup has no process groups to use on this platform; the command
// runs in looper's group.
func setProcessGroup(cmd *exec.Cmd) {}

// killProcessGroup kills the command's own process; its children are not
// reachable as a group on this platform.
func killProcessGroup(cmd *exec.Cmd) error {
	return cmd.Process.Kill()
}
