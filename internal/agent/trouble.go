package agent

import (
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// troubleKind is what a retry or reconnect notice says is wrong with the
// agent's model API. Real CLIs retry failed API calls themselves and print
// a notice per retry (claude's system/api_retry, codex's "Reconnecting..."
// error events); those lines are chatter, not progress, and what they say
// decides the class when looper stops the agent.
type troubleKind int

const (
	troubleNone troubleKind = iota
	// troubleServer: the API answered with a server error (500, 502, 504).
	troubleServer
	// troubleUnreachable: no answer at all (connection refused, no network,
	// DNS failure).
	troubleUnreachable
	// troubleOverloaded: HTTP 529 or 503, or "overloaded".
	troubleOverloaded
	// troubleLimited: HTTP 429 or a rate-limit error.
	troubleLimited
	// troubleAuth: HTTP 401 or 403, or an authentication error. It never
	// heals by retrying, so looper stops the agent at the first one.
	troubleAuth
)

// trouble is the newest API problem a stream reported through retry
// chatter.
type trouble struct {
	kind troubleKind
	// status is the HTTP status, 0 when there was none.
	status int
	// detail is the notice as the agent printed it, on one line.
	detail string
	// retries counts the notices since the last progress line.
	retries int
	// delay is the agent's own next retry delay, when it said (claude).
	delay time.Duration
}

// lineKind is what one line of an agent's stream meant for the watchdog.
type lineKind int

const (
	// lineProgress: the agent did something (any line that is not chatter).
	lineProgress lineKind = iota
	// lineChatter: a retry or reconnect notice; the agent is waiting on its
	// model API and the retry clock runs.
	lineChatter
	// lineAuthFailure: a retry notice for an authentication failure, which
	// no retry heals: looper stops the agent at once.
	lineAuthFailure
	// lineNeutral: a notice that is neither progress nor a retry (codex's
	// "Falling back from WebSockets to HTTPS" warning item): the retry
	// clock neither starts nor stops.
	lineNeutral
)

var (
	statusRE = regexp.MustCompile(`\b([45]\d\d)\b`)
	// Codex's reconnect notices: "Reconnecting... 2/5 (unexpected status
	// 401 Unauthorized)", "Reconnecting... waiting for network (Connection
	// failed: error sending request)".
	reconnectRE = regexp.MustCompile(`(?i)^reconnecting\.\.\.`)
	// No answer at all: the API cannot be reached from here.
	unreachableRE = regexp.MustCompile(`(?i)waiting for network|connection (?:failed|refused|reset|error)|error sending request|dns error|failed to lookup address|network is unreachable|no route to host|econnrefused|enotfound|eai_again`)
	// The API answered, or started to, but could not serve now: a pause
	// heals it. Codex words a 500 as "high demand" and a stalled stream as
	// "stream disconnected before completion".
	overloadedRE = regexp.MustCompile(`(?i)overloaded|\b529\b|\b503\b|service unavailable|high demand|stream disconnected|idle timeout waiting`)
)

// classifyNotice decides what a retry notice says, from its HTTP status
// when it has one, else from its words.
func classifyNotice(status int, kind, text string) troubleKind {
	if status == 0 {
		if m := statusRE.FindStringSubmatch(text); m != nil {
			status, _ = strconv.Atoi(m[1])
		}
	}
	switch {
	case status == 401 || status == 403 || kind == "authentication_failed" || kind == "permission_error" || mentionsAuth(text):
		return troubleAuth
	case status == 429 || kind == "rate_limit" || mentionsRateLimit(text):
		return troubleLimited
	case unreachableRE.MatchString(text):
		return troubleUnreachable
	case status == 529 || status == 503 || kind == "overloaded" || overloadedRE.MatchString(text):
		return troubleOverloaded
	case status >= 500:
		return troubleServer
	case status == 0:
		// No answer from the API: claude's api_retry with a null status,
		// codex's "waiting for network".
		return troubleUnreachable
	}
	return troubleServer
}

// note records one retry notice: chatter, or an authentication failure.
func (t *transcript) note(status int, kind, text string, delay time.Duration) lineKind {
	if status == 0 {
		if m := statusRE.FindStringSubmatch(text); m != nil {
			status, _ = strconv.Atoi(m[1])
		}
	}
	t.trouble.kind = classifyNotice(status, kind, text)
	t.trouble.status = status
	t.trouble.detail = oneLine(clip(text, 300))
	t.trouble.retries++
	t.trouble.delay = delay
	if t.trouble.kind == troubleAuth {
		return lineAuthFailure
	}
	return lineChatter
}

// progress clears the retry count: the API answered after all.
func (t *transcript) progress() lineKind {
	t.trouble.retries = 0
	return lineProgress
}

// endpoint is where an agent's model API is and which credential it uses,
// so a run-level failure can name the URL and the fix.
type endpoint struct {
	url    string
	keyVar string
	login  string
}

var (
	codexBaseURLRE = regexp.MustCompile(`base_url\s*=\s*"([^"]+)"`)
	codexEnvKeyRE  = regexp.MustCompile(`env_key\s*=\s*"([^"]+)"`)
)

// apiEndpoint finds the model API a spec's agent talks to: claude's
// ANTHROPIC_BASE_URL (agent env, then looper's), codex's model provider
// from its -c overrides; else the vendors' defaults.
func apiEndpoint(s Spec) endpoint {
	switch s.Dialect {
	case DialectClaude:
		url := envValue(s.Env, "ANTHROPIC_BASE_URL")
		if url == "" {
			url = "https://api.anthropic.com"
		}
		return endpoint{url: url, keyVar: "ANTHROPIC_API_KEY", login: "claude /login"}
	case DialectCodex:
		e := endpoint{url: "https://api.openai.com/v1", keyVar: "OPENAI_API_KEY", login: "codex login"}
		for _, a := range s.Args {
			if m := codexBaseURLRE.FindStringSubmatch(a); m != nil {
				e.url = m[1]
			}
			if m := codexEnvKeyRE.FindStringSubmatch(a); m != nil {
				e.keyVar = m[1]
			}
		}
		return e
	}
	return endpoint{}
}

// envValue is the last KEY=value of env for key, else looper's own.
func envValue(env []string, key string) string {
	for i := len(env) - 1; i >= 0; i-- {
		if k, v, ok := strings.Cut(env[i], "="); ok && k == key {
			return v
		}
	}
	return os.Getenv(key)
}

// authFix says how to give an agent working credentials.
func (e endpoint) authFix(name string) string {
	switch {
	case e.keyVar != "" && e.login != "":
		return fmt.Sprintf("set %s to a valid key in looper's environment or [agents.%s] env, or log in with `%s`", e.keyVar, name, e.login)
	default:
		return fmt.Sprintf("log in with the %s CLI or check its API key ([agents.%s] env)", name, name)
	}
}

// reachFix says what to check when an agent's model API does not answer.
func (e endpoint) reachFix() string {
	switch {
	case e.url != "" && e.keyVar == "ANTHROPIC_API_KEY":
		return fmt.Sprintf("check the network, or ANTHROPIC_BASE_URL (%s)", e.url)
	case e.url != "":
		return fmt.Sprintf("check the network, or the model provider's base_url (%s)", e.url)
	}
	return "check the network"
}
