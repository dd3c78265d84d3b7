package fakeagent

import (
	"os"
	"path/filepath"
	"strings"
)

// dialects are the CLIs the fake agent impersonates, by the base name it
// is invoked under.
var dialects = []string{"claude", "codex"}

// Invoked reports whether this process was started under the name of one
// of the CLIs it impersonates (claude, codex), so a test binary's TestMain
// can call Main then instead of running its tests.
func Invoked() bool {
	base := strings.TrimSuffix(filepath.Base(os.Args[0]), ".exe")
	for _, d := range dialects {
		if base == d {
			return true
		}
	}
	return false
}

// LinkSelf creates a temporary directory with a symlink per impersonated
// CLI to the running executable, so a test binary whose TestMain calls
// Main when Invoked can spawn, signal and reap itself as the real CLIs,
// without a build step. The caller removes the directory.
func LinkSelf() (string, error) {
	self, err := os.Executable()
	if err != nil {
		return "", err
	}
	dir, err := os.MkdirTemp("", "fakeagent-bin-")
	if err != nil {
		return "", err
	}
	for _, name := range dialects {
		if err := os.Symlink(self, filepath.Join(dir, name)); err != nil {
			os.RemoveAll(dir)
			return "", err
		}
	}
	return dir, nil
}
