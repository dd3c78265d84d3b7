package mockapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/looper-go/looper/internal/shellquote"
)

// NewResponses starts a scripted OpenAI Responses API: POST /v1/responses
// (SSE) and GET /v1/models. Point Codex at it with a custom model provider
// whose base_url is URL()+"/v1" and wire_api is "responses".
func NewResponses(script Script) *Server { return newServer(script, responses{}) }

// responses is the Responses API dialect.
type responses struct{}

func (responses) isModelCall(r *http.Request) bool {
	return r.Method == http.MethodPost && r.URL.Path == "/v1/responses"
}

func (responses) parse(body []byte) (request, error) { return parseResponses(body) }

func (responses) other(w http.ResponseWriter, r *http.Request, _ []byte) int {
	if r.Method == http.MethodGet && r.URL.Path == "/v1/models" {
		writeJSON(w, http.StatusOK, map[string]any{"object": "list", "data": []any{}, "models": []any{}})
		return http.StatusOK
	}
	writeOpenAIError(w, http.StatusNotFound, "not_found", "mockapi: no such endpoint "+r.Method+" "+r.URL.Path)
	return http.StatusNotFound
}

// openAIErrors maps statuses to the error codes and messages the real API
// sends with them.
var openAIErrors = map[int][2]string{
	http.StatusUnauthorized:        {"invalid_api_key", "Incorrect API key provided."},
	http.StatusForbidden:           {"permission_denied", "You are not allowed to use this model."},
	http.StatusTooManyRequests:     {"rate_limit_exceeded", "Rate limit reached for requests. Please try again later."},
	http.StatusInternalServerError: {"server_error", "The server had an error while processing your request."},
	529:                            {"overloaded", "The engine is currently overloaded, please try again later."},
}

func (responses) writeError(w http.ResponseWriter, status int) {
	e, ok := openAIErrors[status]
	if !ok {
		e = [2]string{"server_error", http.StatusText(status)}
	}
	writeOpenAIError(w, status, e[0], e[1])
}

func writeOpenAIError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("x-request-id", "req_mock")
	writeJSON(w, status, map[string]any{"error": map[string]any{
		"message": msg, "type": code, "code": code, "param": nil,
	}})
}

// responsesOutput returns the output item a step answers with: a message
// for text, an exec_command function call for a write or a shell command.
func responsesOutput(step Step, id int) map[string]any {
	var cmd string
	switch step.Kind {
	case StepWrite:
		cmd = "printf '%s' " + shellquote.Quote(step.Content) + " > " + shellquote.Quote(step.Path)
		if i := strings.LastIndexByte(step.Path, '/'); i > 0 {
			cmd = "mkdir -p " + shellquote.Quote(step.Path[:i]) + " && " + cmd
		}
	case StepShell:
		cmd = step.Command
	default:
		return map[string]any{"type": "message", "id": fmt.Sprintf("msg_mock%04d", id), "role": "assistant",
			"status": "completed", "content": []any{map[string]any{"type": "output_text", "text": step.Text, "annotations": []any{}}}}
	}
	args, err := json.Marshal(map[string]any{"cmd": cmd})
	if err != nil {
		panic(err) // a map of strings always marshals
	}
	return map[string]any{"type": "function_call", "id": fmt.Sprintf("fc_mock%04d", id), "call_id": fmt.Sprintf("call_mock%04d", id),
		"name": "exec_command", "arguments": string(args), "status": "completed"}
}

func responsesUsage(u Usage) map[string]any {
	return map[string]any{
		"input_tokens":          u.Input,
		"input_tokens_details":  map[string]any{"cached_tokens": u.CacheRead},
		"output_tokens":         u.Output,
		"output_tokens_details": map[string]any{"reasoning_tokens": 0},
		"total_tokens":          u.Input + u.Output,
	}
}

func responsesObject(req request, id int, status string, output []any, usage any) map[string]any {
	return map[string]any{"id": fmt.Sprintf("resp_mock%04d", id), "object": "response", "created_at": 1767225600,
		"status": status, "model": req.Model, "output": output, "usage": usage}
}

func (responses) writeAnswer(w http.ResponseWriter, req request, _ Conversation, step Step, u Usage, id int) {
	item := responsesOutput(step, id)
	if !req.Stream {
		writeJSON(w, http.StatusOK, responsesObject(req, id, "completed", []any{item}, responsesUsage(u)))
		return
	}
	sseHeaders(w)
	event(w, "response.created", map[string]any{"type": "response.created", "response": responsesObject(req, id, "in_progress", []any{}, nil)})
	added := map[string]any{}
	for k, v := range item {
		added[k] = v
	}
	added["status"] = "in_progress"
	if item["type"] == "message" {
		added["content"] = []any{}
	} else {
		added["arguments"] = ""
	}
	event(w, "response.output_item.added", map[string]any{"type": "response.output_item.added", "output_index": 0, "item": added})
	if item["type"] == "message" {
		for _, chunk := range chunks(step.Text, 3) {
			event(w, "response.output_text.delta", map[string]any{"type": "response.output_text.delta",
				"item_id": item["id"], "output_index": 0, "content_index": 0, "delta": chunk})
		}
	}
	event(w, "response.output_item.done", map[string]any{"type": "response.output_item.done", "output_index": 0, "item": item})
	event(w, "response.completed", map[string]any{"type": "response.completed",
		"response": responsesObject(req, id, "completed", []any{item}, responsesUsage(u))})
}

func (responses) writeStallStart(w http.ResponseWriter, req request, id int) {
	sseHeaders(w)
	event(w, "response.created", map[string]any{"type": "response.created", "response": responsesObject(req, id, "in_progress", []any{}, nil)})
	event(w, "response.output_item.added", map[string]any{"type": "response.output_item.added", "output_index": 0,
		"item": map[string]any{"type": "message", "id": fmt.Sprintf("msg_mock%04d", id), "role": "assistant", "status": "in_progress", "content": []any{}}})
	event(w, "response.output_text.delta", map[string]any{"type": "response.output_text.delta",
		"item_id": fmt.Sprintf("msg_mock%04d", id), "output_index": 0, "content_index": 0, "delta": "Working on"})
}
