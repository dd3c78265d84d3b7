package agent

import (
	"strings"
	"testing"
	"time"
)

// Lines as the real CLIs print them (claude-code 2.1.328, codex 0.169.0),
// against a model API on a closed port or answering 401.
const (
	claudeRetryNoAnswer = `{"type":"system","subtype":"api_retry","attempt":1,"max_retries":10,"retry_delay_ms":598,"error_status":null,"error":"unknown","session_id":"s","uuid":"u"}`
	claudeRetry401      = `{"type":"system","subtype":"api_retry","attempt":1,"max_retries":10,"retry_delay_ms":520.9,"error_status":401,"error":"authentication_failed","session_id":"s","uuid":"u"}`
	claudeRetry429      = `{"type":"system","subtype":"api_retry","attempt":2,"max_retries":10,"retry_delay_ms":30000,"error_status":429,"error":"rate_limit","session_id":"s","uuid":"u"}`
	claudeRetry529      = `{"type":"system","subtype":"api_retry","attempt":1,"max_retries":10,"retry_delay_ms":600,"error_status":529,"error":"overloaded","session_id":"s","uuid":"u"}`
	codexNoNetwork      = `{"type":"error","message":"Reconnecting... waiting for network (Connection failed: error sending request)"}`
	codex401            = `{"type":"error","message":"Reconnecting... 1/5 (unexpected status 401 Unauthorized)"}`
	codexDisconnected   = `{"type":"error","message":"Reconnecting... 2/5 (stream disconnected before completion: stream closed before response.completed)"}`
)

func TestRetryNoticesAreChatter(t *testing.T) {
	for _, tc := range []struct {
		format Format
		line   string
		kind   lineKind
		tr     troubleKind
		status int
	}{
		{FormatClaude, claudeRetryNoAnswer, lineChatter, troubleUnreachable, 0},
		{FormatClaude, claudeRetry401, lineAuthFailure, troubleAuth, 401},
		{FormatClaude, claudeRetry429, lineChatter, troubleLimited, 429},
		{FormatClaude, claudeRetry529, lineChatter, troubleOverloaded, 529},
		{FormatCodex, codexNoNetwork, lineChatter, troubleUnreachable, 0},
		{FormatCodex, codex401, lineAuthFailure, troubleAuth, 401},
		{FormatCodex, codexDisconnected, lineChatter, troubleOverloaded, 0},
	} {
		p := newParser(tc.format, newEmitter(nil, Request{}))
		if got := p.line([]byte(tc.line)); got != tc.kind {
			t.Errorf("%s: line kind = %d, want %d", tc.line, got, tc.kind)
		}
		tr := p.result().trouble
		if tr.kind != tc.tr || tr.status != tc.status || tr.retries != 1 {
			t.Errorf("%s: trouble = %+v, want kind %d status %d after one retry", tc.line, tr, tc.tr, tc.status)
		}
	}
	// Any other line is progress and clears the count.
	p := newParser(FormatCodex, newEmitter(nil, Request{}))
	p.line([]byte(codexNoNetwork))
	if got := p.line([]byte(`{"type":"item.completed","item":{"id":"item_0","type":"agent_message","text":"hi"}}`)); got != lineProgress {
		t.Errorf("an agent message is kind %d, want progress", got)
	}
	if n := p.result().trouble.retries; n != 0 {
		t.Errorf("retries after progress = %d, want 0", n)
	}
}

