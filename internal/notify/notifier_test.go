package notify

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/looper-go/looper/internal/golden"
	"github.com/looper-go/looper/sinks"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

var t0 = time.Date(2025, 1, 2, 10, 0, 0, 0, time.UTC)

// events are one of each event that makes a message, and some that do not.
func events() []sinks.Event {
	return []sinks.Event{
		{Time: t0, Kind: sinks.KindStart, Total: 3},
		{Time: t0, Kind: sinks.KindStatus, TaskID: "T1", Status: "doing", Title: "Add login"},
		{Time: t0.Add(time.Second), Kind: sinks.KindAttempt, TaskID: "T1", AgentID: "claude#1", Attempt: 1, Class: "rate-limited", Message: "usage limit; resets at 11:00"},
		{Time: t0.Add(2 * time.Second), Kind: sinks.KindOutcome, TaskID: "T1", Title: "Add login", Status: "blocked", Blockers: []string{"need the API key"}},
		{Time: t0.Add(3 * time.Second), Kind: sinks.KindOutcome, TaskID: "T2", Title: "Fix test", Status: "failed", Class: "timeout"},
		{Time: t0.Add(4 * time.Second), Kind: sinks.KindOutcome, TaskID: "T3", Title: "Docs", Status: "done"},
		{Time: t0.Add(5 * time.Second), Kind: sinks.KindBudget, Message: "run budget: $8.00 of $10.00 spent (80%)"},
		{Time: t0.Add(6 * time.Second), Kind: sinks.KindText, TaskID: "T3", AgentID: "claude#1", Message: "hello"},
	}
}

// recorder is a webhook that answers each request with the next of a
// script of behaviours ("500", "hang", "200"; the last repeats) and keeps
// the bodies it accepted.
type recorder struct {
	mu       sync.Mutex
	script   []string
	requests int
	bodies   []Message
	hung     chan struct{}
}

func (r *recorder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	act := r.script[min(r.requests, len(r.script)-1)]
	r.requests++
	r.mu.Unlock()
	body, _ := io.ReadAll(req.Body)
	switch act {
	case "500":
		http.Error(w, "boom", http.StatusInternalServerError)
	case "hang":
		<-req.Context().Done() // until the client gives up
	default:
		var m Message
		if err := json.Unmarshal(body, &m); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		r.mu.Lock()
		r.bodies = append(r.bodies, m)
		r.mu.Unlock()
	}
}

func (r *recorder) counts() (int, []Message) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.requests, append([]Message(nil), r.bodies...)
}

// warnings collects Warn calls.
type warnings struct {
	mu   sync.Mutex
	msgs []string
}

func (w *warnings) warn(s string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.msgs = append(w.msgs, s)
}

func (w *warnings) all() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return strings.Join(w.msgs, "\n")
}

func TestMessagesGolden(t *testing.T) {
	var got []byte
	for _, e := range events() {
		if m, ok := fromEvent(e); ok {
			m.Project, m.RunID = "/p", "r1"
			b, err := encode(m)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, b...)
		}
	}
	golden.Check(t, "messages.golden", got)
}

// TestWebhookRetries: a webhook that answers 500, then hangs, then
// accepts gets every configured message, the finished one with the run's
// counts; nothing else is sent and nothing is warned.
func TestWebhookRetries(t *testing.T) {
	rec := &recorder{script: []string{"500", "hang", "200"}}
	srv := httptest.NewServer(rec)
	defer srv.Close()
	var w warnings
	n := New(Options{On: []string{EventBlocked, EventFinished}, Webhook: srv.URL + "/secret-token", Project: "/p", RunID: "r1",
		Warn: w.warn, Tries: 20, Backoff: time.Millisecond, Timeout: 2 * time.Second, Flush: time.Hour})
	for _, e := range events() {
		n.Observe(e)
	}
	n.Close(false)
	requests, bodies := rec.counts()
	// A request that timed out on a loaded machine after the server took
	// it is sent again (delivery is at least once): drop repeats.
	bodies = slices.CompactFunc(bodies, func(a, b Message) bool { return a.Event == b.Event && a.Time.Equal(b.Time) })
	if len(bodies) != 2 || bodies[0].Event != EventBlocked || bodies[1].Event != EventFinished {
		t.Fatalf("delivered %+v, want blocked then finished", bodies)
	}
	if requests < 4 {
		t.Errorf("%d requests: want the 500 and the hang retried", requests)
	}
	fin := bodies[1]
	if fin.Counts == nil || fin.Counts.Done != 1 || fin.Counts.Blocked != 2 || !strings.HasPrefix(fin.Result, "looper: 1 done, 2 blocked") || fin.RunID != "r1" {
		t.Errorf("finished message %+v", fin)
	}
	if s := w.all(); s != "" {
		t.Errorf("warnings: %s", s)
	}
}

