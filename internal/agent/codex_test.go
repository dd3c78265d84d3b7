package agent

import (
	"strings"
	"testing"
	"time"

	"github.com/looper-go/looper/sinks"
)

const (
	xStart = `{"type":"thread.started","thread_id":"019a-thread"}` + "\n" + `{"type":"turn.started"}`
	xDone  = `{"type":"item.completed","item":{"id":"item_3","type":"agent_message","text":"{\"task_id\":\"T1\",\"status\":\"done\",\"summary\":\"ok\"}"}}`
	xTurn  = `{"type":"turn.completed","usage":{"input_tokens":100,"cached_input_tokens":40,"output_tokens":9,"reasoning_output_tokens":3}}`
)

func TestCodexStream(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		stream []byte
		exit   int
		class  Class
		errHas string
	}{
		{name: "success", stream: lines(xStart, xDone, xTurn), class: ClassOK},
		{name: "reconnect notices before a completed turn are not failures",
			stream: lines(xStart, `{"type":"error","message":"Reconnecting... 1/5 (stream disconnected before completion)"}`,
				`{"type":"item.completed","item":{"id":"item_0","type":"error","message":"Falling back from WebSockets to HTTPS transport."}}`, xDone, xTurn),
			class: ClassOK},
		{name: "a warning item before turn.started",
			stream: lines(`{"type":"thread.started","thread_id":"t"}`, `{"type":"item.completed","item":{"id":"item_0","type":"error","message":"Under-development features enabled"}}`,
				`{"type":"turn.started"}`, xDone, xTurn), class: ClassOK},
		{name: "a failed turn after a complete-looking message is a failure", exit: 1, class: ClassAgentError, errHas: "token budget exhausted",
			stream: lines(xStart, xDone, `{"type":"error","message":"shared rollout token budget exhausted"}`, `{"type":"turn.failed","error":{"message":"shared rollout token budget exhausted"}}`)},
		{name: "turn.failed without a message uses the last error notice", exit: 1, class: ClassAgentError, errHas: "boom",
			stream: lines(xStart, `{"type":"error","message":"boom"}`, `{"type":"turn.failed"}`)},
		{name: "usage limit", exit: 1, class: ClassRateLimited, errHas: "resets at",
			stream: lines(xStart, `{"type":"error","message":"You've hit your usage limit. To get more access now, send a request to your admin or try again at 12:16 PM."}`,
				`{"type":"turn.failed","error":{"message":"You've hit your usage limit. To get more access now, send a request to your admin or try again at 12:16 PM."}}`)},
		{name: "rate_limit_exceeded from the server", exit: 1, class: ClassRateLimited,
			stream: lines(xStart, `{"type":"turn.failed","error":{"message":"stream error: rate_limit_exceeded: Rate limit reached for gpt-5. Please try again in 20s."}}`)},
		{name: "401 after reconnects", exit: 1, class: ClassAuth,
			stream: lines(xStart, `{"type":"error","message":"Reconnecting... 2/5 (unexpected status 401 Unauthorized)"}`,
				`{"type":"turn.failed","error":{"message":"exceeded retry limit, last status: 401 Unauthorized"}}`)},
		{name: "no turn end with exit 0 is a protocol error", class: ClassAgentError, stream: lines(xStart, xDone)},
		{name: "codex 0.44 item_type and assistant_message", class: ClassOK,
			stream: lines(xStart, `{"type":"item.completed","item":{"id":"item_0","item_type":"assistant_message","text":"{\"task_id\":\"T1\",\"status\":\"done\"}"}}`, xTurn)},
		{name: "the legacy id/msg protocol", class: ClassOK,
			stream: lines(`{"id":"0","msg":{"type":"task_started"}}`, `{"id":"0","msg":{"type":"agent_message","message":"{\"task_id\":\"T1\",\"status\":\"skipped\",\"summary\":\"n/a\"}"}}`,
				`{"id":"0","msg":{"type":"task_complete","last_agent_message":"{\"task_id\":\"T1\",\"status\":\"skipped\",\"summary\":\"n/a\"}"}}`)},
		{name: "the legacy protocol's error", exit: 1, class: ClassAgentError, errHas: "model not supported",
			stream: lines(`{"id":"0","msg":{"type":"error","message":"model not supported"}}`)},
		{name: "non-JSON lines are skipped", class: ClassOK, stream: lines("Reading prompt from stdin...", xStart, `{"type":"item.completed","item":{"id":`, xDone, xTurn)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res, _ := replay(t, FormatCodex, tt.stream, Request{TaskID: "T1", Contract: ContractTask}, tt.exit, stopNone)
			if res.Class != tt.class {
				t.Errorf("class = %s (%s), want %s", res.Class, res.Err, tt.class)
			}
			if !strings.Contains(res.Err, tt.errHas) {
				t.Errorf("err = %q, want it to contain %q", res.Err, tt.errHas)
			}
		})
	}
}

