//go:build !linux

package sandbox

import (
	"errors"
	"runtime"
)

// probe reports that bubblewrap exists only on Linux: elsewhere auto mode
// runs agents unconfined (and says so) and mode = "bwrap" refuses to run.
func probe(string) Availability {
	return Availability{
		Err: errors.New("bubblewrap sandboxes exist only on Linux, not on " + runtime.GOOS),
		Fix: "run looper on Linux (or in a Linux VM or container) for a sandbox",
	}
}
