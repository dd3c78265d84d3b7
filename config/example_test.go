package config

import (
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
	"github.com/google/go-cmp/cmp"
)

// TestExampleIsDefaults parses ExampleTOML as a project file: no problems,
// no warnings, and every value equals the built-in default.
func TestExampleIsDefaults(t *testing.T) {
	l := parseFile(Source{Kind: SourceProjectFile, Name: "looper.toml"}, ExampleTOML())
	if len(l.problems) != 0 || len(l.warnings) != 0 {
		t.Fatalf("problems %v, warnings %v", l.problems, l.warnings)
	}
	c := Defaults()
	for _, a := range l.assigns {
		if a.setting != nil {
			c.set(a.setting, a.value, Source{Kind: SourceProjectFile})
		}
	}
	if probs := c.finalize(); len(probs) != 0 || len(c.Warnings) != 0 {
		t.Fatalf("finalize: %v %v", probs, c.Warnings)
	}
	if d := cmp.Diff(values(Defaults()), values(c)); d != "" {
		t.Errorf("example differs from the defaults (-defaults +example):\n%s", d)
	}
}

// TestExampleCoversEveryKey checks that the example sets every file key:
// the fixed ones, and every agent field in some agent table (the built-ins
// or the commented generic agent).
func TestExampleCoversEveryKey(t *testing.T) {
	ex := string(ExampleTOML())
	var raw map[string]any
	md, err := toml.Decode(ex, &raw)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range settings {
		switch {
		case s.exampleCommented:
			parts := strings.Split(s.key, ".")
			if !strings.Contains(ex, "\n# "+parts[len(parts)-1]+" = ") || md.IsDefined(parts...) {
				t.Errorf("ExampleTOML does not show %s commented out", s.key)
			}
		case !s.noFile && !md.IsDefined(strings.Split(s.key, ".")...):
			t.Errorf("ExampleTOML does not set %s", s.key)
		}
	}
	generic := uncomment(ex, "[agents.my-agent]")
	for _, f := range agentFields {
		if !md.IsDefined("agents", "claude", f.name) && !md.IsDefined("agents", "codex", f.name) && !strings.Contains(generic, "\n"+f.name+" = ") {
			t.Errorf("ExampleTOML documents no agent key %s", f.name)
		}
	}
}

// TestExampleSeedConfigs uncomments the two [parallel] examples and the
// generic agent in ExampleTOML and loads them.
func TestExampleSeedConfigs(t *testing.T) {
	ex := string(ExampleTOML())
	for _, tc := range []struct {
		block string
		check func(c *Config) bool
	}{
		{"# Basic parallelism:", func(c *Config) bool {
			p := c.Parallel
			return p.Enabled && p.MaxTasks == 4 && p.MaxAgentsPerTask == 1 && p.Strategy == StrategyPriority && !p.FailFast && p.OutputMode == OutputMultiplexed
		}},
		{"# Multi-agent consensus:", func(c *Config) bool {
			p := c.Parallel
			return p.Enabled && p.MaxTasks == 4 && p.MaxAgentsPerTask == 3 && p.Strategy == StrategyMixed && p.OutputMode == OutputSummary
		}},
		{"[agents.my-agent]", func(c *Config) bool {
			a := c.Agents["my-agent"]
			return a.Binary == "my-agent" && a.Format == "text" && a.PromptFormat == "stdin"
		}},
	} {
		text := uncomment(ex, tc.block)
		l := parseFile(Source{Kind: SourceProjectFile, Name: "x"}, []byte(text))
		if len(l.problems) != 0 || len(l.warnings) != 0 {
			t.Fatalf("%s:\n%s\nproblems %v warnings %v", tc.block, text, l.problems, l.warnings)
		}
		c := Defaults()
		for _, a := range l.assigns {
			if a.setting != nil {
				c.set(a.setting, a.value, Source{})
			} else {
				c.Agents[a.agent] = defaultAgent(a.agent)
			}
		}
		if probs := c.finalize(); len(probs) != 0 || !tc.check(c) {
			t.Errorf("%s: problems %v, config %+v", tc.block, probs, c.Parallel)
		}
	}
}

// uncomment returns the indented commented lines that follow the line
// containing marker, with "#   " removed.
func uncomment(text, marker string) string {
	var out []string
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		if !strings.Contains(l, marker) {
			continue
		}
		if strings.HasPrefix(marker, "[") {
			out = append(out, strings.TrimPrefix(l, "#   "))
		}
		for _, m := range lines[i+1:] {
			body, ok := strings.CutPrefix(m, "#   ")
			if !ok {
				break
			}
			out = append(out, body)
		}
		break
	}
	return strings.Join(out, "\n") + "\n"
}
