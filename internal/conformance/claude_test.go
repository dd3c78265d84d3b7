package conformance

import (
	"fmt"
	"strings"
	"testing"

	"github.com/looper-go/looper/internal/mockapi"
)

// commitScript makes each task write <task>.txt holding its id and commit
// it; the review pass adds nothing.
func commitScript() mockapi.Script {
	return mockapi.Script{Steps: func(task string) []mockapi.Step {
		if task == mockapi.ReviewTask {
			return nil
		}
		return mockapi.Commit(task, task+".txt", task+"\n")
	}}
}

// claudeProject is a project whose claude is the real binary talking to
// srv with a key. It skips (or fails, in CI) without the binary.
func claudeProject(t *testing.T, srv *mockapi.Server, tasks []task, config map[string]string) *project {
	t.Helper()
	bin := claudeBin(t)
	if config == nil {
		config = map[string]string{}
	}
	config["agents.claude.binary"] = tomlString(bin)
	p := newProject(t, tasks, config)
	p.env = append(p.env, claudeEnv(srv.URL(), "sk-ant-conformance")...)
	return p
}

// attempts returns the run log's attempt events of a task.
func attempts(events []event, taskID string) []event {
	var out []event
	for _, e := range events {
		if e.str("type") == "attempt" && e.str("task_id") == taskID {
			out = append(out, e)
		}
	}
	return out
}

// usageOf reads an attempt's usage numbers.
func usageOf(e event) (input, output, cacheRead int, cost float64) {
	u, _ := e["usage"].(map[string]any)
	num := func(k string) float64 { f, _ := u[k].(float64); return f }
	return int(num("input_tokens")), int(num("output_tokens")), int(num("cache_read_tokens")), num("cost_usd")
}

// reportedCost finds total_cost_usd in the result line claude printed
// during one attempt, as the run log kept it: one copy of each agent line,
// in the "lines" of "raw" records (a JSON line as a JSON value).
func reportedCost(t *testing.T, events []event, taskID, agentID string) float64 {
	t.Helper()
	for _, e := range events {
		if e.str("task_id") != taskID || e.str("agent_id") != agentID {
			continue
		}
		lines, _ := e["lines"].([]any)
		if raw := e.str("raw"); raw != "" {
			var v any
			if jsonUnmarshal(raw, &v) == nil {
				lines = append(lines, v)
			}
		}
		for _, l := range lines {
			m, ok := l.(map[string]any)
			if !ok || m["type"] != "result" {
				continue
			}
			cost, ok := m["total_cost_usd"].(float64)
			if !ok {
				t.Fatalf("result line of %s/%s without total_cost_usd: %v", taskID, agentID, m)
			}
			return cost
		}
	}
	t.Fatalf("no result line of %s/%s in the run log", taskID, agentID)
	return 0
}

