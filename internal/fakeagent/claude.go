package fakeagent

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// claudeWriter renders a run as Claude Code's output: stream-json lines
// (the real field sets of 2.1.x), or at the end one JSON document
// (--output-format json; an array of every message with --verbose) or the
// result text (--output-format text).
type claudeWriter struct {
	a       *agent
	session string
	model   string
	msgs    [][]byte // every message, for --output-format json --verbose
	result  []byte
	resText string
	tokens  int
}

func newClaudeWriter(a *agent) *claudeWriter {
	c := &claudeWriter{a: a, session: a.sc.SessionID, model: cmpOr(a.sc.Model, a.opts.model)}
	if c.session == "" {
		c.session = c.uuid()
	}
	switch c.model {
	case "", "sonnet":
		c.model = "claude-sonnet-4-5-20250929"
	case "opus":
		c.model = "claude-opus-4-5-20251101"
	case "haiku":
		c.model = "claude-haiku-4-5-20251001"
	}
	return c
}

func (c *claudeWriter) uuid() string {
	b := make([]byte, 16)
	for i := range b {
		b[i] = byte(c.a.rng.UintN(256))
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

func (c *claudeWriter) id(prefix string) string {
	const letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, 24)
	for i := range b {
		b[i] = letters[c.a.rng.IntN(len(letters))]
	}
	return prefix + string(b)
}

func (c *claudeWriter) emit(v any) {
	b := mustJSON(v)
	switch c.a.opts.outputFormat {
	case "stream-json":
		c.a.out.line(b)
	case "json":
		if c.a.opts.verbose {
			c.msgs = append(c.msgs, b)
		}
	}
}

type cUsage struct {
	InputTokens   int    `json:"input_tokens"`
	CacheCreation int    `json:"cache_creation_input_tokens"`
	CacheRead     int    `json:"cache_read_input_tokens"`
	OutputTokens  int    `json:"output_tokens"`
	ServiceTier   string `json:"service_tier"`
}

type cMessage struct {
	Model        string  `json:"model"`
	ID           string  `json:"id"`
	Type         string  `json:"type"`
	Role         string  `json:"role"`
	Content      []any   `json:"content"`
	StopReason   *string `json:"stop_reason"`
	StopSequence *string `json:"stop_sequence"`
	Usage        cUsage  `json:"usage"`
}

type cAssistant struct {
	Type            string   `json:"type"`
	Message         cMessage `json:"message"`
	ParentToolUseID *string  `json:"parent_tool_use_id"`
	SessionID       string   `json:"session_id"`
	UUID            string   `json:"uuid"`
	Error           string   `json:"error,omitempty"`
}

type cToolResult struct {
	ToolUseID string `json:"tool_use_id"`
	Type      string `json:"type"`
	Content   string `json:"content"`
	IsError   bool   `json:"is_error"`
}

type cUser struct {
	Type    string `json:"type"`
	Message struct {
		Role    string        `json:"role"`
		Content []cToolResult `json:"content"`
	} `json:"message"`
	ParentToolUseID *string `json:"parent_tool_use_id"`
	SessionID       string  `json:"session_id"`
	UUID            string  `json:"uuid"`
	ToolUseResult   any     `json:"tool_use_result,omitempty"`
}

type cModelUsage struct {
	InputTokens   int     `json:"inputTokens"`
	OutputTokens  int     `json:"outputTokens"`
	CacheRead     int     `json:"cacheReadInputTokens"`
	CacheCreation int     `json:"cacheCreationInputTokens"`
	WebSearch     int     `json:"webSearchRequests"`
	CostUSD       float64 `json:"costUSD"`
	ContextWindow int     `json:"contextWindow"`
}

type cResult struct {
	Type              string                 `json:"type"`
	Subtype           string                 `json:"subtype"`
	IsError           bool                   `json:"is_error"`
	DurationMS        int64                  `json:"duration_ms"`
	DurationAPIMS     int64                  `json:"duration_api_ms"`
	NumTurns          int                    `json:"num_turns"`
	Result            *string                `json:"result,omitempty"`
	StopReason        string                 `json:"stop_reason,omitempty"`
	SessionID         string                 `json:"session_id"`
	TotalCostUSD      float64                `json:"total_cost_usd"`
	Usage             cUsage                 `json:"usage"`
	ModelUsage        map[string]cModelUsage `json:"modelUsage"`
	PermissionDenials []any                  `json:"permission_denials"`
	TerminalReason    string                 `json:"terminal_reason,omitempty"`
	APIErrorStatus    *int                   `json:"api_error_status,omitempty"`
	Errors            *[]string              `json:"errors,omitempty"`
	UUID              string                 `json:"uuid"`
}

func (c *claudeWriter) begin() {
	perm := "default"
	switch {
	case c.a.opts.permissionMode != "":
		perm = c.a.opts.permissionMode
	case c.a.opts.skipPerms:
		perm = "bypassPermissions"
	}
	c.emit(struct {
		Type              string   `json:"type"`
		Subtype           string   `json:"subtype"`
		Cwd               string   `json:"cwd"`
		SessionID         string   `json:"session_id"`
		Tools             []string `json:"tools"`
		MCPServers        []any    `json:"mcp_servers"`
		Model             string   `json:"model"`
		PermissionMode    string   `json:"permissionMode"`
		SlashCommands     []string `json:"slash_commands"`
		APIKeySource      string   `json:"apiKeySource"`
		ClaudeCodeVersion string   `json:"claude_code_version"`
		OutputStyle       string   `json:"output_style"`
		Agents            []string `json:"agents"`
		Skills            []string `json:"skills"`
		Plugins           []any    `json:"plugins"`
		UUID              string   `json:"uuid"`
	}{"system", "init", c.a.rc.cwd, c.session,
		[]string{"Task", "Bash", "Glob", "Grep", "Read", "Edit", "Write", "TodoWrite", "WebSearch"},
		[]any{}, c.model, perm, []string{"compact", "context", "cost", "init", "review"}, "none", claudeVersion,
		"default", []string{"general-purpose", "Explore"}, []string{}, []any{}, c.uuid()})
}

func (c *claudeWriter) assistant(content any, synthetic string) {
	n := 1 + c.a.rng.IntN(40)
	c.tokens += n
	msg := cAssistant{Type: "assistant", SessionID: c.session, UUID: c.uuid(), Error: synthetic,
		Message: cMessage{Model: c.model, ID: c.id("msg_01"), Type: "message", Role: "assistant",
			Content: []any{content}, Usage: cUsage{InputTokens: 3, CacheCreation: 120, CacheRead: 14000, OutputTokens: n, ServiceTier: "standard"}}}
	if synthetic != "" {
		msg.Message.Model = "<synthetic>"
		msg.Message.Usage = cUsage{ServiceTier: "standard"}
		stop := "stop_sequence"
		msg.Message.StopReason = &stop
	}
	c.emit(msg)
}

// The content blocks, with the real key order.
type (
	textBlock struct {
		Type string `json:"type"`
		Text string `json:"text"`
	}
	thinkingBlock struct {
		Type      string `json:"type"`
		Thinking  string `json:"thinking"`
		Signature string `json:"signature"`
	}
	toolUseBlock struct {
		Type  string          `json:"type"`
		ID    string          `json:"id"`
		Name  string          `json:"name"`
		Input json.RawMessage `json:"input"`
	}
	bashResult struct {
		Stdout      string `json:"stdout"`
		Stderr      string `json:"stderr"`
		Interrupted bool   `json:"interrupted"`
		IsImage     bool   `json:"isImage"`
	}
)

func (c *claudeWriter) text(s string) {
	c.assistant(textBlock{"text", s}, "")
}

func (c *claudeWriter) reasoning(s string) {
	c.assistant(thinkingBlock{"thinking", s, c.id("sig")}, "")
}

func (c *claudeWriter) toolCall(name string, input json.RawMessage, output string, isError bool, structured any) {
	if len(input) == 0 {
		input = json.RawMessage(`{}`)
	}
	id := c.id("toolu_01")
	c.assistant(toolUseBlock{"tool_use", id, name, input}, "")
	u := cUser{Type: "user", SessionID: c.session, UUID: c.uuid(), ToolUseResult: structured}
	u.Message.Role = "user"
	u.Message.Content = []cToolResult{{ToolUseID: id, Type: "tool_result", Content: output, IsError: isError}}
	c.emit(u)
}

func (c *claudeWriter) tool(t ToolStep) {
	c.toolCall(t.Name, t.Input, t.Output, t.IsError, nil)
}

func (c *claudeWriter) command(cmd, output string, exitCode int) {
	if exitCode != 0 {
		output = fmt.Sprintf("Exit code %d\n%s", exitCode, output)
	}
	c.toolCall("Bash", mustJSON(map[string]string{"command": cmd, "description": "Run " + strings.Fields(cmd + " x")[0]}), output, exitCode != 0,
		bashResult{Stdout: output})
}

func (c *claudeWriter) fileChange(abs, content string, created bool) {
	out := "File created successfully at: " + abs
	if !created {
		out = "The file " + abs + " has been updated."
	}
	c.toolCall("Write", mustJSON(map[string]string{"file_path": abs, "content": content}), out, false, nil)
}

func (c *claudeWriter) writeResult(r cResult, text string) {
	r.Type, r.SessionID, r.UUID = "result", c.session, c.uuid()
	elapsed := time.Since(c.a.start).Milliseconds()
	r.DurationMS, r.DurationAPIMS = elapsed, elapsed*9/10
	if r.NumTurns == 0 {
		r.NumTurns = c.a.turns + 1
	}
	r.Usage.ServiceTier = "standard"
	if u := c.a.sc.Usage; u != nil {
		r.Usage = cUsage{InputTokens: u.InputTokens, OutputTokens: u.OutputTokens, ServiceTier: "standard"}
		r.TotalCostUSD = u.CostUSD
		r.ModelUsage = map[string]cModelUsage{c.model: {InputTokens: u.InputTokens, OutputTokens: u.OutputTokens, CostUSD: u.CostUSD, ContextWindow: 200000}}
	}
	if r.ModelUsage == nil {
		in := len(c.a.prompt)/4 + 10
		r.Usage = cUsage{InputTokens: in, CacheCreation: 2000, CacheRead: 14000 * r.NumTurns, OutputTokens: c.tokens, ServiceTier: "standard"}
		r.TotalCostUSD = float64(in*3+c.tokens*15)/1e6 + 0.0123
		r.ModelUsage = map[string]cModelUsage{c.model: {InputTokens: in, OutputTokens: c.tokens, CacheRead: r.Usage.CacheRead,
			CacheCreation: 2000, CostUSD: r.TotalCostUSD, ContextWindow: 200000}}
	}
	r.PermissionDenials = []any{}
	c.result = mustJSON(r)
	c.resText = text
	c.emit(r)
}

func (c *claudeWriter) success(final string, say bool) {
	if say {
		c.text(final)
	}
	c.writeResult(cResult{Subtype: "success", Result: &final, StopReason: "end_turn"}, final)
}

func (c *claudeWriter) fail(msg, subtype string) {
	r := cResult{Subtype: cmpOr(subtype, "error_during_execution"), IsError: true}
	if r.Subtype == "success" { // an API error: the prose is the result
		r.Result, r.TerminalReason = &msg, "api_error"
		r.Errors = &[]string{}
	} else {
		r.Errors = &[]string{msg}
	}
	c.writeResult(r, msg)
}

type cRateLimitInfo struct {
	Status         string `json:"status"`
	ResetsAt       int64  `json:"resetsAt"`
	RateLimitType  string `json:"rateLimitType"`
	OverageStatus  string `json:"overageStatus"`
	IsUsingOverage bool   `json:"isUsingOverage"`
}

func (c *claudeWriter) rateLimit(reset time.Time) {
	c.emit(struct {
		Type          string         `json:"type"`
		RateLimitInfo cRateLimitInfo `json:"rate_limit_info"`
		SessionID     string         `json:"session_id"`
		UUID          string         `json:"uuid"`
	}{"rate_limit_event", cRateLimitInfo{"rejected", reset.Unix(), "five_hour", "rejected", false}, c.session, c.uuid()})
	msg := "You've hit your limit · resets " + clock12(reset.UTC()) + " (UTC)"
	c.assistant(textBlock{"text", msg}, "rate_limit")
	c.writeResult(cResult{Subtype: "success", IsError: true, Result: &msg, NumTurns: 1,
		ModelUsage: map[string]cModelUsage{}}, msg)
}

// clock12 formats a time as Claude's limit messages do: "2pm", "12:50am".
func clock12(t time.Time) string {
	if t.Minute() == 0 {
		return strings.ToLower(t.Format("3PM"))
	}
	return strings.ToLower(t.Format("3:04PM"))
}

func (c *claudeWriter) auth(msg string) {
	msg = cmpOr(msg, "Invalid API key · Fix external API key")
	c.assistant(textBlock{"text", msg}, "authentication_failed")
	c.writeResult(cResult{Subtype: "success", IsError: true, Result: &msg, NumTurns: 1, ModelUsage: map[string]cModelUsage{}}, msg)
}

func (c *claudeWriter) maxTurns(turns int) error {
	c.writeResult(cResult{Subtype: "error_max_turns", IsError: true, NumTurns: turns + 1, StopReason: "tool_use",
		TerminalReason: "max_turns", Errors: &[]string{fmt.Sprintf("Reached maximum number of turns (%d)", turns)}}, "")
	return nil
}

func (c *claudeWriter) hugeLine(n int) {
	id := c.id("toolu_01")
	c.assistant(toolUseBlock{"tool_use", id, "Read", mustJSON(map[string]string{"file_path": c.a.rc.cwd + "/huge.txt"})}, "")
	u := cUser{Type: "user", SessionID: c.session, UUID: c.uuid()}
	u.Message.Role = "user"
	u.Message.Content = []cToolResult{{ToolUseID: id, Type: "tool_result", Content: hugePlaceholder}}
	c.a.out.line(inflate(mustJSON(u), n))
}

func (c *claudeWriter) floodLine(i int) {
	c.emit(cAssistant{Type: "assistant", SessionID: c.session, UUID: c.uuid(),
		Message: cMessage{Model: c.model, ID: "msg_flood", Type: "message", Role: "assistant",
			Content: []any{textBlock{"text", fmt.Sprintf("flood line %d", i)}}}})
}

func (c *claudeWriter) malformed() {
	c.a.out.line([]byte(`{"type":"assistant","message":{"content":[`))
}

func (c *claudeWriter) end() {
	switch c.a.opts.outputFormat {
	case "json":
		if c.a.opts.verbose {
			doc := "[" + string(bytes.Join(c.msgs, []byte(","))) + "]"
			c.a.out.line([]byte(doc))
		} else if c.result != nil {
			c.a.out.line(c.result)
		}
	case "text":
		if c.result != nil {
			c.a.out.line([]byte(c.resText))
		}
	}
}
