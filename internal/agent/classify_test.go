package agent

import (
	"errors"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestClassifyDecisionTable walks doc.go's table row by row, including the
// rows' precedence (an earlier row wins over a later one that also holds).
func TestClassifyDecisionTable(t *testing.T) {
	t.Parallel()
	ok := &transcript{term: terminalSuccess}
	failed := func(msg string) *transcript {
		return &transcript{term: terminalFailure, failMsg: msg, hints: []string{msg}}
	}
	none := &transcript{}
	tests := []struct {
		row    int
		name   string
		o      outcome
		class  Class
		errHas string
	}{
		{1, "start failure", outcome{startErr: errors.New("start claude: executable file not found"), stop: stopKilled}, ClassCrashed, "not found"},
		{2, "cancelled beats everything after", outcome{stop: stopKilled, stopDetail: "context canceled", t: failed("rate limit")}, ClassKilled, "context canceled"},
		{3, "timeout", outcome{stop: stopTimeout, timeout: time.Minute, t: ok}, ClassTimeout, "1m0s"},
		{4, "idle timeout", outcome{stop: stopIdle, idle: time.Second, exitCode: 143}, ClassIdleTimeout, "printed nothing for 1s"},
		{5, "max turns beats a rate-limit message", outcome{exitCode: 1, t: &transcript{term: terminalFailure, maxTurns: true, hints: []string{"rate limit"}}}, ClassMaxTurns, "turn limit"},
		{6, "rate limit by message", outcome{exitCode: 1, t: failed("You've hit your usage limit. try again in 2 hours")}, ClassRateLimited, "resets at 2026-01-02T14:00:00Z"},
		{6, "rate limit by a rejected event", outcome{exitCode: 1, t: &transcript{term: terminalFailure, rateLimited: true, resetAt: time.Unix(1e9, 0)}}, ClassRateLimited, "2001-09-09"},
		{6, "rate limit named on stderr only", outcome{exitCode: 1, t: none, stderrTail: "Error: 429 Too Many Requests"}, ClassRateLimited, "429"},
		{6, "the newest message decides: rate limit after auth retries", outcome{exitCode: 1, t: &transcript{term: terminalFailure, hints: []string{"401 Unauthorized", "usage limit reached"}}}, ClassRateLimited, "usage limit"},
		{7, "auth by message", outcome{exitCode: 1, t: failed("Invalid API key · Fix external API key")}, ClassAuth, "log in"},
		{7, "auth by tag", outcome{exitCode: 1, t: &transcript{term: terminalFailure, failMsg: "request failed", errorKind: "authentication_failed"}}, ClassAuth, "request failed"},
		{7, "the newest message decides: auth after a rate-limit notice", outcome{exitCode: 1, t: &transcript{term: terminalFailure, hints: []string{"rate limited, retrying", "401 Unauthorized"}}}, ClassAuth, "401"},
		{8, "the stream reported a failure", outcome{exitCode: 1, t: failed("API Error: 500 Internal server error")}, ClassAgentError, "500"},
		{8, "an overloaded provider", outcome{exitCode: 1, t: failed("API Error: 529 Overloaded")}, ClassOverloaded, "529"},
		{8, "a failure even with exit 0", outcome{t: failed("turn failed")}, ClassAgentError, "turn failed"},
		{9, "a text agent exiting non-zero", outcome{format: FormatText, exitCode: 2, t: &transcript{final: "oops"}, stderrTail: "bad flag"}, ClassAgentError, "status 2: bad flag"},
		{10, "a signal looper did not send", outcome{exitCode: -1, signal: syscall.SIGSEGV, t: ok}, ClassCrashed, "SIGSEGV"},
		{11, "non-zero without a result", outcome{exitCode: 1, t: none, stderrTail: "panic: oh no"}, ClassCrashed, "without a result: panic: oh no"},
		{11, "the root refusal explains the fix", outcome{exitCode: 1, t: none, stderrTail: "--dangerously-skip-permissions cannot be used with root/sudo privileges for security reasons"}, ClassCrashed, "set permission_mode"},
		{12, "exit 0 without a result", outcome{t: none}, ClassAgentError, "without a result event"},
		{13, "non-zero after success", outcome{exitCode: 3, t: ok}, ClassAgentError, "after reporting success"},
		{14, "success", outcome{t: ok}, ClassOK, ""},
		{14, "a text agent exiting 0 needs no result event", outcome{format: FormatText, t: &transcript{final: "done"}}, ClassOK, ""},
		{14, "error notices in a successful run do not matter", outcome{t: &transcript{term: terminalSuccess, hints: []string{"401 Unauthorized"}}}, ClassOK, ""},
	}
	rows := map[int]bool{}
	now := time.Date(2026, 1, 2, 12, 0, 0, 0, time.UTC)
	for _, tt := range tests {
		rows[tt.row] = true
		t.Run(tt.name, func(t *testing.T) {
			tt.o.name = "claude"
			tt.o.now = now
			if tt.o.format == "" {
				tt.o.format = FormatClaude
			}
			v := classify(tt.o)
			if v.class != tt.class {
				t.Errorf("row %d: class = %s (%s), want %s", tt.row, v.class, v.err, tt.class)
			}
			if !strings.Contains(v.err, tt.errHas) {
				t.Errorf("row %d: err = %q, want it to contain %q", tt.row, v.err, tt.errHas)
			}
		})
	}
	for r := 1; r <= 14; r++ {
		if !rows[r] {
			t.Errorf("row %d of the decision table is not tested", r)
		}
	}
}

// TestConcludeContractRows covers rows 14-17 through conclude, which adds
// the contract to the verdict.
func TestConcludeContractRows(t *testing.T) {
	t.Parallel()
	spec := Spec{Dialect: DialectClaude}.resolved()
	tests := []struct {
		final    string
		contract Contract
		class    Class
	}{
		{"just words", ContractNone, ClassOK},
		{`{"task_id":"T1","status":"done"}`, ContractTask, ClassOK},
		{`{"task_id":"T1","status":"great"}`, ContractTask, ClassInvalidSummary},
		{"just words", ContractTask, ClassNoSummary},
		{`{"status":"reviewed","added_tasks":0}`, ContractReview, ClassOK},
	}
	for _, tt := range tests {
		tr := &transcript{term: terminalSuccess, final: tt.final, hasFinal: true}
		res := conclude(spec, Request{TaskID: "T1", Contract: tt.contract}, tr, procOutcome{}, time.Now())
		if res.Class != tt.class {
			t.Errorf("%q under %s: class %s (%s), want %s", tt.final, tt.contract, res.Class, res.Err, tt.class)
		}
		if tt.class == ClassInvalidSummary && string(res.SummaryJSON) != tt.final {
			t.Errorf("invalid summary not kept: %s", res.SummaryJSON)
		}
	}
}

func TestClassesAreDocumented(t *testing.T) {
	t.Parallel()
	if len(Classes()) != 14 {
		t.Errorf("Classes() = %v, want the 14 classes of the contract", Classes())
	}
}
