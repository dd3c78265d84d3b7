//go:build !linux

package proc

// becomeSubreaper is a no-op where the kernel has no child subreaper; the
// group sweep then relies on PID 1 (or launchd) reaping orphans.
func becomeSubreaper() error { return nil }
