//go:build !unix

package sinks

import "os"

// lockShared does nothing where flock is not available.
func lockShared(*os.File) {}

// inUse cannot tell a live run without flock; it reports false.
func inUse(string) bool { return false }
