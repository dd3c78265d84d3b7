package mockapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
)

// NewAnthropic starts a scripted Anthropic Messages API: POST /v1/messages
// (streamed or not), POST /v1/messages/count_tokens and GET /v1/models.
// Point Claude Code at it with ANTHROPIC_BASE_URL=URL().
func NewAnthropic(script Script) *Server { return newServer(script, anthropic{}) }

// anthropic is the Messages API dialect.
type anthropic struct{}

func (anthropic) isModelCall(r *http.Request) bool {
	return r.Method == http.MethodPost && r.URL.Path == "/v1/messages"
}

func (anthropic) parse(body []byte) (request, error) { return parseAnthropic(body) }

// anthropicModels is the model list GET /v1/models answers with.
var anthropicModels = []string{"claude-opus-4-5", "claude-sonnet-4-5", "claude-haiku-4-5"}

func (anthropic) other(w http.ResponseWriter, r *http.Request, body []byte) int {
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/v1/messages/count_tokens":
		writeJSON(w, http.StatusOK, map[string]any{"input_tokens": 1 + len(body)/4})
		return http.StatusOK
	case r.Method == http.MethodGet && r.URL.Path == "/v1/models":
		data := make([]map[string]any, 0, len(anthropicModels))
		for _, id := range anthropicModels {
			data = append(data, map[string]any{
				"type": "model", "id": id, "display_name": id, "created_at": "2026-01-01T00:00:00Z",
			})
		}
		writeJSON(w, http.StatusOK, map[string]any{
			"data": data, "has_more": false,
			"first_id": anthropicModels[0], "last_id": anthropicModels[len(anthropicModels)-1],
		})
		return http.StatusOK
	}
	writeAnthropicError(w, http.StatusNotFound, "not_found_error", "mockapi: no such endpoint "+r.Method+" "+r.URL.Path)
	return http.StatusNotFound
}

// anthropicErrorTypes maps statuses to the API's error types.
var anthropicErrorTypes = map[int]string{
	http.StatusBadRequest:          "invalid_request_error",
	http.StatusUnauthorized:        "authentication_error",
	http.StatusForbidden:           "permission_error",
	http.StatusNotFound:            "not_found_error",
	http.StatusTooManyRequests:     "rate_limit_error",
	http.StatusInternalServerError: "api_error",
	529:                            "overloaded_error",
}

// anthropicErrorMessages are the messages the real API sends with them.
var anthropicErrorMessages = map[string]string{
	"authentication_error": "invalid x-api-key",
	"permission_error":     "Your API key does not have permission to use the specified resource.",
	"rate_limit_error":     "This request would exceed your account's rate limit. Please try again later.",
	"api_error":            "Internal server error",
	"overloaded_error":     "Overloaded",
}

func (anthropic) writeError(w http.ResponseWriter, status int) {
	typ, ok := anthropicErrorTypes[status]
	if !ok {
		typ = "api_error"
	}
	msg := anthropicErrorMessages[typ]
	if msg == "" {
		msg = http.StatusText(status)
	}
	writeAnthropicError(w, status, typ, msg)
}

func writeAnthropicError(w http.ResponseWriter, status int, typ, msg string) {
	w.Header().Set("request-id", "req_mock")
	writeJSON(w, status, map[string]any{
		"type": "error", "error": map[string]any{"type": typ, "message": msg}, "request_id": "req_mock",
	})
}

// anthropicBlock returns the content block a step answers with and the
// stop reason that goes with it.
func anthropicBlock(conv Conversation, step Step, id int) (map[string]any, string) {
	switch step.Kind {
	case StepWrite:
		path := step.Path
		if !filepath.IsAbs(path) && conv.Dir != "" {
			path = filepath.Join(conv.Dir, path)
		}
		return map[string]any{"type": "tool_use", "id": fmt.Sprintf("toolu_mock%04d", id), "name": "Write",
			"input": map[string]any{"file_path": path, "content": step.Content}}, "tool_use"
	case StepShell:
		return map[string]any{"type": "tool_use", "id": fmt.Sprintf("toolu_mock%04d", id), "name": "Bash",
			"input": map[string]any{"command": step.Command, "description": "Run a shell command"}}, "tool_use"
	}
	return map[string]any{"type": "text", "text": step.Text}, "end_turn"
}

