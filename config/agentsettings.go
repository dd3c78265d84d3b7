package config

import "time"

// agentField is one key of an [agents.<name>] table.
type agentField struct {
	name string
	doc  string
	spec
	get func(*Agent) any
	set func(*Agent, any)
}

var agentFields = []*agentField{
	{name: "binary", spec: spec{kind: kindString},
		doc: `Executable name or path. Required for agents other than claude and codex.`,
		get: func(a *Agent) any { return a.Binary }, set: func(a *Agent, v any) { a.Binary = v.(string) }},
	{name: "model", spec: spec{kind: kindString},
		doc: `Model name passed to the CLI. Empty: the CLI's default.`,
		get: func(a *Agent) any { return a.Model }, set: func(a *Agent, v any) { a.Model = v.(string) }},
	{name: "reasoning", spec: spec{kind: kindString},
		doc: `Codex reasoning effort (-c model_reasoning_effort=...). Empty: the CLI's default.`,
		get: func(a *Agent) any { return a.Reasoning }, set: func(a *Agent, v any) { a.Reasoning = v.(string) }},
	{name: "args", spec: spec{kind: kindList, comma: true},
		doc: `Extra arguments, as an array or upstream's comma-separated string.`,
		get: func(a *Agent) any { return a.Args }, set: func(a *Agent, v any) { a.Args = v.([]string) }},
	{name: "prompt_format", spec: spec{kind: kindString, enum: append([]string{""}, promptFmtValues...)},
		doc: `Generic agents: "stdin" sends the prompt on standard input, "arg" as the last argument. Empty: stdin.`,
		get: func(a *Agent) any { return a.PromptFormat }, set: func(a *Agent, v any) { a.PromptFormat = v.(string) }},
	{name: "format", spec: spec{kind: kindString, enum: append([]string{""}, formatValues...)},
		doc: `Generic agents: the output stream they print (claude stream-json, codex --json, or plain text). Required for them.`,
		get: func(a *Agent) any { return a.Format }, set: func(a *Agent, v any) { a.Format = v.(string) }},
	{name: "permission_mode", spec: spec{kind: kindString, enum: append([]string{""}, permModeValues...)},
		doc: `Claude --permission-mode: acceptEdits, auto, bypassPermissions, default, dontAsk, manual or plan. Empty: --dangerously-skip-permissions, as upstream.`,
		get: func(a *Agent) any { return a.PermissionMode }, set: func(a *Agent, v any) { a.PermissionMode = v.(string) }},
	{name: "sandbox", spec: spec{kind: kindString, enum: append([]string{""}, sandboxValues...)},
		doc: `Codex --sandbox policy. Empty: the runner's default.`,
		get: func(a *Agent) any { return a.Sandbox }, set: func(a *Agent, v any) { a.Sandbox = v.(string) }},
	{name: "approval", spec: spec{kind: kindString, enum: append([]string{""}, approvalValues...)},
		doc: `Codex approval policy. Empty: the runner's default.`,
		get: func(a *Agent) any { return a.Approval }, set: func(a *Agent, v any) { a.Approval = v.(string) }},
	{name: "env", spec: spec{kind: kindEnv},
		doc: `Extra environment for the agent process: { NAME = "value" }.`,
		get: func(a *Agent) any { return a.Env }, set: func(a *Agent, v any) { a.Env = v.([]string) }},
	{name: "timeout", spec: spec{kind: kindDuration, min: 1},
		doc: `Limit for one attempt; then the agent's process group is stopped.`,
		get: func(a *Agent) any { return a.Timeout }, set: func(a *Agent, v any) { a.Timeout = v.(time.Duration) }},
	{name: "idle_timeout", spec: spec{kind: kindDuration},
		doc: `Stop an attempt that prints nothing for this long. "0": off.`,
		get: func(a *Agent) any { return a.IdleTimeout }, set: func(a *Agent, v any) { a.IdleTimeout = v.(time.Duration) }},
	{name: "retry_timeout", spec: spec{kind: kindDuration},
		doc: `Stop an attempt whose only output, for this long, is the CLI retrying its model API (claude's "API retry", codex's "Reconnecting..."): the API is unreachable or failing. The agent is then not used for the rest of the run and its tasks stay as they were. An authentication failure stops it at the first retry. "0": off.`,
		get: func(a *Agent) any { return a.RetryTimeout }, set: func(a *Agent, v any) { a.RetryTimeout = v.(time.Duration) }},
	{name: "grace", spec: spec{kind: kindDuration},
		doc: `When an attempt is stopped (timeout, idle_timeout, Ctrl-C, fail_fast), the time between SIGTERM and SIGKILL to the agent's process group. "0": SIGKILL at once.`,
		get: func(a *Agent) any { return a.Grace }, set: func(a *Agent, v any) { a.Grace = v.(time.Duration) }},
	{name: "network", spec: spec{kind: kindString, enum: append([]string{""}, networkValues...)},
		doc: `Network of this agent in the sandbox: host or none. Empty: [sandbox] network.`,
		get: func(a *Agent) any { return a.Network }, set: func(a *Agent, v any) { a.Network = v.(string) }},
}

// builtinAgentEnv lists upstream's environment variables for the built-in
// agents' keys; when several are set the last listed wins.
var builtinAgentEnv = map[string][]string{
	"agents.claude.binary":   {"CLAUDE_BIN"},
	"agents.claude.model":    {"CLAUDE_MODEL"},
	"agents.claude.args":     {"CLAUDE_ARGS"},
	"agents.codex.binary":    {"CODEX_BIN"},
	"agents.codex.model":     {"CODEX_MODEL"},
	"agents.codex.reasoning": {"CODEX_REASONING", "CODEX_REASONING_EFFORT"},
	"agents.codex.args":      {"CODEX_ARGS"},
}
