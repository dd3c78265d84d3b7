package agent

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// rawSteps renders stdout lines as fake-agent raw steps, then a hang: only
// looper can end such an attempt.
func rawSteps(lines ...string) string {
	var steps []string
	for _, l := range lines {
		b, _ := json.Marshal(l)
		steps = append(steps, `{"raw":`+string(b)+`}`)
	}
	steps = append(steps, `{"hang":true}`)
	return `{"steps":[` + strings.Join(steps, ",") + `]}`
}

// The first 401 retry notice stops the attempt: claude would otherwise retry
// ten times over minutes. The attempt's timeout is minutes away, so one that waited
// for it would end "timeout", not "auth".
func TestFakeAuthRetryStopsAtOnce(t *testing.T) {
	t.Parallel()
	r := runFake(t, fakeRun{dialect: "claude", scenario: rawSteps(
		`{"type":"system","subtype":"init","session_id":"s","model":"m"}`, claudeRetry401),
		spec: func(s *Spec) { s.Env = append(s.Env, "ANTHROPIC_BASE_URL=http://127.0.0.1:9") }})
	if r.Class != ClassAuth {
		t.Fatalf("class = %s (%s), want auth", r.Class, r.Err)
	}
	for _, want := range []string{"http://127.0.0.1:9", "ANTHROPIC_API_KEY"} {
		if !strings.Contains(r.Err, want) {
			t.Errorf("err = %q, want it to name %q", r.Err, want)
		}
	}
}

// Reconnect notices are output but not progress: with a one-second retry
// timeout (and no idle timeout) the attempt ends unreachable, not at its
// overall timeout.
func TestFakeReconnectChatterIsNotProgress(t *testing.T) {
	t.Parallel()
	provider := `model_providers.mock={name="mock", base_url="http://127.0.0.1:7/v1", wire_api="responses", env_key="MOCK_API_KEY"}`
	r := runFake(t, fakeRun{dialect: "codex", scenario: rawSteps(
		`{"type":"thread.started","thread_id":"t"}`, `{"type":"turn.started"}`, codexNoNetwork, codexNoNetwork),
		spec: func(s *Spec) {
			s.RetryTimeout = time.Second
			s.Args = []string{"-c", provider}
		}})
	if r.Class != ClassUnreachable {
		t.Fatalf("class = %s (%s), want unreachable", r.Class, r.Err)
	}
	for _, want := range []string{"http://127.0.0.1:7/v1", "waiting for network", "base_url"} {
		if !strings.Contains(r.Err, want) {
			t.Errorf("err = %q, want it to name %q", r.Err, want)
		}
	}
}

// Permission denials in claude's result, and a commit codex's sandbox
// refused, are reported in the result, whatever the attempt's class.
func TestFakeDenialsAreReported(t *testing.T) {
	t.Parallel()
	claudeResult := `{"type":"result","subtype":"success","is_error":false,"result":"{\"task_id\":\"T1\",\"status\":\"done\",\"summary\":\"s\"}",` +
		`"permission_denials":[{"tool_name":"Bash","tool_use_id":"toolu_1","tool_input":{"command":"git add -A && git commit -m x"}}]}`
	r := runFake(t, fakeRun{dialect: "claude", scenario: `{"steps":[{"raw":` + quote(claudeResult) + `},{"exit":0}]}`})
	if r.Class != ClassOK || len(r.Denials) != 1 || r.Denials[0] != "Bash(git add -A && git commit -m x)" {
		t.Errorf("claude: class %s (%s), denials %q", r.Class, r.Err, r.Denials)
	}
	failedCommit := `{"type":"item.completed","item":{"id":"item_1","type":"command_execution","command":"/bin/bash -lc 'git commit -m x'",` +
		`"aggregated_output":"fatal: Unable to create '/w/.git/index.lock': Read-only file system\n","exit_code":128,"status":"failed"}}`
	r = runFake(t, fakeRun{dialect: "codex", scenario: `{"steps":[{"raw":` + quote(failedCommit) + `},{"summary":{}}]}`})
	if r.Class != ClassOK || len(r.Denials) != 1 || !strings.Contains(r.Denials[0], "Read-only file system") || !strings.Contains(r.Denials[0], "git commit") {
		t.Errorf("codex: class %s (%s), denials %q", r.Class, r.Err, r.Denials)
	}
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
