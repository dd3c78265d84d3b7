package proc

import (
	"errors"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
)

// alive reports whether pid runs; a zombie counts as gone (ps reports it
// as Z on Linux and macOS alike).
func alive(pid int) bool {
	if err := syscall.Kill(pid, 0); err != nil && !errors.Is(err, syscall.EPERM) {
		return false
	}
	out, err := exec.Command("ps", "-o", "stat=", "-p", strconv.Itoa(pid)).Output()
	if err != nil {
		return false
	}
	return !strings.HasPrefix(strings.TrimSpace(string(out)), "Z")
}
