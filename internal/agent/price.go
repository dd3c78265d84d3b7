package agent

import (
	"strings"

	"github.com/looper-go/looper/sinks"
)

// DefaultCodexModel is the model looper assumes codex runs when neither
// Spec.Model nor a -m/--model or -c model=… in Spec.Args names one: the
// default of the Codex CLI releases looper was tested with. A model chosen
// in codex's own ~/.codex/config.toml is not seen; configure the model in
// looper to have it priced.
const DefaultCodexModel = "gpt-5.1-codex-max"

// Price is what a model costs, in US dollars per million tokens. The
// config package's [prices] table fills it in; the zero value prices
// everything at nothing.
type Price struct {
	// Input is the price of prompt tokens not served from the cache.
	Input float64
	// CachedInput is the price of prompt tokens served from the cache.
	CachedInput float64
	// Output is the price of generated tokens, reasoning included.
	Output float64
}

// Cost returns what u's tokens cost at p. Cached tokens are part of
// InputTokens (codex's cached_input_tokens are a subset of its
// input_tokens), so they are billed at CachedInput and only the rest at
// Input.
func (p Price) Cost(u sinks.Usage) float64 {
	cached := min(max(u.CacheReadTokens, 0), max(u.InputTokens, 0))
	fresh := max(u.InputTokens, 0) - cached
	return (float64(fresh)*p.Input + float64(cached)*p.CachedInput + float64(max(u.OutputTokens, 0))*p.Output) / 1e6
}

// PricedModel is the model an attempt of s is billed for: Spec.Model, else
// a model named in Args, else, for codex, DefaultCodexModel. It is empty
// for an agent whose model looper cannot know.
func (s Spec) PricedModel() string {
	if s.Model != "" {
		return s.Model
	}
	for i, a := range s.Args {
		next := ""
		if i+1 < len(s.Args) {
			next = s.Args[i+1]
		}
		switch {
		case a == "-m" || a == "--model":
			return next
		case strings.HasPrefix(a, "--model="):
			return strings.TrimPrefix(a, "--model=")
		case a == "-c" || a == "--config":
			if k, v, ok := strings.Cut(next, "="); ok && strings.TrimSpace(k) == "model" {
				return strings.Trim(strings.TrimSpace(v), `"'`)
			}
		}
	}
	if s.resolved().Dialect == DialectCodex {
		return DefaultCodexModel
	}
	return ""
}

// estimateCost is the one place an attempt's cost is estimated: when the
// agent reported tokens but no cost and s has a Price, the cost is the
// tokens at that price, flagged as an estimate.
func estimateCost(s Spec, u sinks.Usage) sinks.Usage {
	if s.Price == nil || u.CostUSD != 0 || u.InputTokens+u.OutputTokens <= 0 {
		return u
	}
	u.CostUSD = s.Price.Cost(u)
	u.CostEstimated = u.CostUSD != 0
	return u
}
