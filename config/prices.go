package config

import (
	"fmt"
	"maps"
	"slices"
)

// Price is what one model costs, in US dollars per million tokens. Codex
// reports the tokens of an attempt but no cost, so looper estimates it from
// this table; agents that report a cost themselves (Claude Code) are never
// priced by it.
type Price struct {
	Input       float64 // prompt tokens not served from the cache
	CachedInput float64 // prompt tokens served from the cache
	Output      float64 // generated tokens, reasoning included
}

// PricesDate is when defaultPrices were copied from OpenAI's public price
// list (https://openai.com/api/pricing, standard tier); `looper init`'s
// example and the README quote it so a reader knows how stale they may be.
const PricesDate = "2025-11-20"

// defaultCodexModel is the model looper assumes codex runs when neither
// [agents.codex] model nor -m in its args names one: the default of the
// Codex CLI releases looper was tested with. A model set in codex's own
// ~/.codex/config.toml is not seen; set [agents.codex] model to price it.
// internal/agent prices with the same name (agent.DefaultCodexModel).
const defaultCodexModel = "gpt-5.1-codex-max"

// defaultPrices are OpenAI's list prices for the models codex runs, as of
// PricesDate. A [prices."MODEL"] table overrides one key or adds a model.
var defaultPrices = map[string]Price{
	"gpt-5":              {Input: 1.25, CachedInput: 0.125, Output: 10},
	"gpt-5-codex":        {Input: 1.25, CachedInput: 0.125, Output: 10},
	"gpt-5.1":            {Input: 1.25, CachedInput: 0.125, Output: 10},
	"gpt-5.1-codex":      {Input: 1.25, CachedInput: 0.125, Output: 10},
	"gpt-5.1-codex-max":  {Input: 1.25, CachedInput: 0.125, Output: 10},
	"gpt-5-mini":         {Input: 0.25, CachedInput: 0.025, Output: 2},
	"gpt-5.1-codex-mini": {Input: 0.25, CachedInput: 0.025, Output: 2},
	"gpt-4.1":            {Input: 2, CachedInput: 0.5, Output: 8},
	"o3":                 {Input: 2, CachedInput: 0.5, Output: 8},
	"o4-mini":            {Input: 1.1, CachedInput: 0.275, Output: 4.4},
}

// priceField is one key of a [prices."MODEL"] table.
type priceField struct {
	name string
	doc  string
	get  func(*Price) float64
	set  func(*Price, float64)
}

var priceFields = []*priceField{
	{name: "input", doc: `US dollars per million prompt tokens not served from the cache.`,
		get: func(p *Price) float64 { return p.Input }, set: func(p *Price, v float64) { p.Input = v }},
	{name: "cached_input", doc: `US dollars per million prompt tokens served from the cache. Unset for a new model: the input price.`,
		get: func(p *Price) float64 { return p.CachedInput }, set: func(p *Price, v float64) { p.CachedInput = v }},
	{name: "output", doc: `US dollars per million generated tokens (reasoning included).`,
		get: func(p *Price) float64 { return p.Output }, set: func(p *Price, v float64) { p.Output = v }},
}

// PriceNames returns the priced models in lexical order.
func (c *Config) PriceNames() []string { return slices.Sorted(maps.Keys(c.Prices)) }

// priceSetting turns a price field into the setting "prices.<model>.<field>",
// so that files, `looper config` and sources treat prices like any key.
func priceSetting(model string, f *priceField) *setting {
	return &setting{
		key:  "prices." + quoteKey(model) + "." + f.name,
		doc:  f.doc,
		spec: spec{kind: kindFloat},
		get: func(c *Config) any {
			p := c.Prices[model]
			return f.get(&p)
		},
		set: func(c *Config, v any) {
			p := c.Prices[model]
			f.set(&p, v.(float64))
			c.Prices[model] = p
		},
	}
}

// lookupPriceSetting finds "prices.<model>.<field>"; the model may be
// quoted, as `looper config` prints it.
func lookupPriceSetting(model, field string) (*setting, bool) {
	i := slices.IndexFunc(priceFields, func(f *priceField) bool { return f.name == field })
	if i < 0 {
		return nil, false
	}
	return priceSetting(model, priceFields[i]), true
}

// prices decodes the [prices."MODEL"] tables.
func (p *fileParser) prices(path []string, v any) {
	m, ok := v.(map[string]any)
	if !ok {
		p.problem(path, `got %s; want tables such as [prices."gpt-5-codex"]`, describe(v))
		return
	}
	var known []string
	for _, f := range priceFields {
		known = append(known, f.name)
	}
	for _, model := range p.ordered(path, m) {
		mp := append(slices.Clone(path), model)
		t, ok := m[model].(map[string]any)
		if !ok {
			p.problem(mp, `got %s; want a table: write [prices.%s] and input, cached_input and output below it`, describe(m[model]), quoteKey(model))
			continue
		}
		if model == "" {
			p.problem(mp, "a price needs a model name")
			continue
		}
		p.layer.assigns = append(p.layer.assigns, assignment{price: model, line: p.lines[joinPath(mp)]})
		for _, k := range p.ordered(mp, t) {
			kp := append(slices.Clone(mp), k)
			s, ok := lookupPriceSetting(model, k)
			if !ok {
				p.unknown(kp, known)
				continue
			}
			p.assign(kp, s, t[k])
		}
	}
}

// finalizePrices completes the tables of models the defaults do not know:
// input and output are required, cached_input defaults to input.
func (c *Config) finalizePrices() []Problem {
	var probs []Problem
	for _, model := range c.PriceNames() {
		if _, builtin := defaultPrices[model]; builtin {
			continue
		}
		key := func(f string) string { return "prices." + quoteKey(model) + "." + f }
		for _, f := range []string{"input", "output"} {
			if c.Source(key(f)).Kind == SourceDefault {
				probs = append(probs, Problem{Source: c.Source("prices." + quoteKey(model)), Key: "prices." + quoteKey(model),
					Message: fmt.Sprintf("a new model's price needs input and output (US dollars per million tokens); %s is missing", f)})
			}
		}
		if c.Source(key("cached_input")).Kind == SourceDefault {
			p := c.Prices[model]
			p.CachedInput = p.Input
			c.Prices[model] = p
			c.sources[key("cached_input")] = Source{Kind: SourceDerived, Name: key("input") + " (no cached price given)"}
		}
	}
	return probs
}
