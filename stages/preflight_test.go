package stages

import (
	"errors"
	"strings"
	"testing"

	"github.com/looper-go/looper/config"
	"github.com/looper-go/looper/internal/agent"
	"github.com/looper-go/looper/internal/sandbox"
)

// TestSandboxPreflight checks the sandbox's part of the preflight where
// bwrap cannot run: an explicit mode = "bwrap" stops the run with exit 3
// before anything moves, auto mode runs on with one notice naming the
// agents and the fix, and off says nothing.
func TestSandboxPreflight(t *testing.T) {
	argvs := map[string][]string{
		"claude": {"claude", "-p", "--dangerously-skip-permissions"},
		"codex":  {"codex", "exec", "--sandbox", "workspace-write", "-"},
	}
	missing := func(mode sandbox.Mode) *sandbox.Policy {
		return &sandbox.Policy{Mode: mode, Bwrap: "/nonexistent/looper-test-bwrap"}
	}

	_, err := checkSandbox(missing(sandbox.ModeBwrap), argvs)
	if _, ok := errors.AsType[*PreflightError](err); !ok {
		t.Fatalf("mode bwrap without bwrap: %v, want a PreflightError (exit 3)", err)
	}
	if !strings.Contains(err.Error(), "apt-get install bubblewrap") || !strings.Contains(err.Error(), "nothing was run") {
		t.Errorf("mode bwrap without bwrap: %q lacks the fix or the reassurance", err)
	}

	notice, err := checkSandbox(missing(sandbox.ModeAuto), argvs)
	if err != nil {
		t.Fatalf("auto without bwrap: %v, want a run", err)
	}
	if !strings.Contains(notice, "without a sandbox (claude)") || !strings.Contains(notice, "apt-get install bubblewrap") {
		t.Errorf("auto without bwrap: notice %q, want claude named with the fix", notice)
	}

	if notice, err := checkSandbox(missing(sandbox.ModeOff), argvs); notice != "" || err != nil {
		t.Errorf("off: notice %q, error %v; want neither", notice, err)
	}
}

// TestPriceAgents: codex gets the price of its model (codex's default when
// none is configured); a model without a price gets no estimate and one
// warning naming the [prices] key to add; claude is never priced.
func TestPriceAgents(t *testing.T) {
	load := func(overrides ...config.Override) *config.Config {
		t.Helper()
		cfg, err := config.Load(config.Options{
			Dir: t.TempDir(), Home: t.TempDir(),
			LookupEnv: func(string) (string, bool) { return "", false },
			Overrides: append(overrides, config.Override{Key: "roles.review", Value: "codex", Flag: "test"}),
		})
		if err != nil {
			t.Fatal(err)
		}
		return cfg
	}
	specsOf := func(cfg *config.Config) map[string]agent.Spec {
		specs := map[string]agent.Spec{}
		for _, n := range cfg.AgentNames() {
			specs[n] = AgentSpec(cfg, n)
		}
		return specs
	}

	cfg := load()
	specs := specsOf(cfg)
	if w := PriceAgents(cfg, specs); len(w) != 0 {
		t.Errorf("warnings %q", w)
	}
	want := cfg.Prices[agent.DefaultCodexModel]
	if p := specs["codex"].Price; p == nil || *p != (agent.Price{Input: want.Input, CachedInput: want.CachedInput, Output: want.Output}) {
		t.Errorf("codex price = %+v, want %+v", p, want)
	}
	if ex := string(config.ExampleTOML()); !strings.Contains(ex, "codex's default "+agent.DefaultCodexModel+".") {
		t.Errorf("init's example names another default codex model than %s", agent.DefaultCodexModel)
	}
	if specs["claude"].Price != nil {
		t.Errorf("claude priced: %+v", specs["claude"].Price)
	}

	cfg = load(config.Override{Key: "agents.codex.model", Value: "gpt-9-turbo", Flag: "test"})
	specs = specsOf(cfg)
	w := PriceAgents(cfg, specs)
	if len(w) != 1 || !strings.Contains(w[0], `no price for model "gpt-9-turbo"`) || !strings.Contains(w[0], `[prices."gpt-9-turbo"]`) {
		t.Errorf("warnings %q", w)
	}
	if specs["codex"].Price != nil {
		t.Errorf("unknown model priced: %+v", specs["codex"].Price)
	}
}