func TestCodexUsageAndEvents(t *testing.T) {
	t.Parallel()
	stream := lines(xStart,
		`{"type":"item.completed","item":{"id":"item_0","type":"reasoning","text":"**Planning**"}}`,
		`{"type":"item.started","item":{"id":"item_1","type":"command_execution","command":"bash -lc ls","aggregated_output":"","status":"in_progress"}}`,
		`{"type":"item.completed","item":{"id":"item_1","type":"command_execution","command":"bash -lc ls","aggregated_output":"a\nb\n","exit_code":0,"status":"completed"}}`,
		`{"type":"item.completed","item":{"id":"item_2","type":"file_change","changes":[{"path":"/w/a.go","kind":"update"},{"path":"/w/b.go","kind":"add"}],"status":"completed"}}`,
		`{"type":"item.started","item":{"id":"item_4","type":"mcp_tool_call","server":"docs","tool":"search","arguments":{"q":"x"},"status":"in_progress"}}`,
		`{"type":"item.completed","item":{"id":"item_4","type":"mcp_tool_call","server":"docs","tool":"search","arguments":{"q":"x"},"status":"failed","error":{"message":"nope"}}}`,
		`{"type":"item.updated","item":{"id":"item_5","type":"todo_list","items":[{"text":"a","completed":true},{"text":"b","completed":false}]}}`,
		xDone, xTurn)
	res, log := replay(t, FormatCodex, stream, Request{TaskID: "T1", Contract: ContractTask}, 0, stopNone)
	if res.Class != ClassOK || res.SessionID != "019a-thread" {
		t.Fatalf("class %s session %q", res.Class, res.SessionID)
	}
	if want := (sinks.Usage{InputTokens: 100, CacheReadTokens: 40, OutputTokens: 9}); res.Usage != want {
		t.Errorf("usage = %+v, want %+v", res.Usage, want)
	}
	var tools, results []string
	for _, e := range log.all() {
		switch e.Kind {
		case sinks.KindTool:
			tools = append(tools, e.Tool+": "+e.Message)
		case sinks.KindToolResult:
			results = append(results, e.Tool+": "+e.Message)
		}
	}
	wantTools := "command: bash -lc ls|file_change: update /w/a.go, add /w/b.go|docs.search: {\"q\":\"x\"}|todo_list: 1/2 done"
	if got := strings.Join(tools, "|"); got != wantTools {
		t.Errorf("tools = %q, want %q", got, wantTools)
	}
	wantResults := "command_execution: completed, exit 0: a|file_change: completed|mcp_tool_call: error: nope"
	if got := strings.Join(results, "|"); got != wantResults {
		t.Errorf("results = %q, want %q", got, wantResults)
	}
}

func TestCodexLastMessageFileFallback(t *testing.T) {
	t.Parallel()
	spec := Spec{Dialect: DialectCodex}.resolved()
	p := newParser(FormatCodex, newEmitter(nil, Request{}))
	p.line([]byte(`{"type":"thread.started","thread_id":"t"}`))
	p.line([]byte(`{"type":"turn.completed","usage":{}}`))
	res := conclude(spec, Request{TaskID: "T1", Contract: ContractTask}, p.result(),
		procOutcome{lastMessage: `{"task_id":"T1","status":"done","summary":"from the file"}`}, time.Now())
	if res.Class != ClassOK || res.Summary == nil || res.Summary.Summary != "from the file" {
		t.Errorf("class %s (%s), summary %+v; want the file's summary", res.Class, res.Err, res.Summary)
	}
}

func FuzzCodexParser(f *testing.F) {
	for _, s := range []string{xStart, xDone, xTurn, `{"type":"turn.failed","error":"str"}`, `{"id":"0","msg":{"type":"exec_command_begin","command":["ls"]}}`,
		`{"type":"item.completed","item":{"type":"file_change","changes":[{}]}}`, `{"type":"item.started","item":{"id":"x","type":"web_search","query":"q"}}`} {
		f.Add([]byte(s))
	}
	addTranscripts(f, "codex-")
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, c := range []Contract{ContractTask, ContractReview} {
			replay(t, FormatCodex, data, Request{TaskID: "T1", Contract: c}, 1, stopNone)
		}
	})
}
