package agent

import (
	"encoding/json"
	"fmt"
	"time"
)

// claudeEvent is the union of the stream-json line shapes the runner reads.
type claudeEvent struct {
	Type            string           `json:"type"`
	Subtype         string           `json:"subtype"`
	SessionID       string           `json:"session_id"`
	Model           string           `json:"model"`
	Message         *claudeMessage   `json:"message"`
	ParentToolUseID *string          `json:"parent_tool_use_id"`
	Error           json.RawMessage  `json:"error"`
	IsError         bool             `json:"is_error"`
	Result          json.RawMessage  `json:"result"`
	Errors          json.RawMessage  `json:"errors"`
	TotalCostUSD    *float64         `json:"total_cost_usd"`
	TotalCost       *float64         `json:"total_cost"`
	CostUSD         *float64         `json:"cost_usd"`
	Usage           *claudeUsage     `json:"usage"`
	ModelUsage      map[string]mUse  `json:"modelUsage"`
	NumTurns        int              `json:"num_turns"`
	TerminalReason  string           `json:"terminal_reason"`
	APIErrorStatus  json.RawMessage  `json:"api_error_status"`
	RateLimitInfo   *claudeRateLimit `json:"rate_limit_info"`
	Attempt         int              `json:"attempt"`
	MaxRetries      int              `json:"max_retries"`
	RetryDelayMS    float64          `json:"retry_delay_ms"`
	ErrorStatus     json.RawMessage  `json:"error_status"`
	ToolName        string           `json:"tool_name"`
	ToolUseID       string           `json:"tool_use_id"`
	ToolInput       json.RawMessage  `json:"tool_input"`
	Denials         []claudeDenial   `json:"permission_denials"`
}

// claudeDenial is one entry of a result's permission_denials: a tool call
// the CLI refused (headless "ask" decisions become denials).
type claudeDenial struct {
	ToolName  string          `json:"tool_name"`
	ToolUseID string          `json:"tool_use_id"`
	ToolInput json.RawMessage `json:"tool_input"`
}

// denial renders a refused tool call as "Bash(git commit -m x)".
func denial(tool string, input json.RawMessage) string {
	if tool == "" {
		tool = "a tool"
	}
	if in := toolSummary(input); in != "" && in != "null" {
		return tool + "(" + in + ")"
	}
	return tool
}

type claudeMessage struct {
	Model   string        `json:"model"`
	Content claudeContent `json:"content"`
}

// claudeContent is a message's content: an array of blocks, or a plain
// string (a user message), decoded in the same pass as the line.
type claudeContent []claudeBlock

// UnmarshalJSON never fails: the line was valid JSON, so an error here is
// a shape this parser does not know, which leaves the content empty (or
// the blocks that did decode) rather than rejecting the line.
func (c *claudeContent) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var s string
		if json.Unmarshal(b, &s) == nil {
			*c = claudeContent{{Type: "text", Text: s}}
		}
		return nil
	}
	var bs []claudeBlock
	_ = json.Unmarshal(b, &bs)
	*c = bs
	return nil
}

type claudeBlock struct {
	Type      string          `json:"type"`
	Text      string          `json:"text"`
	Thinking  string          `json:"thinking"`
	ID        string          `json:"id"`
	Name      string          `json:"name"`
	Input     json.RawMessage `json:"input"`
	ToolUseID string          `json:"tool_use_id"`
	Content   json.RawMessage `json:"content"`
	IsError   bool            `json:"is_error"`
}

type claudeUsage struct {
	InputTokens   int64 `json:"input_tokens"`
	CacheCreation int64 `json:"cache_creation_input_tokens"`
	CacheRead     int64 `json:"cache_read_input_tokens"`
	OutputTokens  int64 `json:"output_tokens"`
}

type mUse struct {
	InputTokens   int64   `json:"inputTokens"`
	OutputTokens  int64   `json:"outputTokens"`
	CacheRead     int64   `json:"cacheReadInputTokens"`
	CacheCreation int64   `json:"cacheCreationInputTokens"`
	CostUSD       float64 `json:"costUSD"`
}

type claudeRateLimit struct {
	Status        string `json:"status"`
	ResetsAt      int64  `json:"resetsAt"`
	RateLimitType string `json:"rateLimitType"`
}

// jsonInt decodes a raw JSON number; null, strings and floats with a
// fraction yield 0.
func jsonInt(raw json.RawMessage) int {
	var n int
	if len(raw) == 0 || json.Unmarshal(raw, &n) != nil {
		return 0
	}
	return n
}

// epoch converts Unix seconds (or milliseconds, which some producers use)
// to a time.
func epoch(n int64) time.Time {
	if n > 1e12 {
		return time.UnixMilli(n)
	}
	return time.Unix(n, 0)
}

func jsonErr(err error) string {
	if se, ok := err.(*json.SyntaxError); ok {
		return fmt.Sprintf("offset %d: %v", se.Offset, se)
	}
	return err.Error()
}
