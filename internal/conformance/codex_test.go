package conformance

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/looper-go/looper/internal/mockapi"
)

// codexConfig points looper's codex at the real binary and at srv through
// a custom provider, and returns config for chaining.
func codexConfig(t *testing.T, srv *mockapi.Server, config map[string]string) map[string]string {
	t.Helper()
	if config == nil {
		config = map[string]string{}
	}
	config["agents.codex.binary"] = tomlString(codexBin(t))
	config["agents.codex.args"] = tomlArray(codexProviderArgs(srv.URL())...)
	return config
}

// codexRoles gives every role to codex, as a user with only codex
// installed must: repair and bootstrap default to claude, and the preflight
// checks every agent a role names.
func codexRoles() map[string]string {
	return map[string]string{
		"roles.iter": `"codex"`, "roles.review": `"codex"`, "roles.repair": `"codex"`, "roles.bootstrap": `"codex"`,
	}
}

// codexProject is a project whose only agent is the real codex talking to
// srv, with the provider's key set.
func codexProject(t *testing.T, srv *mockapi.Server, tasks []task) *project {
	t.Helper()
	config := codexConfig(t, srv, codexRoles())
	p := newProject(t, tasks, config)
	p.env = append(p.env, codexKeyVar+"=sk-conformance")
	return p
}

// TestCodexSequential runs one task with codex in place: the task is done,
// its file is in the user's checkout, and the attempt's tokens are what the
// mock reported (codex's input counts cached input).
func TestCodexSequential(t *testing.T) {
	t.Parallel()
	srv := mockapi.NewResponses(commitScript())
	t.Cleanup(srv.Close)
	p := codexProject(t, srv, []task{{ID: "T1"}})
	r := p.run(nil, "run")
	if r.code != 0 {
		t.Errorf("exit %d, want 0", r.code)
	}
	p.wantStatus(map[string]string{"T1": "done"})
	data, err := os.ReadFile(filepath.Join(p.dir, "T1.txt"))
	if err != nil || string(data) != "T1\n" {
		t.Errorf("T1.txt in the checkout: %q, %v", data, err)
	}
	as := attempts(p.runLog(), "T1")
	if len(as) != 1 {
		t.Fatalf("%d attempt events for T1, want 1", len(as))
	}
	turns := srv.Count(func(r mockapi.Request) bool { return r.Task == "T1" && r.Status == 200 })
	in, out, cacheRead, _ := usageOf(as[0])
	u := mockapi.DefaultUsage
	if in != turns*u.Input || out != turns*u.Output || cacheRead != turns*u.CacheRead {
		t.Errorf("usage in/out/cache-read = %d/%d/%d, want %d/%d/%d (%d turns)", in, out, cacheRead,
			turns*u.Input, turns*u.Output, turns*u.CacheRead, turns)
	}
}

// TestCodexSequentialCommitsWhatTheAgentLeft: codex's workspace-write
// sandbox keeps .git read-only, so its own git commit fails (and the
// failure does not even appear in its stream). Looper commits what the
// agent left: the task is done only with its file committed on main.
func TestCodexSequentialCommitsWhatTheAgentLeft(t *testing.T) {
	t.Parallel()
	srv := mockapi.NewResponses(commitScript())
	t.Cleanup(srv.Close)
	p := codexProject(t, srv, []task{{ID: "T1"}})
	r := p.run(nil, "run")
	if r.code != 0 {
		t.Errorf("exit %d, want 0", r.code)
	}
	p.wantStatus(map[string]string{"T1": "done"})
	p.wantCommitted("T1.txt", "T1\n")
	if st := git(t, p.dir, "status", "--porcelain", "--", "T1.txt"); st != "" {
		t.Errorf("T1.txt still uncommitted after the run: %s", st)
	}
}

// TestMixedAgentsVote runs claude and codex on every task (max 2 agents):
// both take part, the tasks are done and their files are merged on main,
// although codex cannot commit inside its sandbox.
func TestMixedAgentsVote(t *testing.T) {
	t.Parallel()
	anth := mockapi.NewAnthropic(commitScript())
	t.Cleanup(anth.Close)
	resp := mockapi.NewResponses(commitScript())
	t.Cleanup(resp.Close)
	config := codexConfig(t, resp, map[string]string{"parallel.agents": tomlArray("claude", "codex")})
	p := claudeProject(t, anth, []task{{ID: "T1"}, {ID: "T2"}}, config)
	p.env = append(p.env, codexKeyVar+"=sk-conformance")
	r := p.run(nil, "run", "--parallel", "--max-tasks", "2", "--max-agents", "2")
	if r.code != 0 {
		t.Errorf("exit %d, want 0", r.code)
	}
	p.wantStatus(map[string]string{"T1": "done", "T2": "done"})
	for _, id := range []string{"T1", "T2"} {
		p.wantCommitted(id+".txt", id+"\n")
		for name, srv := range map[string]*mockapi.Server{"claude": anth, "codex": resp} {
			if n := srv.Count(func(r mockapi.Request) bool { return r.Task == id && r.Step == 0 }); n != 1 {
				t.Errorf("%s: %s started %d conversations, want 1", id, name, n)
			}
		}
	}
}
