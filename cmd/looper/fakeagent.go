package main

import (
	"io"
	"os"

	"github.com/looper-go/looper/internal/fakeagent"
)

// fakeAgentCmd is the hidden `looper fake-agent <claude|codex> [args...]`:
// the fake agent of internal/fakeagent, so a demo or an end-to-end test can
// point an agent's binary at looper itself (binary = "looper", args =
// ["fake-agent", "claude"]) without building anything else. Everything
// after the dialect goes to the fake untouched, flags included.
type fakeAgentCmd struct {
	Dialect string   `arg:"" enum:"claude,codex" help:"The CLI to impersonate."`
	Args    []string `arg:"" optional:"" passthrough:"all" help:"The arguments the real CLI would get."`
}

func (c *fakeAgentCmd) Run(stdout io.Writer) error {
	if code := fakeagent.Run(c.Dialect, c.Args, os.Stdin, stdout, os.Stderr); code != 0 {
		return &exitError{code: code}
	}
	return nil
}
