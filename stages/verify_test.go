package stages

import (
	"strings"
	"testing"
	"time"

	"github.com/looper-go/looper/sinks"
	"github.com/looper-go/looper/todo"
)

// These tests run real verify commands, so they use real time, not synctest.

func TestAVerifyTimeoutIsAFailureNotAHang(t *testing.T) {
	t.Parallel()
	r := newFakeRunner(done(0))
	h := newHarness(t, r, task{id: "T1"})
	h.deps.Verify = "sleep 30"
	h.deps.VerifyTimeout = 300 * time.Millisecond
	start := time.Now()
	rep, err := h.run(t.Context(), false)
	if err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("the run took %s: the verify timeout did not stop the command", took)
	}
	tk := h.backlog().Task("T1")
	if tk.Status != todo.StatusBlocked || rep.Blocked+rep.Failed != 1 || len(tk.Blockers) == 0 || !strings.Contains(tk.Blockers[0], `verification "sleep 30" timed out`) {
		t.Errorf("T1 %s %q, report %+v", tk.Status, tk.Blockers, rep)
	}
}

func TestVerifyByTagOverridesTheDefaultCommand(t *testing.T) {
	t.Parallel()
	r := newFakeRunner(done(0))
	h := newHarness(t, r, task{id: "T1", tags: []string{"docs"}}, task{id: "T2"})
	h.deps.Verify = "exit 3"
	h.deps.VerifyByTag = map[string]string{"docs": "true"}
	rep, err := h.run(t.Context(), false)
	if err != nil {
		t.Fatal(err)
	}
	b := h.backlog()
	if b.Task("T1").Status != todo.StatusDone || b.Task("T2").Status != todo.StatusBlocked || rep.Done != 1 {
		t.Errorf("T1 %s T2 %s %q", b.Task("T1").Status, b.Task("T2").Status, b.Task("T2").Blockers)
	}
	var exits []int
	for _, e := range h.events.of(sinks.KindCommand) {
		if e.Stage == "verify" {
			exits = append(exits, e.ExitCode)
		}
	}
	if len(exits) != 2 {
		t.Errorf("verify events with exit codes %v, want two", exits)
	}
}

func TestSlotsUseTheirOwnAgents(t *testing.T) {
	t.Parallel()
	r := newFakeRunner(done(0))
	h := newHarness(t, r, task{id: "T1"})
	h.deps.MaxAgents = 3
	h.deps.SlotAgents = []string{"claude", "codex"}
	if _, err := h.run(t.Context(), false); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(r.specs, ","); got != "claude,codex,claude" {
		t.Errorf("slots ran %s, want claude,codex,claude", got)
	}
	dec := h.events.of(sinks.KindDecision)
	if len(dec) != 1 || dec[0].Votes != "3/3 done" {
		t.Errorf("decision %+v", dec)
	}
}

func TestAnUnknownSlotAgentFailsTheAttemptNotTheRun(t *testing.T) {
	t.Parallel()
	r := newFakeRunner(done(0))
	h := newHarness(t, r, task{id: "T1"})
	h.deps.SlotAgents = []string{"nosuch"}
	rep, err := h.run(t.Context(), false)
	if err != nil {
		t.Fatal(err)
	}
	tk := h.backlog().Task("T1")
	if rep.Failed != 1 || tk.Status != todo.StatusBlocked || !strings.Contains(strings.Join(tk.Blockers, " "), `no agent named "nosuch"`) {
		t.Errorf("report %+v, T1 %s %q", rep, tk.Status, tk.Blockers)
	}
}
