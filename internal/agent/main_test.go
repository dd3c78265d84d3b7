package agent

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/looper-go/looper/internal/fakeagent"
)

// fakeBin holds "claude" and "codex" symlinks to this test binary; run
// under those names, TestMain becomes the fake agent. The runner thus
// spawns, signals and reaps a real process that behaves like the real CLI,
// without a build step.
var fakeBin string

func TestMain(m *testing.M) {
	switch strings.TrimSuffix(filepath.Base(os.Args[0]), ".exe") {
	case "claude", "codex":
		fakeagent.Main()
	}
	if os.Getenv(orphanParentEnv) != "" {
		orphanParent()
	}
	dir, err := os.MkdirTemp("", "agent-fake-bin-")
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
	fakeBin = dir
	code := m.Run()
	os.RemoveAll(dir)
	if n := liveGroups(); n != 0 && code == 0 {
		fmt.Fprintf(os.Stderr, "%d agent process groups still registered after the tests\n", n)
		code = 1
	}
	os.Exit(code)
}
