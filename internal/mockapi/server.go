package mockapi

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"sync"
)

// Request is the record of one request a server received, kept so tests
// can count what the CLI did (how many auth failures before it gave up, how
// many scripted turns it took).
type Request struct {
	Method, Path string
	// Model is the model the request named (empty for non-model requests).
	Model string
	// Task is the conversation the request belongs to; empty for side and
	// non-model requests.
	Task string
	// Step is the number of tool results the request carried, that is the
	// index of the scripted step it was answered with; -1 for non-model
	// requests.
	Step int
	// Side is set for model requests outside any scripted conversation
	// (title generation, quota probes, requests without tools).
	Side bool
	// Status is the HTTP status answered.
	Status int
	// Fault is set when a scripted Fault answered the request.
	Fault bool
	// Usage is the usage reported to the client (zero for errors).
	Usage Usage
}

// quotaProbeMaxTokens is the largest max_tokens taken for a quota probe
// rather than a turn of the conversation.
const quotaProbeMaxTokens = 16

// dialect is what differs between the two APIs: which paths are model
// calls, how a request body reads and how answers and errors are written.
type dialect interface {
	isModelCall(r *http.Request) bool
	parse(body []byte) (request, error)
	// other answers a request that is not a model call and returns its status.
	other(w http.ResponseWriter, r *http.Request, body []byte) int
	writeError(w http.ResponseWriter, status int)
	writeAnswer(w http.ResponseWriter, req request, conv Conversation, step Step, usage Usage, id int)
	// writeStallStart writes the first events of a stream that never ends.
	writeStallStart(w http.ResponseWriter, req request, id int)
}

// Server is one scripted API server on 127.0.0.1. Create it with
// NewAnthropic or NewResponses and Close it when the test ends.
type Server struct {
	srv     *httptest.Server
	script  Script
	dialect dialect
	done    chan struct{}
	once    sync.Once

	mu       sync.Mutex
	requests []Request
	calls    int // model requests so far, for Faults
	ids      int // ids handed out for messages and tool calls
}

func newServer(script Script, d dialect) *Server {
	if script.Usage == (Usage{}) {
		script.Usage = DefaultUsage
	}
	if script.SideUsage == (Usage{}) {
		script.SideUsage = defaultSideUsage
	}
	s := &Server{script: script, dialect: d, done: make(chan struct{})}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// URL is the server's base URL, http://127.0.0.1:PORT, without a path.
func (s *Server) URL() string { return s.srv.URL }

// Close stops the server, releasing any stalled stream first.
func (s *Server) Close() {
	s.once.Do(func() { close(s.done) })
	s.srv.CloseClientConnections()
	s.srv.Close()
}

// Requests returns a copy of every request received so far, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

// Count returns how many recorded requests satisfy keep.
func (s *Server) Count(keep func(Request) bool) int {
	n := 0
	for _, r := range s.Requests() {
		if keep(r) {
			n++
		}
	}
	return n
}

// ScriptedUsage sums the usage reported on scripted (non-side) answers,
// which is what a CLI's own totals for the main model should add up to.
func (s *Server) ScriptedUsage() Usage {
	var u Usage
	for _, r := range s.Requests() {
		if r.Step >= 0 && !r.Side {
			u.Input += r.Usage.Input
			u.Output += r.Usage.Output
			u.CacheCreation += r.Usage.CacheCreation
			u.CacheRead += r.Usage.CacheRead
		}
	}
	return u
}

func (s *Server) record(r Request) {
	s.mu.Lock()
	s.requests = append(s.requests, r)
	s.mu.Unlock()
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 64<<20))
	rec := Request{Method: r.Method, Path: r.URL.Path, Step: -1}
	if err != nil {
		rec.Status = http.StatusBadRequest
		http.Error(w, err.Error(), rec.Status)
		s.record(rec)
		return
	}
	if !s.dialect.isModelCall(r) {
		rec.Status = s.dialect.other(w, r, body)
		s.record(rec)
		return
	}
	req, err := s.dialect.parse(body)
	if err != nil {
		rec.Status = http.StatusBadRequest
		http.Error(w, "mockapi: unreadable request: "+err.Error(), rec.Status)
		s.record(rec)
		return
	}
	rec.Model = req.Model
	conv := s.script.match(req.UserText)
	// Side requests (title generation, quota probes with a tiny max_tokens,
	// anything offered no tools or outside a conversation) get a short
	// answer and do not move the script.
	rec.Side = conv.Task == "" || !req.HasTools || (req.MaxTokens > 0 && req.MaxTokens <= quotaProbeMaxTokens)
	if !rec.Side {
		rec.Task = conv.Task
		rec.Step = req.ToolResults
	} else {
		rec.Step = 0
	}

	s.mu.Lock()
	n := s.calls
	s.calls++
	s.ids++
	id := s.ids
	s.mu.Unlock()

	if f, ok := s.script.fault(n); ok {
		rec.Fault = true
		if f.Stall {
			rec.Status = http.StatusOK
			s.record(rec)
			s.dialect.writeStallStart(w, req, id)
			select {
			case <-r.Context().Done():
			case <-s.done:
			}
			return
		}
		if f.RetryAfter != "" {
			w.Header().Set("Retry-After", f.RetryAfter)
		}
		rec.Status = f.Status
		s.record(rec)
		s.dialect.writeError(w, f.Status)
		return
	}

	var step Step
	if rec.Side {
		rec.Usage = s.script.SideUsage
		step = Say("OK")
	} else {
		rec.Usage = s.script.Usage
		steps := s.script.steps(conv.Task)
		step = steps[min(req.ToolResults, len(steps)-1)]
	}
	rec.Status = http.StatusOK
	s.record(rec)
	s.dialect.writeAnswer(w, req, conv, step, rec.Usage, id)
}

// writeSSE writes one server-sent event and flushes it.
func writeSSE(w http.ResponseWriter, event string, data []byte) {
	fmt.Fprintf(w, "event: %s\ndata: %s\n\n", event, data)
	if f, ok := w.(http.Flusher); ok {
		f.Flush()
	}
}

// UnusedURL returns http://127.0.0.1:PORT for a port nothing listens on
// (it was free a moment ago), for "connection refused" cases.
func UnusedURL() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	addr := l.Addr().(*net.TCPAddr)
	if err := l.Close(); err != nil {
		return "", err
	}
	return "http://127.0.0.1:" + strconv.Itoa(addr.Port), nil
}
