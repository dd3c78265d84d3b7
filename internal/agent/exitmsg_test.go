package agent

import (
	"fmt"
	"strings"
	"syscall"
	"testing"

	"github.com/looper-go/looper/internal/golden"
)

// TestExitMessageGolden pins the line that ends an attempt's command, for
// a clean exit, a failure, a process looper stopped ("claude killed by
// killed: killed" before issue 19) and one that died of a signal looper
// did not send.
func TestExitMessageGolden(t *testing.T) {
	var b strings.Builder
	for _, c := range []struct {
		code   int
		sig    syscall.Signal
		class  Class
		detail string
	}{
		{0, 0, ClassOK, ""},
		{1, 0, ClassCrashed, "exited with status 1 without a result: fatal: boom"},
		{-1, syscall.SIGKILL, ClassKilled, "killed"},
		{-1, syscall.SIGTERM, ClassKilled, "interrupted by SIGINT (Ctrl-C)"},
		{-1, syscall.SIGKILL, ClassTimeout, "no result within 30m0s"},
		{-1, syscall.SIGSEGV, ClassCrashed, "claude was killed by signal SIGSEGV (segmentation fault)"},
	} {
		fmt.Fprintln(&b, exitMessage("claude", c.code, c.sig, c.class, c.detail))
	}
	golden.Check(t, "exit-messages.golden", []byte(b.String()))
}
