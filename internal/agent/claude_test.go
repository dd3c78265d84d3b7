package agent

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/looper-go/looper/sinks"
)

func lines(ls ...string) []byte { return []byte(strings.Join(ls, "\n") + "\n") }

const (
	cInit   = `{"type":"system","subtype":"init","cwd":"/w","session_id":"s-1","tools":[],"model":"claude-sonnet-4-5","permissionMode":"bypassPermissions"}`
	cText   = `{"type":"assistant","message":{"model":"m","content":[{"type":"text","text":"Working.\nStill working."}]},"parent_tool_use_id":null,"session_id":"s-1"}`
	cOKDone = `{"type":"result","subtype":"success","is_error":false,"num_turns":2,"result":"{\"task_id\":\"T1\",\"status\":\"done\",\"summary\":\"ok\"}","session_id":"s-1","total_cost_usd":0.5,"usage":{"input_tokens":10,"cache_creation_input_tokens":5,"cache_read_input_tokens":100,"output_tokens":7}}`
)

func TestClaudeStream(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		stream  []byte
		exit    int
		class   Class
		errHas  string
		text    string
		session string
	}{
		{name: "success with the summary in the result", stream: lines(cInit, cText, cOKDone), class: ClassOK, session: "s-1"},
		{name: "hooks before init and informational events after the result",
			stream: lines(`{"type":"system","subtype":"hook_started","hook_name":"SessionStart"}`, cInit, cOKDone,
				`{"type":"system","subtype":"status","status":null,"session_id":"s-1"}`), class: ClassOK, session: "s-1"},
		{name: "unknown types and fields of the wrong type are tolerated",
			stream: lines(cInit, `{"type":"brand_new_event","x":1}`, `{"type":"assistant","message":{"content":"plain string content"},"parent_tool_use_id":5}`, cOKDone),
			class:  ClassOK},
		{name: "the summary comes from the last assistant text when the result is empty",
			stream: lines(cInit, `{"type":"assistant","message":{"content":[{"type":"text","text":"{\"task_id\":\"T1\",\"status\":\"blocked\",\"blockers\":[\"b\"]}"}]}}`,
				`{"type":"result","subtype":"success","is_error":false,"result":""}`), class: ClassOK},
		{name: "a subagent's text is not the final answer",
			stream: lines(cInit, `{"type":"assistant","message":{"content":[{"type":"text","text":"{\"task_id\":\"T1\",\"status\":\"done\"}"}]},"parent_tool_use_id":"toolu_1"}`,
				`{"type":"result","subtype":"success","is_error":false,"result":""}`), class: ClassNoSummary},
		{name: "max turns", exit: 1, class: ClassMaxTurns, errHas: "Reached maximum number of turns (1)",
			stream: lines(cInit, `{"type":"result","subtype":"error_max_turns","is_error":true,"num_turns":2,"stop_reason":"tool_use","terminal_reason":"max_turns","errors":["Reached maximum number of turns (1)"]}`)},
		{name: "max turns with empty errors", exit: 1, class: ClassMaxTurns,
			stream: lines(cInit, `{"type":"result","subtype":"error_max_turns","is_error":true,"errors":[]}`)},
		{name: "an API error arrives as success with is_error", exit: 1, class: ClassOverloaded, errHas: "API Error: 529",
			stream: lines(cInit,
				`{"type":"system","subtype":"api_retry","attempt":1,"max_retries":10,"retry_delay_ms":500,"error_status":529,"error":"overloaded"}`,
				`{"type":"assistant","message":{"content":[{"type":"text","text":"API Error: 529 Overloaded."}],"model":"<synthetic>"},"error":"overloaded"}`,
				`{"type":"result","subtype":"success","is_error":true,"result":"API Error: 529 Overloaded. This is a server-side issue","api_error_status":529,"terminal_reason":"api_error","errors":[]}`)},
		{name: "subscription limit with the reset in the text", exit: 1, class: ClassRateLimited, errHas: "resets at",
			stream: lines(cInit,
				`{"type":"assistant","message":{"content":[{"type":"text","text":"You've hit your session limit · resets 12:50am (UTC)"}],"model":"<synthetic>"},"error":"rate_limit"}`,
				`{"type":"result","subtype":"success","is_error":true,"result":"You've hit your session limit · resets 12:50am (UTC)"}`)},
		{name: "legacy usage limit with an epoch", exit: 1, class: ClassRateLimited, errHas: "2025-07-21T06:00:00Z",
			stream: lines(cInit, `{"type":"result","subtype":"success","is_error":true,"result":"Claude AI usage limit reached|1753077600"}`)},
		{name: "429 from the API", exit: 1, class: ClassRateLimited,
			stream: lines(cInit, `{"type":"result","subtype":"success","is_error":true,"result":"API Error: Rate limit reached"}`)},
		{name: "invalid API key", exit: 1, class: ClassAuth, errHas: "Invalid API key",
			stream: lines(cInit, `{"type":"result","subtype":"success","is_error":true,"result":"Invalid API key · Fix external API key"}`)},
		{name: "auth retries then an opaque failure", exit: 1, class: ClassAuth,
			stream: lines(cInit, `{"type":"system","subtype":"api_retry","attempt":10,"max_retries":10,"error_status":401,"error":"authentication_failed"}`,
				`{"type":"result","subtype":"error_during_execution","is_error":true,"errors":["request failed"]}`)},
		{name: "an error during execution", exit: 1, class: ClassAgentError, errHas: "No conversation found",
			stream: lines(`{"type":"result","subtype":"error_during_execution","is_error":true,"errors":["No conversation found with session ID: x"]}`)},
		{name: "Amp puts the error in error", exit: 1, class: ClassAgentError, errHas: "tool exploded",
			stream: lines(`{"type":"result","subtype":"error_during_execution","is_error":true,"error":"tool exploded"}`)},
		{name: "no result and exit 0 is a protocol error", class: ClassAgentError, errHas: "without a result event",
			stream: lines(cInit, cText)},
		{name: "no result and exit 1 is a crash", exit: 1, class: ClassCrashed, stream: lines(cInit, cText)},
		{name: "a success result with a non-zero exit", exit: 2, class: ClassAgentError, errHas: "after reporting success",
			stream: lines(cInit, cOKDone)},
		{name: "non-JSON lines are skipped", class: ClassOK,
			stream: lines("npm WARN deprecated x", cInit, `{"type":"assistant",`, cOKDone)},
		{name: "the --output-format json object", class: ClassOK,
			stream: lines(`{"type":"result","subtype":"success","is_error":false,"result":"{\"task_id\":\"T1\",\"status\":\"done\"}","session_id":"s-2"}`), session: "s-2"},
		{name: "the --output-format json --verbose array", class: ClassOK,
			stream: lines("[" + cInit + "," + cText + "," + cOKDone + "]"), session: "s-1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res, _ := replay(t, FormatClaude, tt.stream, Request{TaskID: "T1", Contract: ContractTask}, tt.exit, stopNone)
			if res.Class != tt.class {
				t.Errorf("class = %s (%s), want %s", res.Class, res.Err, tt.class)
			}
			if !strings.Contains(res.Err, tt.errHas) {
				t.Errorf("err = %q, want it to contain %q", res.Err, tt.errHas)
			}
			if tt.session != "" && res.SessionID != tt.session {
				t.Errorf("session = %q, want %q", res.SessionID, tt.session)
			}
		})
	}
}

