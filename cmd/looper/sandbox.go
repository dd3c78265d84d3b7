package main

import (
	"errors"
	"slices"
	"strings"

	"github.com/looper-go/looper/config"
	"github.com/looper-go/looper/internal/agent"
	"github.com/looper-go/looper/internal/sandbox"
)

// sandboxPolicy is the run's [sandbox] configuration for the project at
// root with its backlog: the runner asks it to confine every attempt.
func sandboxPolicy(cfg *config.Config, root, todoPath string) *sandbox.Policy {
	p := &sandbox.Policy{
		Mode:         sandbox.Mode(cfg.Sandbox.Mode),
		Network:      sandbox.Network(cfg.Sandbox.Network),
		AgentNetwork: map[string]sandbox.Network{},
		ReadOnly:     cfg.Sandbox.ReadOnly,
		ReadWrite:    cfg.Sandbox.ReadWrite,
		Project:      root,
		Backlog:      todoPath,
	}
	for _, name := range cfg.AgentNames() {
		if a, ok := cfg.Agent(name); ok && a.Network != "" {
			p.AgentNetwork[name] = sandbox.Network(a.Network)
		}
	}
	return p
}

// agentArgv is the command line each agent the run may use starts with,
// which is what decides whether auto mode sandboxes it.
func agentArgv(cfg *config.Config, specs map[string]agent.Spec) map[string][]string {
	out := map[string][]string{}
	for _, name := range cfg.RoleAgents() {
		if spec, ok := specs[name]; ok {
			out[name] = spec.Argv(agent.Request{})
		}
	}
	return out
}

// checkSandbox is the sandbox's part of the preflight: with mode = "bwrap"
// where bwrap cannot run, the run must not start (exit 3, nothing
// touched); in auto mode it returns the one notice the run prints when an
// agent that should be sandboxed cannot be.
func checkSandbox(p *sandbox.Policy, argvs map[string][]string) (notice string, err error) {
	var refused []string
	for name, argv := range argvs {
		if d := p.Decide(argv); d.Err != nil {
			refused = append(refused, "agent "+name+" cannot be sandboxed: "+d.Err.Error())
		}
	}
	if len(refused) > 0 {
		return "", &exitError{code: exitAgent, err: errors.New(refused[0] + "\nnothing was run; the backlog is as it was")}
	}
	return p.Notice(argvs), nil
}

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

// sandboxSummary names the sandboxed agents for the run's first lines.
func sandboxSummary(p *sandbox.Policy, argvs map[string][]string) string {
	var on []string
	for name, argv := range argvs {
		if p.Decide(argv).Sandboxed {
			on = append(on, name)
		}
	}
	if len(on) == 0 {
		return ""
	}
	slices.Sort(on)
	return "sandbox: " + strings.Join(on, ", ") + " run in a bwrap sandbox (their worktree, git metadata and /tmp writable; HOME hidden but for their own config; `looper doctor` lists it)"
}
