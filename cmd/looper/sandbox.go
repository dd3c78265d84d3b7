package main

import (
	"github.com/looper-go/looper/internal/sandbox"
)

// describeSandbox is what `looper doctor` prints about one agent's
// sandbox: whether it is on and why, and what an attempt in dir would see.
func describeSandbox(p *sandbox.Policy, name string, argv []string, dir string) (sandbox.Decision, []string, error) {
	d := p.Decide(argv)
	if !d.Sandboxed {
		return d, nil, nil
	}
	plan, err := p.Plan(sandbox.Attempt{Agent: name, Dir: dir, Argv: argv})
	if err != nil {
		return d, nil, err
	}
	return d, plan.Describe(), nil
}