func TestClaudeRateLimitEventGivesReset(t *testing.T) {
	t.Parallel()
	stream := lines(cInit,
		`{"type":"rate_limit_event","rate_limit_info":{"status":"rejected","resetsAt":1774447200,"rateLimitType":"five_hour"}}`,
		`{"type":"result","subtype":"success","is_error":true,"result":"You've hit your limit · resets 2pm (America/Cordoba)"}`)
	res, log := replay(t, FormatClaude, stream, Request{}, 1, stopNone)
	if res.Class != ClassRateLimited || !res.ResetAt.Equal(time.Unix(1774447200, 0)) {
		t.Errorf("class %s, reset %v; want rate-limited until 1774447200", res.Class, res.ResetAt)
	}
	if log.count(sinks.KindWarning) == 0 {
		t.Error("a rejected rate limit should be a warning event")
	}
}

func TestClaudeEvents(t *testing.T) {
	t.Parallel()
	stream := lines(cInit,
		cText,
		`{"type":"assistant","message":{"content":[{"type":"thinking","thinking":"hmm"}]}}`,
		`{"type":"assistant","message":{"content":[{"type":"tool_use","id":"toolu_1","name":"Bash","input":{"command":"go test\n./...","description":"d"}}]}}`,
		`{"type":"user","message":{"content":[{"type":"tool_result","tool_use_id":"toolu_1","content":[{"type":"text","text":"ok\nmore"}],"is_error":false}]}}`,
		cOKDone)
	_, log := replay(t, FormatClaude, stream, Request{}, 0, stopNone)
	var texts, tools, results, reasoning []string
	for _, e := range log.all() {
		switch e.Kind {
		case sinks.KindText:
			texts = append(texts, e.Message)
		case sinks.KindTool:
			tools = append(tools, e.Tool+": "+e.Message)
		case sinks.KindToolResult:
			results = append(results, e.Tool+": "+e.Message)
		case sinks.KindReasoning:
			reasoning = append(reasoning, e.Message)
		}
	}
	check := func(what string, got []string, want ...string) {
		t.Helper()
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("%s = %q, want %q", what, got, want)
		}
	}
	check("texts", texts, "Working.", "Still working.")
	check("tools", tools, "Bash: go test ./...")
	check("results", results, "Bash: ok")
	check("reasoning", reasoning, "hmm")
}

