package mockapi

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// sseEvent is one server-sent event as a client sees it.
type sseEvent struct {
	Name string
	Data map[string]any
}

// readSSE splits an SSE body into events with JSON data.
func readSSE(t *testing.T, r io.Reader) []sseEvent {
	t.Helper()
	var out []sseEvent
	var name string
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "event: "):
			name = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			var data map[string]any
			if err := json.Unmarshal([]byte(strings.TrimPrefix(line, "data: ")), &data); err != nil {
				t.Fatalf("event %s: bad data %q: %v", name, line, err)
			}
			if data["type"] != name {
				t.Errorf("event %s carries type %v", name, data["type"])
			}
			out = append(out, sseEvent{name, data})
		}
	}
	return out
}

func post(t *testing.T, url string, body any) *http.Response {
	t.Helper()
	data, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post(url, "application/json", bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// claudeRequest builds a Messages request about task with n tool results.
func claudeRequest(task string, n int, stream bool) map[string]any {
	msgs := []any{map[string]any{"role": "user", "content": []any{
		map[string]any{"type": "text", "text": "Do it.\n\nContext:\n- task_id: " + task + "\n- work_dir: /w/" + task + "\n"},
	}}}
	for i := range n {
		msgs = append(msgs,
			map[string]any{"role": "assistant", "content": []any{map[string]any{"type": "tool_use", "id": "x", "name": "Bash", "input": map[string]any{}}}},
			map[string]any{"role": "user", "content": []any{map[string]any{"type": "tool_result", "tool_use_id": "x", "content": "ok " + string(rune('0'+i))}}})
	}
	return map[string]any{"model": "claude-test", "stream": stream, "max_tokens": 32000,
		"tools": []any{map[string]any{"name": "Bash"}}, "messages": msgs}
}

func TestAnthropicScriptSteps(t *testing.T) {
	srv := NewAnthropic(Script{Steps: func(task string) []Step { return Commit(task, "a.txt", "hi\n") }})
	defer srv.Close()
	url := srv.URL() + "/v1/messages?beta=true"

	// Step 0: a Write tool_use with the path made absolute in the work dir.
	ev := readSSE(t, post(t, url, claudeRequest("T7", 0, true)).Body)
	names := []string{}
	var input strings.Builder
	for _, e := range ev {
		names = append(names, e.Name)
		if d, ok := e.Data["delta"].(map[string]any); ok && d["type"] == "input_json_delta" {
			input.WriteString(d["partial_json"].(string))
		}
	}
	want := "message_start content_block_start content_block_delta content_block_delta content_block_delta content_block_stop message_delta message_stop"
	if got := strings.Join(names, " "); got != want {
		t.Errorf("events:\n got %s\nwant %s", got, want)
	}
	if got := ev[1].Data["content_block"].(map[string]any)["name"]; got != "Write" {
		t.Errorf("first tool = %v, want Write", got)
	}
	var args map[string]string
	if err := json.Unmarshal([]byte(input.String()), &args); err != nil || args["file_path"] != "/w/T7/a.txt" || args["content"] != "hi\n" {
		t.Errorf("Write input = %q (%v)", input.String(), err)
	}
	if got := ev[6].Data["delta"].(map[string]any)["stop_reason"]; got != "tool_use" {
		t.Errorf("stop_reason = %v", got)
	}
	if got := ev[6].Data["usage"].(map[string]any)["output_tokens"]; got != float64(DefaultUsage.Output) {
		t.Errorf("message_delta output_tokens = %v, want %d", got, DefaultUsage.Output)
	}

	// Step 1 (one tool result): Bash with the commit command, not streamed.
	var msg struct {
		Content []struct {
			Type, Name string
			Input      map[string]string
		}
		StopReason string `json:"stop_reason"`
		Usage      Usage
	}
	if err := json.NewDecoder(post(t, url, claudeRequest("T7", 1, false)).Body).Decode(&msg); err != nil {
		t.Fatal(err)
	}
	if len(msg.Content) != 1 || msg.Content[0].Name != "Bash" || !strings.Contains(msg.Content[0].Input["command"], "git commit") {
		t.Errorf("step 1 = %+v, want a Bash git commit", msg.Content)
	}
	if msg.Usage != DefaultUsage {
		t.Errorf("usage = %+v, want %+v", msg.Usage, DefaultUsage)
	}

	// Step 2 and past the end: the summary JSON, end_turn.
	for _, n := range []int{2, 5} {
		var text strings.Builder
		for _, e := range readSSE(t, post(t, url, claudeRequest("T7", n, true)).Body) {
			if d, ok := e.Data["delta"].(map[string]any); ok && d["type"] == "text_delta" {
				text.WriteString(d["text"].(string))
			}
		}
		if !strings.HasSuffix(text.String(), `"status":"done","summary":"wrote a.txt","task_id":"T7"}`) {
			t.Errorf("step %d text = %q, want the summary JSON", n, text.String())
		}
	}

	reqs := srv.Requests()
	if len(reqs) != 4 {
		t.Fatalf("recorded %d requests, want 4", len(reqs))
	}
	for i, want := range []int{0, 1, 2, 5} {
		if r := reqs[i]; r.Task != "T7" || r.Step != want || r.Side || r.Status != 200 || r.Model != "claude-test" {
			t.Errorf("request %d = %+v", i, r)
		}
	}
	if got, want := srv.ScriptedUsage().Input, 4*DefaultUsage.Input; got != want {
		t.Errorf("ScriptedUsage().Input = %d, want %d", got, want)
	}
}

func TestAnthropicSideRequestsDoNotConsumeTheScript(t *testing.T) {
	srv := NewAnthropic(Script{})
	defer srv.Close()
	url := srv.URL() + "/v1/messages"
	title := map[string]any{"model": "claude-haiku", "max_tokens": 512, "stream": false,
		"messages": []any{map[string]any{"role": "user", "content": "Generate a title for: - task_id: T1"}}}
	post(t, url, title)
	probe := claudeRequest("T1", 0, false)
	probe["max_tokens"] = 1
	post(t, url, probe)
	resp := post(t, url, claudeRequest("T1", 0, false))
	body, _ := io.ReadAll(resp.Body)
	if !strings.Contains(string(body), `\"task_id\":\"T1\"`) {
		t.Errorf("scripted answer after side requests = %s, want the default summary", body)
	}
	reqs := srv.Requests()
	if !reqs[0].Side || !reqs[1].Side || reqs[2].Side || reqs[0].Usage != defaultSideUsage {
		t.Errorf("side flags = %+v", reqs)
	}
	if u := srv.ScriptedUsage(); u != DefaultUsage {
		t.Errorf("ScriptedUsage = %+v, want one scripted answer", u)
	}
}

func TestAnthropicOtherEndpoints(t *testing.T) {
	srv := NewAnthropic(Script{})
	defer srv.Close()
	var count map[string]int
	if err := json.NewDecoder(post(t, srv.URL()+"/v1/messages/count_tokens", claudeRequest("T1", 0, false)).Body).Decode(&count); err != nil || count["input_tokens"] <= 0 {
		t.Errorf("count_tokens = %v, %v", count, err)
	}
	resp, err := http.Get(srv.URL() + "/v1/models")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var models struct{ Data []struct{ ID string } }
	if err := json.NewDecoder(resp.Body).Decode(&models); err != nil || len(models.Data) == 0 {
		t.Errorf("models = %+v, %v", models, err)
	}
	if r := post(t, srv.URL()+"/v1/nope", map[string]any{}); r.StatusCode != 404 {
		t.Errorf("unknown path: status %d", r.StatusCode)
	}
	for _, r := range srv.Requests() {
		if r.Step != -1 {
			t.Errorf("non-model request recorded with step %d: %+v", r.Step, r)
		}
	}
}

func TestFaultsComeFirstThenTheScript(t *testing.T) {
	srv := NewAnthropic(Script{Faults: []Fault{{Status: 429, RetryAfter: "7", Times: 2}, {Status: 529, Times: 1}}})
	defer srv.Close()
	url := srv.URL() + "/v1/messages"
	for i, want := range []int{429, 429, 529, 200, 200} {
		resp := post(t, url, claudeRequest("T1", 0, false))
		if resp.StatusCode != want {
			t.Errorf("request %d: status %d, want %d", i, resp.StatusCode, want)
		}
		if want == 429 && resp.Header.Get("Retry-After") != "7" {
			t.Errorf("request %d: retry-after %q", i, resp.Header.Get("Retry-After"))
		}
		var e struct{ Error struct{ Type string } }
		_ = json.NewDecoder(resp.Body).Decode(&e)
		if wantType := map[int]string{429: "rate_limit_error", 529: "overloaded_error"}[want]; e.Error.Type != wantType {
			t.Errorf("request %d: error type %q, want %q", i, e.Error.Type, wantType)
		}
	}
	if n := srv.Count(func(r Request) bool { return r.Fault }); n != 3 {
		t.Errorf("%d faulted requests recorded, want 3", n)
	}
}

func TestStallHangsUntilTheClientLeaves(t *testing.T) {
	srv := NewResponses(Script{Faults: []Fault{{Stall: true}}})
	defer srv.Close()
	client := &http.Client{Timeout: 2 * time.Second}
	data, _ := json.Marshal(codexRequest("T1", 0))
	resp, err := client.Post(srv.URL()+"/v1/responses", "application/json", bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err == nil {
		t.Fatalf("stalled stream ended: %s", body)
	}
	if !strings.Contains(string(body), "response.created") || strings.Contains(string(body), "response.completed") {
		t.Errorf("stalled stream = %s, want a start and no completion", body)
	}
}

func TestCloseReleasesAStalledStream(t *testing.T) {
	srv := NewAnthropic(Script{Faults: []Fault{{Stall: true}}})
	data, _ := json.Marshal(claudeRequest("T1", 0, true))
	resp, err := http.Post(srv.URL()+"/v1/messages", "application/json", bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	done := make(chan struct{})
	go func() { srv.Close(); close(done) }()
	_, _ = io.ReadAll(resp.Body)
	<-done // Close returned although the stream never finished
}

func TestUnusedURLRefusesConnections(t *testing.T) {
	url, err := UnusedURL()
	if err != nil {
		t.Fatal(err)
	}
	if resp, err := http.Get(url + "/v1/models"); err == nil {
		resp.Body.Close()
		t.Errorf("GET %s answered %d, want connection refused", url, resp.StatusCode)
	}
}