func TestTroubleVerdicts(t *testing.T) {
	claude := endpoint{url: "http://127.0.0.1:9", keyVar: "ANTHROPIC_API_KEY", login: "claude /login"}
	for _, tc := range []struct {
		tr    trouble
		class Class
		has   []string
	}{
		{trouble{kind: troubleAuth, status: 401, detail: "API retry 1/10: authentication_failed (HTTP 401)", retries: 1}, ClassAuth,
			[]string{"cannot authenticate", "http://127.0.0.1:9", "ANTHROPIC_API_KEY", "claude /login"}},
		{trouble{kind: troubleUnreachable, detail: "API retry 7/10: unknown (no answer from the API)", retries: 7}, ClassUnreachable,
			[]string{"cannot reach its model API at http://127.0.0.1:9", "ANTHROPIC_BASE_URL"}},
		{trouble{kind: troubleServer, status: 500, retries: 3}, ClassUnreachable, []string{"failed on every retry", "HTTP 500"}},
		{trouble{kind: troubleLimited, status: 429, retries: 2, delay: 30 * time.Second}, ClassRateLimited, []string{"rate limited"}},
		{trouble{kind: troubleOverloaded, status: 529, retries: 2}, ClassOverloaded, []string{"overloaded"}},
	} {
		now := time.Unix(1_800_000_000, 0)
		tc.tr.detail = cmpOr(tc.tr.detail, "HTTP 500")
		v := classify(outcome{name: "claude", format: FormatClaude, stop: stopTrouble, retry: 2 * time.Minute, api: claude, now: now,
			t: &transcript{trouble: tc.tr}})
		if v.class != tc.class {
			t.Errorf("%+v: class = %s (%s), want %s", tc.tr, v.class, v.err, tc.class)
		}
		for _, h := range tc.has {
			if !strings.Contains(v.err, h) {
				t.Errorf("%+v: err = %q, want it to contain %q", tc.tr, v.err, h)
			}
		}
		if tc.tr.delay > 0 && !v.resetAt.Equal(now.Add(tc.tr.delay)) {
			t.Errorf("%+v: resetAt = %v, want now + the agent's retry delay", tc.tr, v.resetAt)
		}
	}
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func TestAPIEndpoint(t *testing.T) {
	t.Setenv("ANTHROPIC_BASE_URL", "")
	if e := apiEndpoint(Spec{Dialect: DialectClaude, Env: []string{"ANTHROPIC_BASE_URL=http://x:1"}}); e.url != "http://x:1" || e.keyVar != "ANTHROPIC_API_KEY" {
		t.Errorf("claude endpoint = %+v", e)
	}
	if e := apiEndpoint(Spec{Dialect: DialectClaude}); e.url != "https://api.anthropic.com" {
		t.Errorf("claude default endpoint = %+v", e)
	}
	codex := Spec{Dialect: DialectCodex, Args: []string{"-c", `model_provider="mock"`, "-c",
		`model_providers.mock={name="mock", base_url="http://127.0.0.1:5/v1", wire_api="responses", env_key="MOCK_API_KEY"}`}}
	if e := apiEndpoint(codex); e.url != "http://127.0.0.1:5/v1" || e.keyVar != "MOCK_API_KEY" || e.login != "codex login" {
		t.Errorf("codex provider endpoint = %+v", e)
	}
}

// Claude reports a denial twice: a system/permission_denied line without
// the input, then the result's permission_denials with it. One denial is
// recorded, with the command.
func TestClaudeDenialReportedOnce(t *testing.T) {
	p := newParser(FormatClaude, newEmitter(nil, Request{}))
	for _, l := range []string{
		`{"type":"system","subtype":"permission_denied","tool_name":"Bash","tool_use_id":"toolu_2","message":"This Bash command contains multiple operations. The following parts require approval: git add -A, git commit -q -m 'feat: T1'"}`,
		`{"type":"result","subtype":"success","is_error":false,"result":"done","permission_denials":[{"tool_name":"Bash","tool_use_id":"toolu_2","tool_input":{"command":"git add -A && git commit -q -m 'feat: T1'","description":"Run a shell command"}}]}`,
	} {
		p.line([]byte(l))
	}
	if d := p.result().denials; len(d) != 1 || d[0] != "Bash(git add -A && git commit -q -m 'feat: T1')" {
		t.Errorf("denials = %q, want the one Bash call with its command", d)
	}
}