func FuzzClaudeParser(f *testing.F) {
	for _, s := range []string{cInit, cText, cOKDone, "[" + cInit + "]", `{"type":"result","errors":[{"message":1}],"modelUsage":{"m":{}}}`,
		`{"type":"rate_limit_event","rate_limit_info":{"resetsAt":99999999999999}}`, `{"type":"assistant","message":{"content":[{"type":"tool_use","input":[]}]}}`} {
		f.Add([]byte(s))
	}
	addTranscripts(f, "claude-")
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, c := range []Contract{ContractTask, ContractNone} {
			replay(t, FormatClaude, data, Request{TaskID: "T1", Contract: c}, 0, stopNone)
		}
	})
}

// addTranscripts seeds a fuzz target with every line of the real
// transcripts whose name starts with prefix.
func addTranscripts(f *testing.F, prefix string) {
	entries, err := os.ReadDir(transcriptDir)
	if err != nil {
		f.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() || !strings.HasPrefix(e.Name(), prefix) {
			continue
		}
		data, err := os.ReadFile(filepath.Join(transcriptDir, e.Name()))
		if err != nil {
			f.Fatal(err)
		}
		for l := range strings.Lines(string(data)) {
			f.Add([]byte(l))
		}
	}
}

func TestClaudeOddContentShapes(t *testing.T) {
	t.Parallel()
	stream := lines(cInit,
		`{"type":"assistant","message":{"content":42}}`,
		`{"type":"assistant","message":{"content":[{"type":"text","text":7},{"type":"text","text":"still read"}]}}`,
		`{"type":"user","message":{"content":[{"type":"tool_result","tool_use_id":"x","content":{"odd":true}}]}}`,
		cOKDone)
	res, log := replay(t, FormatClaude, stream, Request{TaskID: "T1", Contract: ContractTask}, 0, stopNone)
	if res.Class != ClassOK || hasWarning(log, "not stream-json") {
		t.Fatalf("class %s (%s); odd shapes must not reject lines", res.Class, res.Err)
	}
	found := false
	for _, e := range log.all() {
		found = found || (e.Kind == sinks.KindText && e.Message == "still read")
	}
	if !found {
		t.Error("the well-formed block next to an odd one was lost")
	}
}

func TestJSONStringPrefix(t *testing.T) {
	t.Parallel()
	long := `"` + strings.Repeat(`ab\n\u00e9\"`, 400) + `"`
	got := jsonStringPrefix(json.RawMessage(long), 100)
	if len(got) < 50 || !strings.HasPrefix("ab\né\""+strings.Repeat("ab\né\"", 400), got) {
		t.Errorf("prefix = %q", got)
	}
	if got := jsonStringPrefix(json.RawMessage(`"short"`), 100); got != "short" {
		t.Errorf("short = %q", got)
	}
	if got := jsonStringPrefix(json.RawMessage(`[1]`), 1); got != "" {
		t.Errorf("non-string = %q", got)
	}
}
