package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"

	"github.com/looper-go/looper/config"
	"github.com/looper-go/looper/internal/agent"
	"github.com/looper-go/looper/sinks"
	"github.com/looper-go/looper/stages"
)

// preflight checks every agent the run may use (the four roles and
// parallel.agents) before anything is opened or written, and returns their
// specs with the versions read and the prices set. When an agent cannot be
// used, it returns an exit-3 error that names each such agent, its binary
// and the fix: the backlog, the repository and the worktrees are untouched.
func preflight(ctx context.Context, cfg *config.Config, cwd string) (map[string]agent.Spec, []agent.Check, error) {
	specs := map[string]agent.Spec{}
	for _, name := range cfg.AgentNames() {
		specs[name] = stages.AgentSpec(cfg, name)
	}
	var used []agent.Spec
	for _, name := range cfg.RoleAgents() {
		used = append(used, specs[name])
	}
	checks := agent.Preflight{Dir: cwd}.Run(ctx, used)
	var failed []string
	for _, c := range checks {
		if c.Err != nil {
			failed = append(failed, fmt.Sprintf("agent %s cannot be used: %v\n  fix: %s", c.Spec.Name, c.Err, c.Fix))
			continue
		}
		specs[c.Spec.Name] = c.Spec
	}
	if ctx.Err() != nil { // Ctrl-C during preflight: exit 130, not 3
		return nil, nil, exitCode(stages.Report{}, context.Cause(ctx))
	}
	if len(failed) > 0 {
		return nil, nil, &exitError{code: exitAgent, err: errors.New(strings.Join(failed, "\n") + "\nnothing was run; the backlog is as it was")}
	}
	return specs, checks, nil
}

// priceAgents gives every codex-format agent the price of its model from
// the [prices] table, so the runner can estimate what its attempts cost,
// and returns a warning for each agent whose model has no price.
func priceAgents(cfg *config.Config, specs map[string]agent.Spec) []string {
	var warnings []string
	for _, name := range cfg.AgentNames() {
		spec := specs[name]
		if spec.Dialect != agent.DialectCodex && spec.Format != agent.FormatCodex {
			continue // claude reports its own cost; text agents report no tokens
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

// reportAgents records in the output and the run log which executable and
// version each agent is, and the warnings of preflight and pricing.
func (s *session) reportAgents(checks []agent.Check, priceWarnings []string) {
	for _, c := range checks {
		msg := fmt.Sprintf("agent %s: %s", c.Spec.Name, c.Path)
		if c.Version != "" {
			msg += " (" + c.Version + ")"
		}
		s.emit(slog.LevelInfo, sinks.KindInfo, msg)
		if c.Warning != "" {
			s.emit(slog.LevelWarn, sinks.KindWarning, c.Warning)
		}
	}
	for _, w := range priceWarnings {
		s.emit(slog.LevelWarn, sinks.KindWarning, w)
	}
}
