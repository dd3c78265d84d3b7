package mockapi

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
)

// codexRequest builds a Responses request the way Codex 0.169 does: tools
// in an additional_tools item, a developer message, the environment and the
// prompt as user messages, then call/output pairs.
func codexRequest(task string, n int) map[string]any {
	input := []any{
		map[string]any{"type": "additional_tools", "role": "developer", "tools": []any{map[string]any{"type": "namespace", "name": "functions"}}},
		map[string]any{"type": "message", "role": "developer", "content": []any{map[string]any{"type": "input_text", "text": "You are Codex. task_id: NOT-THIS"}}},
		map[string]any{"type": "message", "role": "user", "content": []any{map[string]any{"type": "input_text", "text": "<environment_context/>"}}},
		map[string]any{"type": "message", "role": "user", "content": []any{map[string]any{"type": "input_text", "text": "Context:\n- task_id: " + task + "\n"}}},
	}
	for range n {
		input = append(input,
			map[string]any{"type": "function_call", "name": "exec_command", "call_id": "c", "arguments": "{}"},
			map[string]any{"type": "function_call_output", "call_id": "c", "output": "Process exited with code 0"})
	}
	return map[string]any{"model": "gpt-test", "stream": true, "input": input}
}

func TestResponsesScriptSteps(t *testing.T) {
	srv := NewResponses(Script{Steps: func(task string) []Step { return Commit(task, "dir/a b.txt", "it's\n") }})
	defer srv.Close()
	url := srv.URL() + "/v1/responses"

	var cmds []string
	for n := range 3 {
		ev := readSSE(t, post(t, url, codexRequest("T2", n)).Body)
		var names []string
		for _, e := range ev {
			names = append(names, e.Name)
		}
		last := ev[len(ev)-1]
		if last.Name != "response.completed" {
			t.Fatalf("step %d ends with %s", n, last.Name)
		}
		usage := last.Data["response"].(map[string]any)["usage"].(map[string]any)
		if usage["input_tokens"] != float64(DefaultUsage.Input) || usage["output_tokens"] != float64(DefaultUsage.Output) {
			t.Errorf("step %d usage = %v", n, usage)
		}
		item := ev[len(ev)-2].Data["item"].(map[string]any)
		switch n {
		case 0, 1:
			if item["type"] != "function_call" || item["name"] != "exec_command" {
				t.Fatalf("step %d item = %v (events %v)", n, item, names)
			}
			var args struct{ Cmd string }
			if err := json.Unmarshal([]byte(item["arguments"].(string)), &args); err != nil {
				t.Fatal(err)
			}
			cmds = append(cmds, args.Cmd)
		case 2:
			text := item["content"].([]any)[0].(map[string]any)["text"].(string)
			if item["type"] != "message" || !strings.Contains(text, `"task_id":"T2"`) {
				t.Errorf("final item = %v", item)
			}
		}
	}
	if want := `mkdir -p 'dir' && printf '%s' 'it'\''s` + "\n" + `' > 'dir/a b.txt'`; cmds[0] != want {
		t.Errorf("write command:\n got %s\nwant %s", cmds[0], want)
	}
	if !strings.HasPrefix(cmds[1], "git add -A && git commit") {
		t.Errorf("shell command = %s", cmds[1])
	}
	for i, r := range srv.Requests() {
		if r.Task != "T2" || r.Step != i || r.Side {
			t.Errorf("request %d = %+v", i, r)
		}
	}
}

func TestResponsesErrors(t *testing.T) {
	srv := NewResponses(Script{Faults: []Fault{{Status: 401}}})
	defer srv.Close()
	for range 3 {
		resp := post(t, srv.URL()+"/v1/responses", codexRequest("T1", 0))
		var e struct{ Error struct{ Code string } }
		if err := json.NewDecoder(resp.Body).Decode(&e); err != nil || resp.StatusCode != 401 || e.Error.Code != "invalid_api_key" {
			t.Errorf("status %d, error %+v, %v", resp.StatusCode, e, err)
		}
	}
	if n := srv.Count(func(r Request) bool { return r.Status == 401 }); n != 3 {
		t.Errorf("%d 401s recorded, want 3 (Times 0 = every request)", n)
	}
}

func TestMatchers(t *testing.T) {
	c := LooperMatcher("x\n- task_id: T-9\n- work_dir: /a/b\n")
	if c.Task != "T-9" || c.Dir != "/a/b" {
		t.Errorf("LooperMatcher = %+v", c)
	}
	if c := LooperMatcher("task_id: T1 in prose"); c.Task != "" {
		t.Errorf("LooperMatcher matched prose: %+v", c)
	}
	if c := LooperMatcher("Review it.\n- mode: review\n- work_dir: /w\n"); c.Task != ReviewTask || c.Dir != "/w" {
		t.Errorf("LooperMatcher on a review prompt = %+v", c)
	}
	// RegexpMatcher is used by tests whose prompts are not looper's.
	m := RegexpMatcher(regexp.MustCompile(`ticket (\w+)`))
	if c := m("see ticket ABC now"); c.Task != "ABC" {
		t.Errorf("RegexpMatcher = %+v", c)
	}
}

func TestReviewPromptGetsTheReviewContract(t *testing.T) {
	srv := NewResponses(Script{})
	defer srv.Close()
	req := codexRequest("X", 0)
	input := req["input"].([]any)
	input[len(input)-1] = map[string]any{"type": "message", "role": "user",
		"content": []any{map[string]any{"type": "input_text", "text": "Review.\n- mode: review\n"}}}
	var text string
	for _, e := range readSSE(t, post(t, srv.URL()+"/v1/responses", req).Body) {
		if e.Name == "response.output_text.delta" {
			text += e.Data["delta"].(string)
		}
	}
	if !strings.Contains(text, `"status": "reviewed"`) {
		t.Errorf("review answer = %q, want the review contract", text)
	}
	if r := srv.Requests()[0]; r.Task != ReviewTask || r.Side {
		t.Errorf("review request recorded as %+v", r)
	}
}
