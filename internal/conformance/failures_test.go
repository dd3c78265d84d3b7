package conformance

import (
	"maps"
	"net/url"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/looper-go/looper/internal/mockapi"
)

// exitAgentUnusable is looper's exit status when an agent cannot be used at
// all (missing binary, bad credentials, model API unreachable): a problem
// of the setup, not of any task.
const exitAgentUnusable = 3

// twoTasks is the backlog of the failure cases: two independent tasks, so
// a looper that treats a setup problem as a task failure would try both.
func twoTasks() []task { return []task{{ID: "T1"}, {ID: "T2"}} }

// wantLine checks that one line of looper's output has, for every group,
// at least one of its strings: the agent, the problem and the fix must be
// said together, not scattered over unrelated lines.
func wantLine(t *testing.T, r result, groups ...[]string) {
	t.Helper()
	for line := range strings.SplitSeq(r.output(), "\n") {
		ok := true
		for _, g := range groups {
			ok = ok && containsAny(line, g...)
		}
		if ok {
			return
		}
	}
	t.Errorf("no output line mentions all of %q", groups)
}

// wantSaid checks that looper's output has, for every group, at least one
// of its strings, anywhere: for distinctive strings (a path, a variable)
// that looper may put on a line of their own, such as a "fix:" line.
func wantSaid(t *testing.T, r result, groups ...[]string) {
	t.Helper()
	for _, g := range groups {
		if !containsAny(r.output(), g...) {
			t.Errorf("output mentions none of %q", g)
		}
	}
}