func anthropicUsage(u Usage) map[string]any {
	return map[string]any{
		"input_tokens": u.Input, "output_tokens": u.Output,
		"cache_creation_input_tokens": u.CacheCreation, "cache_read_input_tokens": u.CacheRead,
	}
}

func anthropicMessage(req request, id int, content []any, stop any, u Usage) map[string]any {
	return map[string]any{
		"id": fmt.Sprintf("msg_mock%04d", id), "type": "message", "role": "assistant",
		"model": req.Model, "content": content, "stop_reason": stop, "stop_sequence": nil,
		"usage": anthropicUsage(u),
	}
}

func (anthropic) writeAnswer(w http.ResponseWriter, req request, conv Conversation, step Step, u Usage, id int) {
	block, stop := anthropicBlock(conv, step, id)
	if !req.Stream {
		writeJSON(w, http.StatusOK, anthropicMessage(req, id, []any{block}, stop, u))
		return
	}
	sseHeaders(w)
	start := u
	start.Output = 1
	event(w, "message_start", map[string]any{"type": "message_start", "message": anthropicMessage(req, id, []any{}, nil, start)})
	if block["type"] == "text" {
		event(w, "content_block_start", map[string]any{"type": "content_block_start", "index": 0,
			"content_block": map[string]any{"type": "text", "text": ""}})
		for _, chunk := range chunks(step.Text, 3) {
			event(w, "content_block_delta", map[string]any{"type": "content_block_delta", "index": 0,
				"delta": map[string]any{"type": "text_delta", "text": chunk}})
		}
	} else {
		input, err := json.Marshal(block["input"])
		if err != nil {
			panic(err) // maps of strings always marshal
		}
		event(w, "content_block_start", map[string]any{"type": "content_block_start", "index": 0,
			"content_block": map[string]any{"type": "tool_use", "id": block["id"], "name": block["name"], "input": map[string]any{}}})
		for _, chunk := range chunks(string(input), 3) {
			event(w, "content_block_delta", map[string]any{"type": "content_block_delta", "index": 0,
				"delta": map[string]any{"type": "input_json_delta", "partial_json": chunk}})
		}
	}
	event(w, "content_block_stop", map[string]any{"type": "content_block_stop", "index": 0})
	event(w, "message_delta", map[string]any{"type": "message_delta",
		"delta": map[string]any{"stop_reason": stop, "stop_sequence": nil}, "usage": anthropicUsage(u)})
	event(w, "message_stop", map[string]any{"type": "message_stop"})
}

func (anthropic) writeStallStart(w http.ResponseWriter, req request, id int) {
	sseHeaders(w)
	event(w, "message_start", map[string]any{"type": "message_start",
		"message": anthropicMessage(req, id, []any{}, nil, Usage{Input: 10, Output: 1})})
	event(w, "content_block_start", map[string]any{"type": "content_block_start", "index": 0,
		"content_block": map[string]any{"type": "text", "text": ""}})
	event(w, "content_block_delta", map[string]any{"type": "content_block_delta", "index": 0,
		"delta": map[string]any{"type": "text_delta", "text": "Working on"}})
}

// chunks splits s into at most n pieces of about equal length, on rune
// boundaries, so streams carry real deltas.
func chunks(s string, n int) []string {
	r := []rune(s)
	if len(r) == 0 {
		return []string{""}
	}
	size := max(1, (len(r)+n-1)/n)
	var out []string
	for i := 0; i < len(r); i += size {
		out = append(out, string(r[i:min(len(r), i+size)]))
	}
	return out
}

func sseHeaders(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
}

// event writes v as the data of one SSE event.
func event(w http.ResponseWriter, name string, v any) {
	data, err := json.Marshal(v)
	if err != nil {
		panic(err) // the mock only builds marshalable maps
	}
	writeSSE(w, name, data)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	data, err := json.Marshal(v)
	if err != nil {
		panic(err) // the mock only builds marshalable maps
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(data)
}