// TestClaudeSequential runs two tasks, the second depending on the first,
// one after the other: both are done, both files are committed on main,
// and every attempt's tokens are exactly what the mock reported (input
// counting cache writes and reads) and its cost exactly what claude
// computed.
func TestClaudeSequential(t *testing.T) {
	t.Parallel()
	srv := mockapi.NewAnthropic(commitScript())
	t.Cleanup(srv.Close)
	p := claudeProject(t, srv, []task{{ID: "T1"}, {ID: "T2", DependsOn: []string{"T1"}, Priority: 1}}, nil)
	r := p.run(nil, "run")
	if r.code != 0 {
		t.Errorf("exit %d, want 0", r.code)
	}
	p.wantStatus(map[string]string{"T1": "done", "T2": "done"})
	p.wantCommitted("T1.txt", "T1\n")
	p.wantCommitted("T2.txt", "T2\n")
	if log := git(t, p.dir, "log", "--format=%s", "main"); !strings.Contains(log, "feat: T1") || !strings.Contains(log, "feat: T2") {
		t.Errorf("main's history lacks the agents' own commits:\n%s", log)
	}

	events := p.runLog()
	u := mockapi.DefaultUsage
	for _, id := range []string{"T1", "T2"} {
		as := attempts(events, id)
		if len(as) != 1 {
			t.Fatalf("%s: %d attempt events, want 1", id, len(as))
		}
		turns := srv.Count(func(r mockapi.Request) bool { return r.Task == id && r.Status == 200 })
		if turns != 3 {
			t.Errorf("%s: %d scripted turns answered, want 3", id, turns)
		}
		in, out, cacheRead, cost := usageOf(as[0])
		if want := turns * (u.Input + u.CacheCreation + u.CacheRead); in != want {
			t.Errorf("%s: input_tokens %d, want %d", id, in, want)
		}
		if want := turns * u.Output; out != want {
			t.Errorf("%s: output_tokens %d, want %d", id, out, want)
		}
		if want := turns * u.CacheRead; cacheRead != want {
			t.Errorf("%s: cache_read_tokens %d, want %d", id, cacheRead, want)
		}
		if want := reportedCost(t, events, id, as[0].str("agent_id")); cost != want || cost <= 0 {
			t.Errorf("%s: cost_usd %v, want %v as claude reported it", id, cost, want)
		}
	}
	// T2 depends on T1: its first request comes after T1's last.
	reqs := srv.Requests()
	lastT1, firstT2 := -1, -1
	for i, r := range reqs {
		if r.Task == "T1" {
			lastT1 = i
		}
		if r.Task == "T2" && firstT2 < 0 {
			firstT2 = i
		}
	}
	if firstT2 < lastT1 {
		t.Errorf("T2 started (request %d) before T1 ended (request %d)", firstT2, lastT1)
	}
}

// TestClaudeParallel runs three independent tasks two at a time, each in
// its own worktree: all are done and every file is merged onto main.
func TestClaudeParallel(t *testing.T) {
	t.Parallel()
	srv := mockapi.NewAnthropic(commitScript())
	t.Cleanup(srv.Close)
	p := claudeProject(t, srv, []task{{ID: "T1"}, {ID: "T2"}, {ID: "T3"}}, nil)
	r := p.run(nil, "run", "--parallel", "--max-tasks", "2")
	if r.code != 0 {
		t.Errorf("exit %d, want 0", r.code)
	}
	p.wantStatus(map[string]string{"T1": "done", "T2": "done", "T3": "done"})
	for _, id := range []string{"T1", "T2", "T3"} {
		p.wantCommitted(id+".txt", id+"\n")
	}
	if wts := git(t, p.dir, "worktree", "list"); strings.Count(wts, "\n") != 0 {
		t.Errorf("worktrees left behind:\n%s", wts)
	}
}

// TestClaudeVote runs each task with two claude agents that vote: both
// agents work on every task (two conversations each in the mock), the task
// is done and the winner's file is on main.
func TestClaudeVote(t *testing.T) {
	t.Parallel()
	srv := mockapi.NewAnthropic(commitScript())
	t.Cleanup(srv.Close)
	p := claudeProject(t, srv, []task{{ID: "T1"}, {ID: "T2"}}, nil)
	r := p.run(nil, "run", "--parallel", "--max-tasks", "2", "--max-agents", "2")
	if r.code != 0 {
		t.Errorf("exit %d, want 0", r.code)
	}
	p.wantStatus(map[string]string{"T1": "done", "T2": "done"})
	events := p.runLog()
	for _, id := range []string{"T1", "T2"} {
		p.wantCommitted(id+".txt", id+"\n")
		if n := srv.Count(func(r mockapi.Request) bool { return r.Task == id && r.Step == 0 }); n != 2 {
			t.Errorf("%s: %d conversations started, want 2 (one per agent)", id, n)
		}
		agents := map[string]bool{}
		for _, a := range attempts(events, id) {
			agents[a.str("agent_id")] = true
		}
		if len(agents) != 2 {
			t.Errorf("%s: attempts by %v, want two agents", id, agents)
		}
	}
	if !strings.Contains(r.output(), fmt.Sprintf("%d done", 2)) {
		t.Errorf("final line does not say 2 done:\n%s", r.output())
	}
}
