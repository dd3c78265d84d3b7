package agent

import (
	"math"
	"path/filepath"
	"testing"

	"github.com/looper-go/looper/sinks"
)

// TestPriceCost: cached tokens are part of the input tokens and are billed
// at the cached price only; the rest of the input and the output at theirs.
func TestPriceCost(t *testing.T) {
	t.Parallel()
	p := Price{Input: 1.25, CachedInput: 0.125, Output: 10}
	for _, tc := range []struct {
		u    sinks.Usage
		want float64
	}{
		{sinks.Usage{InputTokens: 10000, CacheReadTokens: 4000, OutputTokens: 2000}, (6000*1.25 + 4000*0.125 + 2000*10) / 1e6},
		{sinks.Usage{InputTokens: 1_000_000}, 1.25},
		{sinks.Usage{InputTokens: 1_000_000, CacheReadTokens: 1_000_000}, 0.125},
		{sinks.Usage{OutputTokens: 1_000_000}, 10},
		// More cached than input (a confused agent): never billed below zero.
		{sinks.Usage{InputTokens: 100, CacheReadTokens: 500}, 100 * 0.125 / 1e6},
	} {
		if got := p.Cost(tc.u); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("Cost(%+v) = %v, want %v", tc.u, got, tc.want)
		}
	}
}

// TestEstimateCost: only an agent with a price that reported tokens and no
// cost gets an estimate, flagged as one; a reported cost is never replaced.
func TestEstimateCost(t *testing.T) {
	t.Parallel()
	price := &Price{Input: 2, CachedInput: 0.5, Output: 8}
	tokens := sinks.Usage{InputTokens: 3000, CacheReadTokens: 1000, OutputTokens: 500}
	got := estimateCost(Spec{Price: price}, tokens)
	if want := (2000*2 + 1000*0.5 + 500*8) / 1e6; !got.CostEstimated || math.Abs(got.CostUSD-want) > 1e-12 {
		t.Errorf("estimate = %+v, want cost %v estimated", got, want)
	}
	if got := estimateCost(Spec{}, tokens); got != tokens {
		t.Errorf("no price: %+v", got)
	}
	reported := tokens
	reported.CostUSD = 0.42
	if got := estimateCost(Spec{Price: price}, reported); got != reported {
		t.Errorf("reported cost replaced: %+v", got)
	}
	if got := estimateCost(Spec{Price: price}, sinks.Usage{}); got != (sinks.Usage{}) {
		t.Errorf("no tokens: %+v", got)
	}
}

// TestPricedModel: the configured model, else one named in the args, else
// codex's default; claude's model is not looper's to guess.
func TestPricedModel(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		spec Spec
		want string
	}{
		{Spec{Name: "codex", Model: "o3"}, "o3"},
		{Spec{Name: "codex", Args: []string{"-m", "gpt-5-mini"}}, "gpt-5-mini"},
		{Spec{Name: "codex", Args: []string{"--model=gpt-4.1"}}, "gpt-4.1"},
		{Spec{Name: "codex", Args: []string{"-c", `model="o4-mini"`}}, "o4-mini"},
		{Spec{Name: "codex", Args: []string{"-c", "approval_policy=never"}}, DefaultCodexModel},
		{Spec{Name: "codex"}, DefaultCodexModel},
		{Spec{Name: "claude"}, ""},
		{Spec{Name: "amp", Dialect: DialectGeneric, Binary: "amp", Format: FormatCodex}, ""},
	} {
		if got := tc.spec.PricedModel(); got != tc.want {
			t.Errorf("%+v: PricedModel = %q, want %q", tc.spec, got, tc.want)
		}
	}
}

// TestFakeCodexCostEstimated: an attempt of the fake codex, which reports
// tokens like the real one and no cost, ends with an estimated cost.
func TestFakeCodexCostEstimated(t *testing.T) {
	t.Parallel()
	price := Price{Input: 1.25, CachedInput: 0.125, Output: 10}
	spec := Spec{Name: "codex", Binary: filepath.Join(fakeBin, "codex"), Price: &price, Grace: testGrace}
	res := (&Runner{}).Run(t.Context(), spec, Request{Dir: t.TempDir(), TaskID: "T1", Prompt: "do T1", Contract: ContractTask})
	if res.Class != ClassOK {
		t.Fatalf("class %s: %s", res.Class, res.Err)
	}
	u := res.Usage
	if u.InputTokens == 0 || u.CacheReadTokens == 0 || !u.CostEstimated || u.CostUSD != price.Cost(u) {
		t.Errorf("usage = %+v, want an estimated cost of %v", u, price.Cost(u))
	}
}