func containsAny(s string, subs ...string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// unreachable are the ways looper may say a model API could not be reached.
var unreachable = []string{"could not be reached", "cannot be reached", "unreachable", "could not reach", "cannot reach"}

// unreachableAfter is the retry_timeout of the unreachable cases: how long
// an agent may do nothing but retry before its API counts as unreachable.
// The default (2m) would make these the suite's two longest tests; the rule
// is the same.
const unreachableAfter = `"40s"`

// codexAuthFix are the fixes a codex auth failure may name: the mock
// provider's key variable or `codex login`.
var codexAuthFix = []string{codexKeyVar, "codex login"}

// wantStoppedAtFirstAuthFailure checks that the mock saw at most two
// requests answered with status (claude alone would retry ten times).
func wantStoppedAtFirstAuthFailure(t *testing.T, srv *mockapi.Server, status int) {
	t.Helper()
	n := srv.Count(func(r mockapi.Request) bool { return r.Status == status })
	if n == 0 || n > 2 {
		t.Errorf("%d requests answered %d, want 1 or 2: the agent must stop at the first auth failure", n, status)
	}
}

// TestClaudeAuthFailure: with a key the API rejects, looper stops claude at
// the first auth event instead of letting it retry for minutes, leaves the
// tasks as they were, names the fix and exits 3.
func TestClaudeAuthFailure(t *testing.T) {
	t.Parallel()
	for _, status := range []int{401, 403} {
		t.Run(strconv.Itoa(status), func(t *testing.T) {
			t.Parallel()
			script := commitScript()
			script.Faults = []mockapi.Fault{{Status: status}}
			srv := mockapi.NewAnthropic(script)
			t.Cleanup(srv.Close)
			p := claudeProject(t, srv, twoTasks(), nil)
			r := p.run(nil, "run")
			if r.code != exitAgentUnusable {
				t.Errorf("exit %d, want %d", r.code, exitAgentUnusable)
			}
			wantStoppedAtFirstAuthFailure(t, srv, status)
			wantLine(t, r, []string{"claude"}, []string{"ANTHROPIC_API_KEY"})
			p.wantUntouchedTasks()
		})
	}
}

// TestClaudeNoKey: without any credentials claude says "Not logged in";
// looper exits 3 naming ANTHROPIC_API_KEY and leaves the tasks alone.
func TestClaudeNoKey(t *testing.T) {
	t.Parallel()
	srv := mockapi.NewAnthropic(commitScript())
	t.Cleanup(srv.Close)
	p := newProject(t, twoTasks(), map[string]string{"agents.claude.binary": tomlString(claudeBin(t))})
	p.env = append(p.env, claudeEnv(srv.URL(), "")...)
	r := p.run(nil, "run")
	if r.code != exitAgentUnusable {
		t.Errorf("exit %d, want %d", r.code, exitAgentUnusable)
	}
	wantLine(t, r, []string{"claude"}, []string{"ANTHROPIC_API_KEY"})
	p.wantUntouchedTasks()
}

// TestCodexAuthFailure: a 401 from codex's provider stops codex at once;
// looper exits 3 naming the provider's key variable or `codex login`.
func TestCodexAuthFailure(t *testing.T) {
	t.Parallel()
	script := commitScript()
	script.Faults = []mockapi.Fault{{Status: 401}}
	srv := mockapi.NewResponses(script)
	t.Cleanup(srv.Close)
	p := codexProject(t, srv, twoTasks())
	r := p.run(nil, "run")
	if r.code != exitAgentUnusable {
		t.Errorf("exit %d, want %d", r.code, exitAgentUnusable)
	}
	wantStoppedAtFirstAuthFailure(t, srv, 401)
	wantLine(t, r, []string{"codex"}, codexAuthFix)
	p.wantUntouchedTasks()
}

// TestClaudeUnreachable: with ANTHROPIC_BASE_URL on a port nothing listens
// on, looper exits 3 saying the model API could not be reached at that
// address, and leaves the tasks alone.
func TestClaudeUnreachable(t *testing.T) {
	t.Parallel()
	closed, err := mockapi.UnusedURL()
	if err != nil {
		t.Fatal(err)
	}
	p := newProject(t, twoTasks(), map[string]string{
		"agents.claude.binary":        tomlString(claudeBin(t)),
		"agents.claude.retry_timeout": unreachableAfter,
	})
	p.env = append(p.env, claudeEnv(closed, "sk-ant-conformance")...)
	r := p.run(nil, "run")
	if r.code != exitAgentUnusable {
		t.Errorf("exit %d, want %d", r.code, exitAgentUnusable)
	}
	u, err := url.Parse(closed)
	if err != nil {
		t.Fatal(err)
	}
	wantLine(t, r, []string{"claude"}, unreachable, []string{u.Host})
	p.wantUntouchedTasks()
}

// TestCodexUnreachable: with its provider's base_url on a port nothing
// listens on, codex prints "Reconnecting... waiting for network" forever;
// looper exits 3 saying the model API could not be reached at that
// address, and leaves the tasks alone.
func TestCodexUnreachable(t *testing.T) {
	t.Parallel()
	closed, err := mockapi.UnusedURL()
	if err != nil {
		t.Fatal(err)
	}
	config := codexRoles()
	maps.Copy(config, map[string]string{
		"agents.codex.binary":        tomlString(codexBin(t)),
		"agents.codex.args":          tomlArray(codexProviderArgs(closed)...),
		"agents.codex.retry_timeout": unreachableAfter,
	})
	p := newProject(t, twoTasks(), config)
	p.env = append(p.env, codexKeyVar+"=sk-conformance")
	r := p.run(nil, "run")
	if r.code != exitAgentUnusable {
		t.Errorf("exit %d, want %d", r.code, exitAgentUnusable)
	}
	u, err := url.Parse(closed)
	if err != nil {
		t.Fatal(err)
	}
	wantLine(t, r, []string{"codex"}, unreachable, []string{u.Host})
	p.wantUntouchedTasks()
}

// TestCodexOffline runs looper, and so codex with its default provider, in
// a network namespace without network: codex reconnects forever ("waiting
// for network"); looper must end the run with status 3, say the model API
// could not be reached and name its host, and leave the tasks alone. It
// needs `unshare -n` (root).
func TestCodexOffline(t *testing.T) {
	t.Parallel()
	bin := codexBin(t)
	if err := exec.Command("unshare", "-n", "true").Run(); err != nil {
		t.Skipf("needs a network namespace (unshare -n, as root): %v", err)
	}
	config := codexRoles()
	maps.Copy(config, map[string]string{
		"agents.codex.binary":        tomlString(bin),
		"agents.codex.retry_timeout": unreachableAfter,
		// Should looper wait codex out again, one task and a short attempt
		// limit keep the failure from taking the whole suite's time.
		"max_iterations": "1", "agents.codex.timeout": `"4m"`,
	})
	p := newProject(t, twoTasks(), config)
	p.env = append(p.env, "CODEX_API_KEY=sk-conformance")
	p.wrap = []string{"unshare", "-n", "--"}
	r := p.run(nil, "run")
	if r.code != exitAgentUnusable {
		t.Errorf("exit %d, want %d", r.code, exitAgentUnusable)
	}
	wantLine(t, r, []string{"codex"}, unreachable, []string{"openai.com", "chatgpt.com"})
	p.wantUntouchedTasks()
}

// TestMixedAgentsCodexUnauthorized: with claude and codex voting and only
// codex rejected (401), claude's votes still finish every task, while the
// run ends with status 3 saying codex cannot authenticate.
func TestMixedAgentsCodexUnauthorized(t *testing.T) {
	t.Parallel()
	anth := mockapi.NewAnthropic(commitScript())
	t.Cleanup(anth.Close)
	bad := commitScript()
	bad.Faults = []mockapi.Fault{{Status: 401}}
	resp := mockapi.NewResponses(bad)
	t.Cleanup(resp.Close)
	config := codexConfig(t, resp, map[string]string{"parallel.agents": tomlArray("claude", "codex")})
	p := claudeProject(t, anth, twoTasks(), config)
	p.env = append(p.env, codexKeyVar+"=sk-conformance")
	r := p.run(nil, "run", "--parallel", "--max-tasks", "2", "--max-agents", "2")
	if r.code != exitAgentUnusable {
		t.Errorf("exit %d, want %d", r.code, exitAgentUnusable)
	}
	p.wantStatus(map[string]string{"T1": "done", "T2": "done"})
	p.wantCommitted("T1.txt", "T1\n")
	p.wantCommitted("T2.txt", "T2\n")
	wantStoppedAtFirstAuthFailure(t, resp, 401)
	wantLine(t, r, []string{"codex"}, codexAuthFix)
}
