package mockapi

import (
	"encoding/json"
	"strings"
)

// request is what the servers need from a model request body, whichever
// API it came in: the model, whether to stream, whether the CLI offered
// tools, the text of its user messages and how many tool results it sends.
type request struct {
	Model       string
	Stream      bool
	MaxTokens   int
	HasTools    bool
	UserText    string
	ToolResults int
}

// anthropicBody is the part of a Messages API request the mock reads.
type anthropicBody struct {
	Model     string            `json:"model"`
	Stream    bool              `json:"stream"`
	MaxTokens int               `json:"max_tokens"`
	Tools     []json.RawMessage `json:"tools"`
	Messages  []struct {
		Role    string          `json:"role"`
		Content json.RawMessage `json:"content"`
	} `json:"messages"`
}

// contentBlock is one block of a message's content array (either API).
type contentBlock struct {
	Type    string          `json:"type"`
	Text    string          `json:"text"`
	Content json.RawMessage `json:"content"`
}

// parseAnthropic reads a Messages API request body. Content is either a
// string or an array of blocks; tool results are tool_result blocks.
func parseAnthropic(body []byte) (request, error) {
	var b anthropicBody
	if err := json.Unmarshal(body, &b); err != nil {
		return request{}, err
	}
	r := request{Model: b.Model, Stream: b.Stream, MaxTokens: b.MaxTokens, HasTools: len(b.Tools) > 0}
	var text strings.Builder
	for _, m := range b.Messages {
		if m.Role != "user" {
			continue
		}
		var s string
		if json.Unmarshal(m.Content, &s) == nil {
			text.WriteString(s + "\n")
			continue
		}
		var blocks []contentBlock
		if json.Unmarshal(m.Content, &blocks) != nil {
			continue
		}
		for _, blk := range blocks {
			switch blk.Type {
			case "text":
				text.WriteString(blk.Text + "\n")
			case "tool_result":
				r.ToolResults++
			}
		}
	}
	r.UserText = text.String()
	return r, nil
}

// responsesBody is the part of a Responses API request the mock reads.
type responsesBody struct {
	Model  string            `json:"model"`
	Stream bool              `json:"stream"`
	Tools  []json.RawMessage `json:"tools"`
	Input  json.RawMessage   `json:"input"`
}

// responsesItem is one item of a Responses API input array.
type responsesItem struct {
	Type    string          `json:"type"`
	Role    string          `json:"role"`
	Content json.RawMessage `json:"content"`
}

// parseResponses reads a Responses API request body. Input is either a
// string or an array of items; tool results are *_call_output items
// (function_call_output for exec_command, custom_tool_call_output for
// apply_patch).
func parseResponses(body []byte) (request, error) {
	var b responsesBody
	if err := json.Unmarshal(body, &b); err != nil {
		return request{}, err
	}
	r := request{Model: b.Model, Stream: b.Stream, HasTools: len(b.Tools) > 0}
	var s string
	if len(b.Input) > 0 && json.Unmarshal(b.Input, &s) == nil {
		r.UserText = s
		return r, nil
	}
	var items []responsesItem
	if len(b.Input) > 0 {
		if err := json.Unmarshal(b.Input, &items); err != nil {
			return request{}, err
		}
	}
	var text strings.Builder
	for _, it := range items {
		switch {
		case it.Type == "additional_tools":
			// Codex 0.169 offers its tools in the input, not in "tools".
			r.HasTools = true
		case strings.HasSuffix(it.Type, "_call_output"):
			r.ToolResults++
		case it.Role == "user" && (it.Type == "message" || it.Type == ""):
			if json.Unmarshal(it.Content, &s) == nil {
				text.WriteString(s + "\n")
				continue
			}
			var blocks []contentBlock
			if json.Unmarshal(it.Content, &blocks) != nil {
				continue
			}
			for _, blk := range blocks {
				if blk.Type == "input_text" || blk.Type == "text" {
					text.WriteString(blk.Text + "\n")
				}
			}
		}
	}
	r.UserText = text.String()
	return r, nil
}
