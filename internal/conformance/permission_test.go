package conformance

import (
	"os"
	"strings"
	"testing"

	"github.com/looper-go/looper/internal/mockapi"
)

// TestClaudeAcceptEditsDenied: under permission_mode = "acceptEdits" claude
// may write files but its Bash `git commit` is denied. The run log warns
// about the denied tool, and the task is done only with its file committed
// on main (looper commits what the agent left).
func TestClaudeAcceptEditsDenied(t *testing.T) {
	t.Parallel()
	srv := mockapi.NewAnthropic(commitScript())
	t.Cleanup(srv.Close)
	p := claudeProject(t, srv, []task{{ID: "T1"}}, map[string]string{"agents.claude.permission_mode": `"acceptEdits"`})
	r := p.run(nil, "run")
	if r.code != 0 {
		t.Errorf("exit %d, want 0", r.code)
	}
	p.wantStatus(map[string]string{"T1": "done"})
	p.wantCommitted("T1.txt", "T1\n")
	var warned bool
	for _, e := range p.runLog() {
		if e.str("raw") != "" || !strings.EqualFold(e.str("level"), "WARN") {
			continue
		}
		if c := e.str("content"); strings.Contains(c, "denied") && strings.Contains(c, "Bash") {
			warned = true
		}
	}
	if !warned {
		t.Errorf("no WARN event in the run log names the denied Bash tool")
	}
}

// TestDelegatePermissionModeRefused: claude rejects --permission-mode
// delegate, so looper refuses it when loading the config, lists the modes
// claude accepts, and touches nothing. It needs no agent binary.
func TestDelegatePermissionModeRefused(t *testing.T) {
	t.Parallel()
	bin := os.Getenv("LOOPER_CLAUDE_BIN")
	if bin == "" {
		bin = "claude"
	}
	p := newProject(t, twoTasks(), map[string]string{
		"agents.claude.binary":          tomlString(bin),
		"agents.claude.permission_mode": `"delegate"`,
	})
	r := p.run(nil, "run")
	if r.code != 1 && r.code != 2 {
		t.Errorf("exit %d, want 1 or 2 (a configuration error)", r.code)
	}
	// The list comes from looper, in one line; claude's own "Allowed
	// choices" line would only show up if looper had started claude.
	wantLine(t, r, []string{"delegate"}, []string{"acceptEdits"}, []string{"bypassPermissions"}, []string{"dontAsk"}, []string{"plan"})
	if strings.Contains(r.output(), "Allowed choices are") {
		t.Errorf("claude was started with the invalid mode")
	}
	p.wantBacklogUnchanged()
}