// TestWebhookGivesUp: a webhook that always fails is tried Tries times,
// then the message is dropped with a warning that does not show the
// URL's secret path.
func TestWebhookGivesUp(t *testing.T) {
	for _, tc := range []struct {
		act     string
		timeout time.Duration
		want    string
	}{
		// A generous timeout: a loaded machine may take long to answer.
		{"500", time.Minute, "3 tries failed, the last: answered 500 Internal Server Error"},
		// A hang never answers, so a short timeout always fires; a
		// request may even time out before the server counts it.
		{"hang", 50 * time.Millisecond, "3 tries failed, the last: no answer within"},
	} {
		rec := &recorder{script: []string{tc.act}}
		srv := httptest.NewServer(rec)
		var w warnings
		n := New(Options{On: []string{EventBudget}, Webhook: srv.URL + "/secret-token", Warn: w.warn,
			Tries: 3, Backoff: time.Millisecond, Timeout: tc.timeout, Flush: time.Hour})
		n.Observe(sinks.Event{Kind: sinks.KindBudget, Message: "80%"})
		n.Close(false)
		srv.Close()
		requests, _ := rec.counts()
		s := w.all()
		if requests > 3 || (tc.act == "500" && requests != 3) || !strings.Contains(s, tc.want) || strings.Contains(s, "secret-token") {
			t.Errorf("%s: %d requests, warnings %q: want 3 and %q without the URL's path", tc.act, requests, s, tc.want)
		}
	}
}

// TestWebhookNotRetried: a 4xx answer is final.
func TestWebhookNotRetried(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { http.Error(w, "no", http.StatusNotFound) }))
	defer srv.Close()
	var w warnings
	n := New(Options{On: []string{EventBudget}, Webhook: srv.URL, Warn: w.warn, Backoff: time.Millisecond})
	n.Observe(sinks.Event{Kind: sinks.KindBudget, Message: "80%"})
	n.Close(false)
	if s := w.all(); !strings.Contains(s, "404 Not Found") || strings.Contains(s, "tries") {
		t.Errorf("warnings %q: want the 404, not retried", s)
	}
}

// TestFlushBound: a hanging webhook holds the end of the run only up to
// the flush bound; the message in flight and those queued are dropped
// with a warning, and Observe never waited for it.
func TestFlushBound(t *testing.T) {
	rec := &recorder{script: []string{"hang"}}
	srv := httptest.NewServer(rec)
	defer srv.Close()
	var w warnings
	n := New(Options{On: []string{EventBlocked, EventFinished}, Webhook: srv.URL, Warn: w.warn,
		Queue: 2, Timeout: time.Hour, Flush: 200 * time.Millisecond})
	for range 10 {
		n.Observe(sinks.Event{Kind: sinks.KindOutcome, TaskID: "T1", Status: "blocked"})
	}
	n.Close(true)
	s := w.all()
	if strings.Count(s, "are waiting for the webhook") < 7 {
		t.Errorf("warnings %q: want at least 7 of 10 dropped by a queue of 2", s)
	}
	if !strings.Contains(s, "gave up") {
		t.Errorf("warnings %q: want the flush bound to give up", s)
	}
	n.Observe(sinks.Event{Kind: sinks.KindOutcome, TaskID: "T2", Status: "blocked"}) // after Close: ignored
	n.Close(true)                                                                    // twice: a no-op
}

// TestCommand: the command gets the message on stdin and its event and
// text in the environment; a failing or hanging one is reported, and a
// hanging one is killed with its process group.
func TestCommand(t *testing.T) {
	dir := t.TempDir()
	var w warnings
	n := New(Options{On: []string{EventBlocked, EventRateLimited}, Dir: dir, Warn: w.warn, Timeout: time.Minute,
		Command: `cat >> got.jsonl; printf '%s|%s\n' "$LOOPER_NOTIFY_EVENT" "$LOOPER_NOTIFY_TEXT" >> env.txt`})
	for _, e := range events() {
		n.Observe(e)
	}
	n.Close(false)
	if s := w.all(); s != "" {
		t.Fatalf("warnings: %s", s)
	}
	got, _ := os.ReadFile(filepath.Join(dir, "got.jsonl"))
	lines := strings.Split(strings.TrimSpace(string(got)), "\n")
	var first Message
	if len(lines) != 2 || json.Unmarshal([]byte(lines[0]), &first) != nil || first.Event != EventRateLimited || first.AgentID != "claude#1" {
		t.Errorf("stdin of the commands:\n%s", got)
	}
	env, _ := os.ReadFile(filepath.Join(dir, "env.txt"))
	if !strings.Contains(string(env), "blocked|T1 (Add login) ended blocked: need the API key\n") {
		t.Errorf("environment of the commands:\n%s", env)
	}

	for _, tc := range []struct {
		cmd     string
		timeout time.Duration // generous unless the command never ends
		want    string
	}{
		{"echo nope >&2; exit 3", time.Minute, "exit status 3: nope"},
		{"sleep 300 & wait", 300 * time.Millisecond, "did not finish within"},
	} {
		var w warnings
		n := New(Options{On: []string{EventBudget}, Dir: dir, Warn: w.warn, Timeout: tc.timeout, Flush: time.Hour, Command: tc.cmd})
		n.Observe(sinks.Event{Kind: sinks.KindBudget, Message: "100%"})
		n.Close(false)
		if s := w.all(); !strings.Contains(s, tc.want) {
			t.Errorf("%q: warnings %q, want %q", tc.cmd, s, tc.want)
		}
	}
}

func TestNewNothingToDo(t *testing.T) {
	if New(Options{On: []string{EventBlocked}}) != nil || New(Options{Webhook: "http://x"}) != nil {
		t.Error("a notifier without a target or without events was made")
	}
	var n *Notifier
	n.Observe(sinks.Event{Kind: sinks.KindBudget})
	n.Close(false)
}
