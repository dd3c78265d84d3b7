package notify

import (
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/looper-go/looper/sinks"
)

// scripted is an in-memory webhook for synctest bubbles (a real socket
// would keep the bubble's clock from advancing): it answers each request
// with the next behaviour of its script and records when each came.
type scripted struct {
	mu     sync.Mutex
	script []string // "500", "hang", "200"; the last repeats
	times  []time.Duration
	start  time.Time
}

func (s *scripted) RoundTrip(req *http.Request) (*http.Response, error) {
	s.mu.Lock()
	act := s.script[min(len(s.times), len(s.script)-1)]
	s.times = append(s.times, time.Since(s.start))
	s.mu.Unlock()
	resp := func(code int) *http.Response {
		return &http.Response{StatusCode: code, Status: http.StatusText(code), Body: io.NopCloser(strings.NewReader("")), Request: req}
	}
	switch act {
	case "500":
		return resp(500), nil
	case "hang":
		<-req.Context().Done()
		return nil, req.Context().Err()
	}
	return resp(200), nil
}

func (s *scripted) offsets() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.times...)
}

// TestBackoffTiming: retries wait 1s, 2s, 4s, … (each doubling, at most
// MaxBackoff), and a hanging answer is given up after Timeout.
func TestBackoffTiming(t *testing.T) {
	for _, tc := range []struct {
		name   string
		script []string
		tries  int
		want   []time.Duration
	}{
		{"500s", []string{"500", "500", "500", "500", "200"}, 5,
			[]time.Duration{0, 1 * time.Second, 3 * time.Second, 7 * time.Second, 15 * time.Second}},
		{"capped", []string{"500"}, 8,
			[]time.Duration{0, 1 * time.Second, 3 * time.Second, 7 * time.Second, 15 * time.Second, 31 * time.Second, 61 * time.Second, 91 * time.Second}},
		{"hang", []string{"hang", "hang", "200"}, 5,
			[]time.Duration{0, 11 * time.Second, 23 * time.Second}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				rt := &scripted{script: tc.script, start: time.Now()}
				var w warnings
				n := New(Options{On: []string{EventBudget}, Webhook: "http://hook.invalid/x", Warn: w.warn,
					Client: &http.Client{Transport: rt}, Tries: tc.tries, Flush: time.Hour})
				n.Observe(sinks.Event{Kind: sinks.KindBudget, Message: "80%"})
				n.Close(false)
				got := rt.offsets()
				if len(got) != len(tc.want) {
					t.Fatalf("requests at %v, want %v", got, tc.want)
				}
				for i := range got {
					if got[i] != tc.want[i] {
						t.Fatalf("requests at %v, want %v", got, tc.want)
					}
				}
				delivered := tc.script[len(tc.script)-1] == "200"
				if s := w.all(); (s == "") != delivered {
					t.Errorf("warnings %q (delivered: %v)", s, delivered)
				}
			})
		})
	}
}

// TestFlushTiming: Close gives a hanging webhook exactly Options.Flush.
func TestFlushTiming(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt := &scripted{script: []string{"hang"}, start: time.Now()}
		var w warnings
		n := New(Options{On: []string{EventBudget}, Webhook: "http://hook.invalid/x", Warn: w.warn,
			Client: &http.Client{Transport: rt}, Timeout: time.Hour, Flush: 15 * time.Second})
		n.Observe(sinks.Event{Kind: sinks.KindBudget, Message: "80%"})
		start := time.Now()
		n.Close(false)
		if d := time.Since(start); d != 15*time.Second {
			t.Errorf("Close took %v, want the 15s flush bound", d)
		}
		if s := w.all(); !strings.Contains(s, "gave up at the end of the run") {
			t.Errorf("warnings %q", s)
		}
	})
}
