package main

import (
	"slices"
	"strings"
	"testing"

	"github.com/looper-go/looper/config"
	"github.com/looper-go/looper/internal/agent"
	"github.com/looper-go/looper/stages"
)

// TestPermissionModesAgree: config refuses at load exactly the permission
// modes the runner would refuse, so the two lists cannot drift apart.
func TestPermissionModesAgree(t *testing.T) {
	if got, want := config.Enum("agents.claude.permission_mode"), agent.ClaudePermissionModes(); !slices.Equal(got, want) {
		t.Errorf("config allows %v, the runner %v", got, want)
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
			specs[n] = stages.AgentSpec(cfg, n)
		}
		return specs
	}

	cfg := load()
	specs := specsOf(cfg)
	if w := priceAgents(cfg, specs); len(w) != 0 {
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
	w := priceAgents(cfg, specs)
	if len(w) != 1 || !strings.Contains(w[0], `no price for model "gpt-9-turbo"`) || !strings.Contains(w[0], `[prices."gpt-9-turbo"]`) {
		t.Errorf("warnings %q", w)
	}
	if specs["codex"].Price != nil {
		t.Errorf("unknown model priced: %+v", specs["codex"].Price)
	}
}
