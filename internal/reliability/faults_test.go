package reliability

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/looper-go/looper/todo"
)

// Limits of the agents in TestAgentFaultsUnderLoad.
const (
	// The limits leave room for a loaded 2-core machine (load 30, two CPU
	// hogs, -race): a working agent must never look idle for faultIdle nor
	// take faultTimeout (the 17 MiB line took over 10 s there), and the
	// bounds checked on the attempts' durations add faultSlack to what the
	// limits promise.
	faultTimeout = 30 * time.Second
	faultIdle    = 15 * time.Second
	faultGrace   = 500 * time.Millisecond
	faultSlack   = 10 * time.Second
)

// fault is one misbehaving agent and how looper must classify it.
type fault struct {
	id       string
	scenario any
	class    string        // the attempt's class; "" for noise the task survives
	within   time.Duration // the attempt ends within this (0: no bound checked)
}

// faults are every fake-agent failure, each on its own task, and the noise
// a working agent may make (its task must still end done).
var faults = []fault{
	{"F-hang", "hang", "idle-timeout", faultIdle + faultSlack},
	{"F-deaf", "ignore-sigterm", "idle-timeout", faultIdle + faultGrace + faultSlack},
	{"F-busy", busyScenario(), "timeout", faultTimeout + faultSlack},
	{"F-crash", "crash", "crashed", 0},
	{"F-exit", "fail", "crashed", 0},
	{"F-truncated", "truncated", "agent-error", 0},
	{"F-malformed", map[string]any{"steps": []any{map[string]any{"malformed": true}, map[string]any{"malformed": true}, map[string]any{"exit": 0}}}, "agent-error", 0},
	{"F-error", map[string]any{"steps": []any{map[string]any{"fail": map[string]any{"message": "the tests do not compile"}}}}, "agent-error", 0},
	{"F-turns", "max-turns", "max-turns", 0},
	{"F-rate", map[string]any{"steps": []any{map[string]any{"rate_limit": map[string]any{"resets_in_s": 1}}}}, "rate-limited", 0},
	{"F-nosummary", "no-summary", "no-summary", 0},
	{"F-invalid", "invalid-summary", "invalid-summary", 0},
	{"F-wrongtask", "wrong-task", "invalid-summary", 0},
	{"N-flood", "flood", "", 0},
	{"N-huge", "huge-line", "", 0},
	{"N-malformed", "malformed", "", 0},
	{"N-partial", "partial-line", "", 0},
	{"N-orphan", "orphan", "", 0},
}

// busyScenario prints a line every 300 ms for 2 minutes: never idle,
// always too long.
func busyScenario() any {
	var steps []any
	for i := range 400 {
		steps = append(steps, map[string]any{"text": fmt.Sprintf("still working (%d)", i)}, map[string]any{"sleep_ms": 300})
	}
	return map[string]any{"steps": steps}
}

