package conformance

import (
	"strings"
	"testing"
)

// TestMissingAgent: with CLAUDE_BIN naming nothing, looper's preflight
// exits 3 before any task moves, names the binary and the fix, leaves the
// backlog byte for byte as it was and creates no worktree or branch, in
// sequential and parallel runs alike. It needs no agent binary.
func TestMissingAgent(t *testing.T) {
	t.Parallel()
	for name, args := range map[string][]string{
		"sequential": {"run"},
		"parallel":   {"run", "--parallel", "--max-tasks", "2", "--max-agents", "2"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			p := newProject(t, twoTasks(), nil)
			r := p.run([]string{"CLAUDE_BIN=/nonexistent/claude"}, args...)
			if r.code != exitAgentUnusable {
				t.Errorf("exit %d, want %d", r.code, exitAgentUnusable)
			}
			wantLine(t, r, []string{"claude"}, []string{"/nonexistent/claude"})
			wantSaid(t, r, []string{"CLAUDE_BIN", "npm install", "[agents.claude]"})
			p.wantBacklogUnchanged()
			if wts := git(t, p.dir, "worktree", "list"); strings.Count(wts, "\n") != 0 {
				t.Errorf("worktrees created:\n%s", wts)
			}
			if branches := git(t, p.dir, "branch", "--list", "--format=%(refname:short)"); branches != "main" {
				t.Errorf("branches after the run: %q, want only main", branches)
			}
		})
	}
}
