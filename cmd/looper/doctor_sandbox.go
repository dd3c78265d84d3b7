package main

import (
	"context"
	"fmt"

	"github.com/looper-go/looper/config"
	"github.com/looper-go/looper/internal/agent"
	"github.com/looper-go/looper/stages"
)

// checkSandbox reports the sandbox: whether bwrap works here, which of the
// run's agents it would confine and why, and, for each confined agent,
// what an attempt in place would see (a worktree attempt sees its
// worktree instead of the project read-write). An explicit mode = "bwrap"
// that cannot work is a failure, as `looper run` refuses it; auto mode
// that cannot confine an agent that skips its permission checks is a
// warning with the fix.
func (d *doctorCmd) checkSandbox(ctx context.Context, r *doctorReport, cfg *config.Config, dir string) {
	const check = "sandbox"
	root := projectRoot(ctx, dir)
	p := stages.SandboxPolicy(cfg, root, cfg.TodoPath(dir))
	specs := map[string]agent.Spec{}
	for _, name := range cfg.RoleAgents() {
		if _, ok := cfg.Agent(name); ok {
			specs[name] = stages.AgentSpec(cfg, name)
		}
	}
	argvs := stages.AgentArgv(cfg, specs)
	av := p.Available()
	mode := cfg.Sandbox.Mode
	switch {
	case mode == config.SandboxOff:
		r.ok(check, "mode off: agents run unsandboxed, with every file their user can reach")
		return
	case av.Err == nil:
		r.ok(check, fmt.Sprintf("mode %s: bwrap %s (%s) can create a sandbox here", mode, av.Version, av.Path))
	case mode == config.SandboxBwrap:
		r.fail(check, "mode bwrap, but "+av.Err.Error(), av.Fix)
		return
	case p.Notice(argvs) != "":
		r.warn(check, "mode auto, but "+av.Err.Error()+": agents that skip their permission checks run unsandboxed", av.Fix)
		return
	default:
		r.ok(check, "mode auto: "+av.Err.Error()+", but no agent needs it")
		return
	}
	for _, name := range cfg.RoleAgents() {
		argv, ok := argvs[name]
		if !ok {
			continue
		}
		dec, lines, err := describeSandbox(p, name, argv, dir)
		if err != nil {
			r.fail(check, name+": "+err.Error(), "fix [sandbox] read_only / read_write")
			continue
		}
		if !dec.Sandboxed {
			r.ok(check, name+": not sandboxed: "+dec.Reason)
			continue
		}
		r.ok(check, name+": sandboxed ("+dec.Reason+"); an attempt in place sees:")
		for _, l := range lines {
			r.line("", "", "  "+l)
		}
	}
	r.line("", "", "  (a parallel attempt writes its own worktree instead of the project)")
}
