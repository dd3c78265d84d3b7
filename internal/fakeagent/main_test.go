package fakeagent

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// binDir holds "claude" and "codex" symlinks to this test binary, which
// TestMain turns into the fake agent, so tests can run it as a real process
// under the names it impersonates.
var binDir string

func TestMain(m *testing.M) {
	switch strings.TrimSuffix(filepath.Base(os.Args[0]), ".exe") {
	case "claude", "codex":
		Main()
	}
	dir, err := os.MkdirTemp("", "fakeagent-bin-")
	if err != nil {
		panic(err)
	}
	self, err := os.Executable()
	if err != nil {
		panic(err)
	}
	for _, name := range []string{"claude", "codex"} {
		if err := os.Symlink(self, filepath.Join(dir, name)); err != nil {
			panic(err)
		}
	}
	binDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}
