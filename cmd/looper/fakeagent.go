package main

import (
	"fmt"
	"io"
	"os"

	"github.com/looper-go/looper/internal/fakeagent"
)

// fakeAgentCmd is the hidden `looper fake-agent <claude|codex> [args...]`:
// the fake agent of internal/fakeagent, so a demo or an end-to-end test can
// point an agent's binary at looper itself (binary = "looper", args =
// ["fake-agent", "claude"]) without building anything else. It is a
// passthrough command: every argument, --help included, goes to the fake
// untouched, as the real CLI would receive it.
type fakeAgentCmd struct {
	Args []string `arg:"" optional:"" passthrough:"all" help:"claude or codex, then the arguments the real CLI would get."`
}

func (c *fakeAgentCmd) Run(stdout io.Writer) error {
	if len(c.Args) == 0 || (c.Args[0] != "claude" && c.Args[0] != "codex") {
		return &exitError{code: exitUsage, err: fmt.Errorf("usage: looper fake-agent <claude|codex> [args...]")}
	}
	if code := fakeagent.Run(c.Args[0], c.Args[1:], os.Stdin, stdout, os.Stderr); code != 0 {
		return &exitError{code: code}
	}
	return nil
}
