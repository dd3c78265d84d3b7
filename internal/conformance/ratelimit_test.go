package conformance

import (
	"strconv"
	"testing"

	"github.com/looper-go/looper/internal/mockapi"
)

// claudeMaxRetries bounds claude's own retries (CLAUDE_CODE_MAX_RETRIES;
// 10 by default, with backoff up to ~40 s) so that a rate-limit case gives
// up in seconds rather than minutes.
const claudeMaxRetries = 2

// TestClaudeRateLimitedRequeued: the API answers 429 (retry-after) or 529
// until claude gives up retrying, then normally. Looper classifies the
// attempt rate-limited or overloaded (in the run log), re-queues the task
// instead of blocking it, and the task ends done once the API answers.
func TestClaudeRateLimitedRequeued(t *testing.T) {
	t.Parallel()
	giveUp := claudeMaxRetries + 1 // the first request and every retry
	for _, c := range []struct {
		fault mockapi.Fault
		class string
	}{
		{mockapi.Fault{Status: 429, RetryAfter: "1", Times: giveUp}, "rate-limited"},
		{mockapi.Fault{Status: 529, Times: giveUp}, "overloaded"},
	} {
		t.Run(strconv.Itoa(c.fault.Status), func(t *testing.T) {
			t.Parallel()
			script := commitScript()
			script.Faults = []mockapi.Fault{c.fault}
			srv := mockapi.NewAnthropic(script)
			t.Cleanup(srv.Close)
			p := claudeProject(t, srv, []task{{ID: "T1"}}, nil)
			r := p.run([]string{"CLAUDE_CODE_MAX_RETRIES=" + strconv.Itoa(claudeMaxRetries)}, "run")
			if n := srv.Count(func(r mockapi.Request) bool { return r.Fault }); n != giveUp {
				t.Errorf("%d requests faulted, want %d: claude must have given up before the API answered", n, giveUp)
			}
			wantClassThenDone(t, p, r, c.class)
		})
	}
}

// TestCodexRateLimitedRequeued does the same with codex and a 429.
func TestCodexRateLimitedRequeued(t *testing.T) {
	t.Parallel()
	script := commitScript()
	script.Faults = []mockapi.Fault{{Status: 429, RetryAfter: "1", Times: 1}}
	srv := mockapi.NewResponses(script)
	t.Cleanup(srv.Close)
	p := codexProject(t, srv, []task{{ID: "T1"}})
	r := p.run(nil, "run")
	wantClassThenDone(t, p, r, "rate-limited")
}

// wantClassThenDone checks that T1 had an attempt of class and was never
// blocked, and that the run ended with T1 done and exit 0.
func wantClassThenDone(t *testing.T, p *project, r result, class string) {
	t.Helper()
	if r.code != 0 {
		t.Errorf("exit %d, want 0", r.code)
	}
	p.wantStatus(map[string]string{"T1": "done"})
	events := p.runLog()
	var classes []string
	for _, a := range attempts(events, "T1") {
		classes = append(classes, a.str("class"))
	}
	if !contains(classes, class) {
		t.Errorf("T1's attempts were %q, want one %q", classes, class)
	}
	for _, e := range events {
		if e.str("task_id") == "T1" && e.str("type") == "status" && e.str("status") == "blocked" {
			t.Errorf("T1 was blocked: %v", e)
		}
	}
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}
