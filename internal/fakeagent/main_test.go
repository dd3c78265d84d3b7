package fakeagent

import (
	"os"
	"testing"
)

// binDir holds "claude" and "codex" symlinks to this test binary, which
// TestMain turns into the fake agent, so tests can run it as a real process
// under the names it impersonates.
var binDir string

func TestMain(m *testing.M) {
	if Invoked() {
		Main()
	}
	dir, err := LinkSelf()
	if err != nil {
		panic(err)
	}
	binDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}
