//go:build !linux

package proc

import (
	"errors"
	"sync"
	"syscall"
	"time"
)

// unavailableOnce makes killTagged say once per run what it cannot do.
var unavailableOnce sync.Once

// killTagged is unavailable without /proc: a process's environment cannot
// be read cheaply, so daemons an agent started outside its process group
// (setsid, double fork) are not found and run on. The first call returns
// an error saying so, the others nothing; the group kill still stops
// everything else.
func killTagged(match func(tag string) bool, grace time.Duration) ([]Stray, error) {
	var err error
	unavailableOnce.Do(func() {
		err = errors.New("processes a command starts outside its process group (setsid, double fork) cannot be found on this system and are not stopped")
	})
	return nil, err
}

// signalTagged does nothing where killTagged cannot find processes.
func signalTagged(match func(tag string) bool, sig syscall.Signal) {}

// findTagged finds nothing where a process's environment cannot be read.
func findTagged(match func(tag string) bool) []Stray { return nil }
