package mockapi

import (
	"encoding/json"
	"testing"
)

func seed(f *testing.F, vs ...any) {
	for _, v := range vs {
		data, err := json.Marshal(v)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`{"messages":[{"role":"user","content":"hi"}],"input":"hi"}`))
	f.Add([]byte(`{"messages":[{"role":"user","content":[{"type":"tool_result","content":[{"type":"text"}]}]}]}`))
	f.Add([]byte(`{"input":[{"type":"custom_tool_call_output"},{"role":"user","content":"x"}]}`))
	f.Add([]byte(`null`))
}

// FuzzParseAnthropic checks that any body either fails to parse or yields
// a request with a sane tool-result count, without panicking.
func FuzzParseAnthropic(f *testing.F) {
	seed(f, claudeRequest("T1", 2, true))
	f.Fuzz(func(t *testing.T, body []byte) {
		r, err := parseAnthropic(body)
		if err != nil {
			return
		}
		if r.ToolResults < 0 || r.ToolResults > len(body) {
			t.Errorf("ToolResults = %d for %d bytes", r.ToolResults, len(body))
		}
		_ = LooperMatcher(r.UserText)
	})
}

// FuzzParseResponses does the same for Responses API bodies.
func FuzzParseResponses(f *testing.F) {
	seed(f, codexRequest("T1", 2))
	f.Fuzz(func(t *testing.T, body []byte) {
		r, err := parseResponses(body)
		if err != nil {
			return
		}
		if r.ToolResults < 0 || r.ToolResults > len(body) {
			t.Errorf("ToolResults = %d for %d bytes", r.ToolResults, len(body))
		}
		_ = LooperMatcher(r.UserText)
	})
}
