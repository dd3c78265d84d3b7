package stages

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/looper-go/looper/config"
	"github.com/looper-go/looper/internal/agent"
	"github.com/looper-go/looper/internal/sandbox"
)

// Preflight is what looper checks about the agents before a run opens
// anything (the run log, the backlog, a worktree): every agent the run may
// use can start and say its version, each codex-format agent has its
// model's price, and the [sandbox] policy can confine the agents it must.
// looper run and FromConfig both make one with CheckAgents, so a Go
// program's run is checked and sandboxed as looper run's is.
type Preflight struct {
	// Specs are the configured agents, those the run uses checked (their
	// versions read) and priced: the runner is given these.
	Specs map[string]agent.Spec
	// Checks are the checks of the agents the run uses, in role order:
	// each one's executable and version, for the run's first lines.
	Checks []agent.Check
	// Sandbox is the run's [sandbox] policy, the agent runner's Confiner:
	// it wraps each local attempt of an agent it sandboxes in bwrap.
	Sandbox *sandbox.Policy
	// Argv is the command line each agent the run uses starts with, which
	// decides whether auto mode sandboxes it.
	Argv map[string][]string
	// Warnings are what the run goes on with but should say: an agent's
	// version outside the tested range, a model without a price, agents
	// that auto mode would sandbox and cannot.
	Warnings []string
}

// PreflightError is a run refused before anything ran: agents that cannot
// be used, or an agent the sandbox must confine and cannot (mode = "bwrap"
// where bwrap does not work). looper exits 3 with it.
type PreflightError struct {
	// Problems says, one entry per agent, what is wrong and the fix.
	Problems []string
}

func (e *PreflightError) Error() string {
	return strings.Join(e.Problems, "\n") + "\nnothing was run; the backlog is as it was"
}

// CheckAgents is looper run's preflight for the project whose git top
// level (else its directory) is root, with its backlog at todoPath: it
// checks every agent the configured roles use (agent.Preflight, their
// --version probes run in root), prices them, and builds and checks the
// sandbox policy. An agent that cannot be used, or cannot be sandboxed
// under mode = "bwrap", is a *PreflightError naming each with its fix; a
// cancelled ctx returns its cause.
func CheckAgents(ctx context.Context, cfg *config.Config, root, todoPath string) (*Preflight, error) {
	p := &Preflight{Specs: map[string]agent.Spec{}}
	for _, name := range cfg.AgentNames() {
		p.Specs[name] = AgentSpec(cfg, name)
	}
	var used []agent.Spec
	for _, name := range cfg.RoleAgents() {
		used = append(used, p.Specs[name])
	}
	p.Checks = agent.Preflight{Dir: root}.Run(ctx, used)
	var failed []string
	for _, c := range p.Checks {
		if c.Err != nil {
			failed = append(failed, fmt.Sprintf("agent %s cannot be used: %v\n  fix: %s", c.Spec.Name, c.Err, c.Fix))
			continue
		}
		p.Specs[c.Spec.Name] = c.Spec
		if c.Warning != "" {
			p.Warnings = append(p.Warnings, c.Warning)
		}
	}
	if ctx.Err() != nil {
		return nil, context.Cause(ctx)
	}
	if len(failed) > 0 {
		return nil, &PreflightError{Problems: failed}
	}
	p.Warnings = append(p.Warnings, PriceAgents(cfg, p.Specs)...)
	p.Sandbox = SandboxPolicy(cfg, root, todoPath)
	p.Argv = AgentArgv(cfg, p.Specs)
	notice, err := checkSandbox(p.Sandbox, p.Argv)
	if err != nil {
		return nil, err
	}
	if notice != "" {
		p.Warnings = append(p.Warnings, notice)
	}
	return p, nil
}

// checkSandbox is the sandbox's part of the preflight: with mode =
// "bwrap" where bwrap cannot run, the run must not start (a
// *PreflightError naming the first such agent); in auto mode it returns
// the one notice the run prints when an agent that should be sandboxed
// cannot be.
func checkSandbox(p *sandbox.Policy, argvs map[string][]string) (notice string, err error) {
	for _, name := range slices.Sorted(maps.Keys(argvs)) {
		if d := p.Decide(argvs[name]); d.Err != nil {
			return "", &PreflightError{Problems: []string{"agent " + name + " cannot be sandboxed: " + d.Err.Error()}}
		}
	}
	return p.Notice(argvs), nil
}

// SandboxSummary names the sandboxed agents, for the run's first lines;
// "" when none is.
func (p *Preflight) SandboxSummary() string {
	var on []string
	for name, argv := range p.Argv {
		if p.Sandbox.Decide(argv).Sandboxed {
			on = append(on, name)
		}
	}
	if len(on) == 0 {
		return ""
	}
	slices.Sort(on)
	return "sandbox: " + strings.Join(on, ", ") + " run in a bwrap sandbox (their worktree, git metadata and /tmp writable; HOME hidden but for their own config; `looper doctor` lists it)"
}

// PriceAgents gives every codex-format agent in specs the price of its
// model from the [prices] table, so the runner can estimate what its
// attempts cost, and returns a warning for each agent the run uses whose
// model has no price. Claude reports its own cost, text agents no tokens.
func PriceAgents(cfg *config.Config, specs map[string]agent.Spec) []string {
	var warnings []string
	for _, name := range cfg.AgentNames() {
		spec := specs[name]
		if spec.Dialect != agent.DialectCodex && spec.Format != agent.FormatCodex {
			continue
		}
		used := slices.Contains(cfg.RoleAgents(), name)
		model := spec.PricedModel()
		p, ok := cfg.Prices[model]
		switch {
		case model == "" && used:
			warnings = append(warnings, fmt.Sprintf("agent %s: its model is unknown, so its costs are not estimated; set [agents.%s] model", name, name))
		case !ok && used:
			warnings = append(warnings, fmt.Sprintf("agent %s: no price for model %q, so its costs are not estimated; add [prices.%q] with input, cached_input and output in US dollars per million tokens",
				name, model, model))
		}
		if model == "" || !ok {
			continue
		}
		spec.Price = &agent.Price{Input: p.Input, CachedInput: p.CachedInput, Output: p.Output}
		specs[name] = spec
	}
	return warnings
}

// SandboxPolicy is the run's [sandbox] configuration for the project at
// root with its backlog at todoPath: the agent runner asks it to confine
// every local attempt (looper doctor shows what it would do).
func SandboxPolicy(cfg *config.Config, root, todoPath string) *sandbox.Policy {
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

// AgentArgv is the command line each agent the roles use starts with (of
// those in specs), which is what decides whether auto mode sandboxes it.
func AgentArgv(cfg *config.Config, specs map[string]agent.Spec) map[string][]string {
	out := map[string][]string{}
	for _, name := range cfg.RoleAgents() {
		if spec, ok := specs[name]; ok {
			out[name] = spec.Argv(agent.Request{})
		}
	}
	return out
}