// TestAgentFaultsUnderLoad runs every way a fake agent can fail (hang, go
// idle, ignore SIGTERM, run too long, crash, exit non-zero, truncate or
// garble its stream, report an error, the turn limit, rate limits, no or a
// wrong summary; an authentication failure is a problem of the run, see
// TestAuthFailureUnderLoad) and the noise a working agent
// makes (floods, a 17 MiB line, malformed lines, a partial last line, an
// orphaned background process), each on its own task, among 16 ordinary
// tasks, eight at a time. Every failing task ends blocked with its class in
// the blockers, every other task ends done, nothing runs past its timeout
// (plus the grace period), the rate-limited task is re-queued until the
// limit and then blocked, and no process is left behind.
func TestAgentFaultsUnderLoad(t *testing.T) {
	var tasks []task
	scenarios := map[string]any{"default": map[string]any{"steps": []any{map[string]any{"sleep_ms": 200}, map[string]any{"summary": map[string]any{}}}}}
	for _, f := range faults {
		tasks = append(tasks, task{ID: f.id})
		scenarios[f.id] = f.scenario
	}
	for i := range 16 {
		tasks = append(tasks, task{ID: fmt.Sprintf("L%02d", i+1)})
	}
	p := newProject(t, tasks, scenarios, map[string]string{
		"agents.claude.timeout":      fmt.Sprintf("%q", faultTimeout),
		"agents.claude.idle_timeout": fmt.Sprintf("%q", faultIdle),
		"agents.claude.grace":        fmt.Sprintf("%q", faultGrace),
	})
	began := time.Now()
	code, out := p.looper(5*time.Minute, "run", "--parallel", "--max-tasks", "8")
	took := time.Since(began)
	t.Logf("%d tasks, %d faulty, ran in %s", len(tasks), len(faults), took.Round(time.Millisecond))
	if code != 1 {
		t.Errorf("exit status %d, want 1 (tasks blocked)\n%s", code, out)
	}
	p.noLeftovers(0)

	b := p.backlog()
	logs := p.runLogs()
	evs := p.readLog(logs[len(logs)-1])
	for _, f := range faults {
		tk := b.Task(f.id)
		var attempts []logEvent
		for _, e := range evs {
			if e.Kind == "attempt" && e.TaskID == f.id {
				attempts = append(attempts, e)
			}
		}
		if len(attempts) == 0 {
			t.Errorf("%s: no attempt in the log", f.id)
			continue
		}
		last := attempts[len(attempts)-1]
		if f.class == "" {
			if tk.Status != todo.StatusDone || last.Class != "ok" {
				t.Errorf("%s (%v): %s with class %s, want done: blockers %q", f.id, f.scenario, tk.Status, last.Class, tk.Blockers)
			}
			continue
		}
		if tk.Status != todo.StatusBlocked {
			t.Errorf("%s: %s, want blocked", f.id, tk.Status)
		}
		if last.Class != f.class {
			t.Errorf("%s: class %s, want %s (%s)", f.id, last.Class, f.class, last.Message)
		}
		if !strings.Contains(strings.Join(tk.Blockers, "\n"), "("+f.class+")") {
			t.Errorf("%s: blockers %q do not name the class %s", f.id, tk.Blockers, f.class)
		}
		for _, a := range attempts {
			if d := time.Duration(a.Duration); f.within > 0 && d > f.within {
				t.Errorf("%s: the attempt ran %s, more than %s", f.id, d.Round(time.Millisecond), f.within)
			}
		}
		if f.class == "rate-limited" {
			if len(attempts) != 6 {
				t.Errorf("%s: %d attempts, want 6 (5 re-queues, then blocked)", f.id, len(attempts))
			}
			if !strings.Contains(strings.Join(tk.Blockers, "\n"), "rate-limited 6 times; giving up for this run") {
				t.Errorf("%s: blockers %q do not say the rate-limit retries ran out", f.id, tk.Blockers)
			}
		}
	}
	for i := range 16 {
		id := fmt.Sprintf("L%02d", i+1)
		if st := b.Task(id).Status; st != todo.StatusDone {
			t.Errorf("%s: %s, want done: the run must go on around failures", id, st)
		}
	}
	if !strings.Contains(out, "rate-limited; re-queued for") {
		t.Errorf("the output does not say the rate-limited task was re-queued:\n%s", out)
	}
}

// TestAuthFailureUnderLoad has one task's agent fail to authenticate among
// 16 ordinary tasks, eight at a time. Bad credentials are not the task's
// fault and would fail every task: the run stops using the agent, which is
// its only one, so it ends with exit status 3 naming the fix, with no task
// blocked or left doing, the failing task untouched, and no process left.
func TestAuthFailureUnderLoad(t *testing.T) {
	tasks := []task{{ID: "F-auth"}}
	scenarios := map[string]any{
		"default": map[string]any{"steps": []any{map[string]any{"sleep_ms": 200}, map[string]any{"summary": map[string]any{}}}},
		"F-auth":  "auth",
	}
	for i := range 16 {
		tasks = append(tasks, task{ID: fmt.Sprintf("L%02d", i+1)})
	}
	p := newProject(t, tasks, scenarios, map[string]string{"agents.claude.grace": fmt.Sprintf("%q", faultGrace)})
	code, out := p.looper(5*time.Minute, "run", "--parallel", "--max-tasks", "8")
	if code != 3 || !strings.Contains(out, "cannot authenticate") || !strings.Contains(out, "ANTHROPIC_API_KEY") {
		t.Errorf("exit status %d, want 3 with the fix\n%s", code, out)
	}
	p.noLeftovers(0)
	b := p.backlog()
	for _, tk := range b.Tasks {
		if tk.Status != todo.StatusTodo && tk.Status != todo.StatusDone || len(tk.Blockers) > 0 {
			t.Errorf("%s: %s with blockers %q, want todo or done and no blockers", tk.ID, tk.Status, tk.Blockers)
		}
	}
	if tk := b.Task("F-auth"); tk.Status != todo.StatusTodo {
		t.Errorf("F-auth: %s, want todo as before the run", tk.Status)
	}
}
