//go:build linux

package agent

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/looper-go/looper/internal/proc"
)

// TestDaemonsDieWithTheAttempt: the agent starts two daemons with setsid
// (out of its process group; one holds its stdout, one does not) and
// exits. Run returns with both dead, says what it killed, and the result
// is still the agent's success.
func TestDaemonsDieWithTheAttempt(t *testing.T) {
	t.Parallel()
	r := runFake(t, fakeRun{dialect: "claude", scenario: `"daemon"`})
	if r.Class != ClassOK {
		t.Fatalf("class = %s (%s), want ok", r.Class, r.Err)
	}
	var pids []int
	for _, rec := range r.records {
		if rec["event"] == "background" && rec["setsid"] == true {
			pids = append(pids, int(rec["pid"].(float64)))
		}
	}
	if len(pids) != 2 {
		t.Fatalf("the fake recorded %d daemons, want 2: %v", len(pids), r.records)
	}
	for _, pid := range pids {
		if processAlive(pid) {
			t.Errorf("daemon %d still runs after the attempt", pid)
		}
	}
	if !hasWarning(r.events, "outside its process group") || !hasWarning(r.events, "sleep 30") {
		t.Errorf("no warning naming the killed daemons: %v", r.events.all())
	}
}

// TestKillAllReachesDaemons: the second Ctrl-C kills a running attempt's
// daemon too, not only its group.
func TestKillAllReachesDaemons(t *testing.T) {
	done := make(chan fakeResult, 1)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	scenario := `{"steps": [{"daemon": {"argv": ["sleep", "302"]}}, {"hang": true}]}`
	go func() { done <- runFake(t, fakeRun{dialect: "claude", scenario: scenario, ctx: ctx}) }()
	var pid int
	deadline := time.Now().Add(2 * time.Minute)
	for pid == 0 && time.Now().Before(deadline) {
		for _, s := range proc.Tagged() {
			if strings.Contains(s.Command, "sleep 302") {
				pid = s.PID
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	if pid == 0 {
		cancel()
		<-done
		t.Fatal("the daemon did not start within 2 minutes")
	}
	KillAll()
	r := <-done
	if r.Class != ClassKilled {
		t.Errorf("class = %s, want killed", r.Class)
	}
	// Looper, the subreaper, reaps the daemon; allow a loaded machine time.
	for deadline := time.Now().Add(60 * time.Second); processAlive(pid) && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
	if processAlive(pid) {
		t.Errorf("daemon %d still runs after KillAll", pid)
	}
}
