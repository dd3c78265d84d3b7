package config

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestPricesDefaults: every built-in model has a price, with the cached
// price below the input price, and `looper config` lists them.
func TestPricesDefaults(t *testing.T) {
	c := Defaults()
	for _, m := range []string{"gpt-5", "gpt-5-codex", "gpt-5.1", "gpt-5.1-codex", "gpt-5.1-codex-max", "gpt-5-mini", "gpt-5.1-codex-mini", "gpt-4.1", "o3", "o4-mini"} {
		p, ok := c.Prices[m]
		if !ok || p.Input <= 0 || p.Output <= 0 || p.CachedInput <= 0 || p.CachedInput >= p.Input {
			t.Errorf("price of %s = %+v, %v", m, p, ok)
		}
	}
	if _, ok := c.Prices[defaultCodexModel]; !ok {
		t.Errorf("codex's assumed default model %s has no price", defaultCodexModel)
	}
	var got []string
	for _, s := range c.Settings() {
		if strings.HasPrefix(s.Key, `prices."gpt-5.1-codex".`) {
			got = append(got, s.Key+" = "+s.Text+" # "+s.Source.String())
		}
	}
	want := []string{
		`prices."gpt-5.1-codex".input = 1.25 # default`,
		`prices."gpt-5.1-codex".cached_input = 0.125 # default`,
		`prices."gpt-5.1-codex".output = 10.0 # default`,
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("settings (-want +got):\n%s", d)
	}
}

// TestPricesOverride: a table overrides one key of a built-in model and
// keeps the others; a new model needs input and output, and its cached
// price defaults to the input price; each value has its file and line.
func TestPricesOverride(t *testing.T) {
	s := newSandbox(t)
	file := s.write(filepath.Join(s.project, "looper.toml"), `[prices."gpt-5-codex"]
output = 12
[prices.my-model]
input = 3.5
output = 7.25
`)
	c := s.mustLoad("")
	if got, want := c.Prices["gpt-5-codex"], (Price{Input: 1.25, CachedInput: 0.125, Output: 12}); got != want {
		t.Errorf("gpt-5-codex = %+v, want %+v", got, want)
	}
	if got, want := c.Prices["my-model"], (Price{Input: 3.5, CachedInput: 3.5, Output: 7.25}); got != want {
		t.Errorf("my-model = %+v, want %+v", got, want)
	}
	if got := c.Source(`prices.gpt-5-codex.output`).String(); got != "project file "+file+":2" {
		t.Errorf("source of the override = %s", got)
	}
	if got := c.Source(`prices.my-model.cached_input`); got.Kind != SourceDerived {
		t.Errorf("source of the derived cached price = %s", got)
	}
	if got := c.Source(`prices.gpt-5.input`); got.Kind != SourceDefault {
		t.Errorf("untouched price source = %s", got)
	}
}

// TestPricesProblems: wrong values, unknown keys and incomplete new models
// are reported with file and line, like every other key.
func TestPricesProblems(t *testing.T) {
	s := newSandbox(t)
	file := s.write(filepath.Join(s.project, "looper.toml"), `[prices."gpt-5"]
input = -1
outptu = 3
[prices.half]
input = 1
[prices.o3]
output = "cheap"
`)
	_, err := s.load("")
	if err == nil {
		t.Fatal("loaded")
	}
	for _, want := range []string{
		file + `:2: prices.gpt-5.input: got -1; want a number ≥ 0`,
		file + `:3: prices.gpt-5.outptu: unknown key (did you mean "output"?)`,
		file + `:4: prices.half: a new model's price needs input and output (US dollars per million tokens); output is missing`,
		file + `:7: prices.o3.output: got "cheap"; want a number ≥ 0`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}

// TestExamplePrices uncomments the [prices] block of ExampleTOML: it loads,
// and gives exactly the built-in prices.
func TestExamplePrices(t *testing.T) {
	text := uncomment(string(ExampleTOML()), "[prices]")
	s := newSandbox(t)
	s.write(filepath.Join(s.project, "looper.toml"), text)
	c := s.mustLoad("")
	if d := cmp.Diff(defaultPrices, c.Prices); d != "" {
		t.Errorf("%s\n(-defaults +example):\n%s", text, d)
	}
	if len(c.Prices) != len(defaultPrices) || c.Source(`prices.o3.output`).Kind != SourceProjectFile {
		t.Errorf("example did not set the prices: %s", c.Source(`prices.o3.output`))
	}
}
