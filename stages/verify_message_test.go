package stages

import (
	"strings"
	"testing"
	"time"

	"github.com/looper-go/looper/internal/golden"
)

// TestVerifyMessageGolden pins how a verification's end reads after its
// command line: no empty ": " when the command printed nothing (issue 19's
// "(verify failed (exit 1): test -f ok.txt: )"), and the command not
// repeated.
func TestVerifyMessageGolden(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	for _, v := range []*VerifyResult{
		{Command: "go test ./...", ExitCode: 0},
		{Command: "test -f ok.txt", ExitCode: 1},
		{Command: "go test ./...", ExitCode: 1, OutputTail: "--- FAIL: TestX\nFAIL\tpkg\t0.1s\n\n"},
		{Command: "sleep 1000", ExitCode: -1, TimedOut: true},
	} {
		b.WriteString("$ /bin/sh -c '" + v.Command + "' (" + verifyMessage(v, 10*time.Minute) + ")\n")
	}
	golden.Check(t, "verify-messages.golden", []byte(b.String()))
}
