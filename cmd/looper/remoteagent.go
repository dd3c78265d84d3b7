package main

import (
	"io"
	"os"

	"github.com/looper-go/looper/internal/agent"
	"github.com/looper-go/looper/internal/sshrunner"
)

// remoteAgentCmd is the hidden `looper remote-agent <dir>`: the ssh
// runner's supervisor on a host. The coordinator starts it over ssh in the
// attempt's directory there and sends the agent's command on its stdin; it
// runs the agent in its own process group (agent.Local), streams its output
// back, obeys "stop" and "kill", and records how the agent ended in
// <dir>/exit.json (internal/sshrunner).
type remoteAgentCmd struct {
	Dir string `arg:"" help:"The attempt's directory on this host."`
}

func (c *remoteAgentCmd) Run(stdout io.Writer) error {
	if code := sshrunner.Shim(agent.Local{}, c.Dir, os.Stdin, stdout, os.Stderr); code != 0 {
		return &exitError{code: code}
	}
	return nil
}
