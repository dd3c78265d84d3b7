package sshrunner

import (
	"os"
	"testing"

	"github.com/looper-go/looper/internal/agent"
)

// TestMain lets the test binary stand in for looper on the hosts: the
// session runs `<looper> remote-agent <dir>`, and the tests name this
// binary as the hosts' looper.
func TestMain(m *testing.M) {
	if len(os.Args) == 3 && os.Args[1] == "remote-agent" {
		os.Exit(Shim(agent.Local{}, os.Args[2], os.Stdin, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}
