package config

import (
	"bytes"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// exampleHeader opens ExampleTOML.
const exampleHeader = `# looper.toml: looper's configuration, with every key at its default value.
#
# Layers, lowest first: built-in defaults < user file (~/.looper/looper.toml, else
# $XDG_CONFIG_HOME/looper/looper.toml) < project file (.looper/looper.toml, looper.toml or
# .looper.toml) < environment < --config FILE < command-line flags.
# "looper config" prints every effective value and where it came from; "looper doctor"
# checks the agents, git, the backlog and the log directory.
#
# Unknown keys are errors (with the nearest known key); upstream's legacy keys
# (schedule, review_agent, ...) are read with a warning and ignored.
# LOOPER_PROMPT / --prompt give the bootstrap agent its idea; there is no file key for it.
`

// seedExamples are the parallelism plan's two example configurations.
const seedExamples = `# Two typical setups:
#
# Basic parallelism:
#   [parallel]
#   enabled = true
#   max_tasks = 4
#   max_agents_per_task = 1      # set >1 for multi-agent consensus per task
#   strategy = "priority"
#   fail_fast = false            # continue other tasks on failure (default)
#   output_mode = "multiplexed"  # interleave output with prefixes (default)
#
# Multi-agent consensus:
#   [parallel]
#   enabled = true
#   max_tasks = 4
#   max_agents_per_task = 3      # run 3 agents per task for voting/consensus
#   strategy = "mixed"
#   output_mode = "summary"      # show only summaries when using multiple agents
#
# Command-line equivalent of the first: looper run --parallel --max-tasks 4
#
`

// agentExampleFields lists, per built-in agent, the keys that apply to it.
var agentExampleFields = map[string][]string{
	AgentClaude: {"binary", "model", "args", "permission_mode", "env", "timeout", "idle_timeout", "retry_timeout", "grace", "network"},
	AgentCodex:  {"binary", "model", "reasoning", "args", "sandbox", "approval", "env", "timeout", "idle_timeout", "retry_timeout", "grace", "network"},
}

// genericExample is the commented generic agent table.
const genericExample = `
# Any other name is a generic agent: a command that prints claude's stream-json, codex's
# --json events, or plain text. binary and format are required. For example:
#
#   [agents.my-agent]
#   binary = "my-agent"
#   format = "text"           # "claude", "codex" or "text"
#   prompt_format = "stdin"   # "stdin" (default) or "arg": the prompt as the last argument
#   model = ""
#   args = []
#   env = {}
#   timeout = "30m"
#   idle_timeout = "0"
#   retry_timeout = "2m"
#   grace = "10s"
#   network = ""
`

// ExampleTOML returns a commented looper.toml that sets every key to its
// default, with the parallelism plan's two example [parallel] setups in
// comments. `looper init` writes it; parsing it yields Defaults().
func ExampleTOML() []byte {
	var b bytes.Buffer
	d := Defaults()
	b.WriteString(exampleHeader)
	section := ""
	for _, s := range settings {
		if s.noFile {
			continue
		}
		name, leaf, nested := strings.Cut(s.key, ".")
		if !nested {
			leaf = name
			name = ""
		}
		if name != section {
			section = name
			fmt.Fprintf(&b, "\n[%s]\n", section)
			if section == "parallel" {
				b.WriteString(seedExamples)
			}
		}
		value := formatTOML(displayValue(s, s.get(d)))
		if s.exampleCommented {
			leaf = "# " + leaf
		}
		writeKey(&b, leaf, s.doc, s.env, value)
	}
	for _, name := range []string{AgentClaude, AgentCodex} {
		fmt.Fprintf(&b, "\n[agents.%s]\n", name)
		for _, field := range agentExampleFields[name] {
			s, _ := lookupSetting("agents." + name + "." + field)
			writeKey(&b, field, s.doc, s.env, formatTOML(displayValue(s, s.get(d))))
		}
	}
	b.WriteString(genericExample)
	writePricesExample(&b)
	return b.Bytes()
}

// writePricesExample documents the [prices] table in comments: the
// defaults stay looper's own, so a newer looper's prices reach the user.
func writePricesExample(b *bytes.Buffer) {
	fmt.Fprintf(b, `
# Codex reports tokens but no cost: looper estimates it from these prices, in US dollars
# per million tokens (cached input tokens at the cached price), and marks it "(est.)".
# The model is [agents.codex] model, else codex's default %s.
# Built in: OpenAI's list prices of %s. A [prices."MODEL"] table overrides
# any of its keys, or prices another model:
#
#   [prices]
`, defaultCodexModel, PricesDate)
	models := slices.Sorted(maps.Keys(defaultPrices))
	width := 0
	for _, m := range models {
		width = max(width, len(quoteKey(m)))
	}
	for _, m := range models {
		p := defaultPrices[m]
		fmt.Fprintf(b, "#   %-*s = { input = %s, cached_input = %s, output = %s }\n", width, quoteKey(m),
			formatTOML(p.Input), formatTOML(p.CachedInput), formatTOML(p.Output))
	}
}

func writeKey(b *bytes.Buffer, key, doc string, env []string, value string) {
	b.WriteByte('\n')
	text := doc
	if len(env) > 0 {
		text += " Environment: " + strings.Join(env, ", ") + "."
	}
	for _, line := range wrap(text, 88) {
		b.WriteString("# " + line + "\n")
	}
	fmt.Fprintf(b, "%s = %s\n", key, value)
}

// wrap breaks text into lines of at most width bytes at spaces.
func wrap(text string, width int) []string {
	var lines []string
	line := ""
	for _, w := range strings.Fields(text) {
		if line != "" && len(line)+1+len(w) > width {
			lines = append(lines, line)
			line = ""
		}
		if line != "" {
			line += " "
		}
		line += w
	}
	if line != "" {
		lines = append(lines, line)
	}
	return lines
}
