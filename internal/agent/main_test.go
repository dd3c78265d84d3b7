package agent

import (
	"fmt"
	"os"
	"testing"

	"github.com/looper-go/looper/internal/fakeagent"
	"github.com/looper-go/looper/internal/proc"
)

// fakeBin holds "claude" and "codex" symlinks to this test binary; run
// under those names, TestMain becomes the fake agent. The runner thus
// spawns, signals and reaps a real process that behaves like the real CLI,
// without a build step.
var fakeBin string

func TestMain(m *testing.M) {
	if fakeagent.Invoked() {
		fakeagent.Main()
	}
	if os.Getenv(orphanParentEnv) != "" {
		orphanParent()
	}
	dir, err := fakeagent.LinkSelf()
	if err != nil {
		panic(err)
	}
	fakeBin = dir
	code := m.Run()
	os.RemoveAll(dir)
	if n := proc.Running(); n != 0 && code == 0 {
		fmt.Fprintf(os.Stderr, "%d agent process groups still registered after the tests\n", n)
		code = 1
	}
	os.Exit(code)
}
