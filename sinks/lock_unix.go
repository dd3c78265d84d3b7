//go:build unix

package sinks

import (
	"os"

	"golang.org/x/sys/unix"
)

// lockShared takes a shared advisory lock on an open run log, released when
// the file is closed (or the process dies), which is how `looper clean`
// tells a live run from a finished one. Failing to lock only loses that
// protection, so errors are ignored.
func lockShared(f *os.File) {
	_ = unix.Flock(int(f.Fd()), unix.LOCK_SH|unix.LOCK_NB)
}

// inUse reports whether a live looper holds the run log at path open.
func inUse(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	if unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB) != nil {
		return true
	}
	_ = unix.Flock(int(f.Fd()), unix.LOCK_UN)
	return false
}
