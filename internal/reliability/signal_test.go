package reliability

import (
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/looper-go/looper/todo"
)

// signalGrace is the agents' grace period in the signal tests.
const signalGrace = time.Second

// eightTasks is the backlog of the signal tests: six todo tasks and two
// blocked ones (tried after the todo tier, so all eight run at once), so
// that putting tasks back means two different statuses.
func eightTasks() []task {
	var tasks []task
	for _, id := range []string{"T1", "T2", "T3", "T4", "T5", "T6"} {
		tasks = append(tasks, task{ID: id})
	}
	return append(tasks, task{ID: "B1", Status: "blocked"}, task{ID: "B2", Status: "blocked"})
}

// waitAgents waits until n agents of the run have started and returns their
// start records.
func (p *project) waitAgents(r *run, n int) []recordEvent {
	p.t.Helper()
	return p.waitRecordOf(r, 30*time.Second, n, "agents started", func(e recordEvent) bool {
		return e.Event == "start" && e.Mode == "iteration"
	})
}

// TestInterruptEndsWithinGrace sends SIGINT (and, in a second run,
// SIGTERM) to looper while eight agents work, one of which ignores SIGTERM:
// looper must exit 130 within the grace period plus one second, with no
// agent process left, every task put back to the status it had before the
// run, and a complete JSONL log that ends with the run's last events.
func TestInterruptEndsWithinGrace(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			tasks := eightTasks()
			scenarios := map[string]any{"default": "hang", "T4": "ignore-sigterm"}
			p := newProject(t, tasks, scenarios, map[string]string{"agents.claude.grace": `"1s"`})
			before := statuses(p.backlog())
			r := p.start("run", "--parallel", "--max-tasks", "8")
			agents := p.waitAgents(r, 8)
			sent := time.Now()
			r.signal(sig)
			code := r.wait(signalGrace + 10*time.Second)
			took := r.ended.Sub(sent)
			t.Logf("%s: looper exited %d after %s (grace %s)", sig, code, took.Round(time.Millisecond), signalGrace)
			if code != 130 {
				t.Errorf("exit status %d, want 130\n%s", code, r.tail())
			}
			if took > signalGrace+time.Second {
				t.Errorf("looper took %s to exit, more than the grace period (%s) plus one second", took, signalGrace)
			}
			p.noLeftovers(0)
			for _, a := range agents {
				if groupAlive(a.PGID) {
					t.Errorf("the process group %d of %s's agent is still there", a.PGID, a.TaskID)
				}
			}
			// T4's agent ignored SIGTERM: it was SIGKILLed after the grace period.
			p.waitRecord(0, 1, "agents ignoring SIGTERM", func(e recordEvent) bool { return e.Ignored })
			after := statuses(p.backlog())
			for id, st := range before {
				if after[id] != st {
					t.Errorf("task %s is %s after the interrupt, want %s as before the run", id, after[id], st)
				}
			}
			out := r.output()
			for _, want := range []string{"stopping; agents get a grace period", "put back as they were before the run: B1, B2, T1, T2, T3, T4, T5, T6", "interrupted; in-flight tasks were put back"} {
				if !strings.Contains(out, want) {
					t.Errorf("output lacks %q:\n%s", want, r.tail())
				}
			}
			// The log is complete: every line JSON, and it ends with the
			// attempts stopped and the tasks put back.
			logs := p.runLogs()
			evs := p.readLog(logs[len(logs)-1])
			killed := map[string]bool{}
			for _, e := range evs {
				if e.Kind == "attempt" && e.Class == "killed" {
					killed[e.TaskID] = true
				}
			}
			if len(killed) != 8 {
				t.Errorf("the log shows %d attempts killed, want 8: %v", len(killed), killed)
			}
			last := evs[len(evs)-1]
			if !strings.Contains(last.Message, "put back as they were before the run") {
				t.Errorf("the log's last event is %+v, want the tasks put back", last)
			}
		})
	}
}

// TestSecondInterruptExitsAtOnce sends SIGINT to looper while eight agents
// that all ignore SIGTERM work, with a long grace period: looper waits for
// them; a second SIGINT kills every agent's process group and exits 130 at
// once. The tasks in flight stay doing (nothing waited to put them back),
// the backlog is valid, and the next run finishes them.
func TestSecondInterruptExitsAtOnce(t *testing.T) {
	tasks := eightTasks()
	p := newProject(t, tasks, map[string]any{"default": "ignore-sigterm"}, map[string]string{"agents.claude.grace": `"60s"`})
	r := p.start("run", "--parallel", "--max-tasks", "8")
	agents := p.waitAgents(r, 8)
	r.signal(syscall.SIGINT)
	p.waitRecordOf(r, 10*time.Second, 8, "agents ignoring SIGTERM", func(e recordEvent) bool { return e.Ignored })
	if r.exited() {
		t.Fatalf("looper exited before the agents' grace period ended\n%s", r.tail())
	}
	sent := time.Now()
	r.signal(syscall.SIGINT)
	code := r.wait(45 * time.Second)
	took := r.ended.Sub(sent)
	t.Logf("second SIGINT: looper exited %d after %s", code, took.Round(time.Millisecond))
	if code != 130 {
		t.Errorf("exit status %d, want 130\n%s", code, r.tail())
	}
	// "At once" against the 60 s grace the first SIGINT started: a looper
	// that waited for the grace would take all of it, however fast or slow
	// the machine is.
	if took >= 30*time.Second {
		t.Errorf("looper took %s to exit after the second SIGINT; want at once, not after the 60s grace", took)
	}
	if !strings.Contains(r.output(), "again: killing every agent now") {
		t.Errorf("output lacks the second-signal message:\n%s", r.tail())
	}
	p.noLeftovers(time.Second)
	for _, a := range agents {
		if groupAlive(a.PGID) {
			t.Errorf("the process group %d of %s's agent is still there", a.PGID, a.TaskID)
		}
	}
	st := statuses(p.backlog())
	if n := countStatus(st, todo.StatusDoing); n != 8 {
		t.Errorf("%d tasks doing after the second SIGINT, want 8: %v", n, st)
	}
	for _, log := range p.runLogs() {
		// Whole lines, but for a last one that exiting at once may cut.
		p.readKilledLog(log)
	}

	// The next run picks the tasks left doing first and finishes them.
	p.setScenarios(map[string]any{"default": "noop", "review": "review"})
	if code, out := p.looper(time.Minute, "run", "--parallel", "--max-tasks", "8"); code != 0 {
		t.Fatalf("the next run exited %d\n%s", code, out)
	}
	st = statuses(p.backlog())
	var done []string
	for id, s := range st {
		if s == todo.StatusDone {
			done = append(done, id)
		}
	}
	slices.Sort(done)
	if len(done) != 8 {
		t.Errorf("after the next run, done: %v; want all 8", done)
	}
}

// groupAlive reports whether any live (non-zombie) process is in group
// pgid.
func groupAlive(pgid int) bool {
	if pgid <= 0 {
		return false
	}
	if err := syscall.Kill(-pgid, 0); err != nil {
		return false
	}
	// Members may all be zombies awaiting their reaper: look at each.
	return slices.ContainsFunc(processesInGroup(pgid), func(pid int) bool { return !zombie(pid) })
}
