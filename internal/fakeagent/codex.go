package fakeagent

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/looper-go/looper/internal/shellquote"
)

// codexWriter renders a run as `codex exec`: JSONL events with --json
// (thread.started, turn.started, item.*, turn.completed/failed, error),
// otherwise progress on stderr and the final message on stdout. With
// --output-last-message the final message is written to that file when the
// turn completes, as codex does.
type codexWriter struct {
	a      *agent
	thread string
	items  int
	out    int // output tokens
}

func newCodexWriter(a *agent) *codexWriter {
	w := &codexWriter{a: a, thread: a.sc.SessionID}
	if w.thread == "" {
		// UUID v7-like: codex thread ids start with a millisecond time.
		ms := uint64(time.Now().UnixMilli())
		w.thread = fmt.Sprintf("%08x-%04x-7%03x-%04x-%012x", ms>>16, ms&0xffff, a.rng.UintN(0x1000),
			0x8000|a.rng.UintN(0x4000), a.rng.Uint64()&0xffffffffffff)
	}
	return w
}

type xItem struct {
	ID               string          `json:"id"`
	Type             string          `json:"type"`
	Text             string          `json:"text,omitempty"`
	Command          string          `json:"command,omitempty"`
	AggregatedOutput *string         `json:"aggregated_output,omitempty"`
	ExitCode         *int            `json:"exit_code,omitempty"`
	Changes          []xChange       `json:"changes,omitempty"`
	Server           string          `json:"server,omitempty"`
	Tool             string          `json:"tool,omitempty"`
	Arguments        json.RawMessage `json:"arguments,omitempty"`
	Result           any             `json:"result,omitempty"`
	Error            *xMessage       `json:"error,omitempty"`
	Message          string          `json:"message,omitempty"`
	Status           string          `json:"status,omitempty"`
}

type xChange struct {
	Path string `json:"path"`
	Kind string `json:"kind"`
}

type xMessage struct {
	Message string `json:"message"`
}

type xEvent struct {
	Type     string    `json:"type"`
	ThreadID string    `json:"thread_id,omitempty"`
	Item     *xItem    `json:"item,omitempty"`
	Usage    *xUsage   `json:"usage,omitempty"`
	Error    *xMessage `json:"error,omitempty"`
	Message  string    `json:"message,omitempty"`
}

type xUsage struct {
	InputTokens       int `json:"input_tokens"`
	CachedInputTokens int `json:"cached_input_tokens"`
	OutputTokens      int `json:"output_tokens"`
}

func (w *codexWriter) emit(ev xEvent) {
	if w.a.opts.json {
		w.a.out.line(mustJSON(ev))
		return
	}
	// Human mode: progress on stderr.
	switch {
	case ev.Item != nil && ev.Type == "item.completed":
		switch ev.Item.Type {
		case "agent_message":
			fmt.Fprintf(w.a.stderr, "codex\n%s\n", ev.Item.Text)
		case "reasoning":
			fmt.Fprintf(w.a.stderr, "thinking\n%s\n", ev.Item.Text)
		case "command_execution":
			fmt.Fprintf(w.a.stderr, "exec\n%s\n", ev.Item.Command)
		}
	case ev.Type == "error" || ev.Type == "turn.failed":
		msg := ev.Message
		if ev.Error != nil {
			msg = ev.Error.Message
		}
		fmt.Fprintf(w.a.stderr, "ERROR: %s\n", msg)
	}
}

func (w *codexWriter) nextID() string {
	id := fmt.Sprintf("item_%d", w.items)
	w.items++
	return id
}

func (w *codexWriter) begin() {
	w.emit(xEvent{Type: "thread.started", ThreadID: w.thread})
	w.emit(xEvent{Type: "turn.started"})
}

func (w *codexWriter) completed(it xItem) {
	w.emit(xEvent{Type: "item.completed", Item: &it})
}

func (w *codexWriter) text(s string) {
	w.out += len(s)/4 + 1
	w.completed(xItem{ID: w.nextID(), Type: "agent_message", Text: s})
}

func (w *codexWriter) reasoning(s string) {
	w.completed(xItem{ID: w.nextID(), Type: "reasoning", Text: s})
}

func (w *codexWriter) tool(t ToolStep) {
	id := w.nextID()
	args := t.Input
	if len(args) == 0 {
		args = json.RawMessage(`{}`)
	}
	started := xItem{ID: id, Type: "mcp_tool_call", Server: "fake", Tool: t.Name, Arguments: args, Status: "in_progress"}
	w.emit(xEvent{Type: "item.started", Item: &started})
	done := started
	done.Status = "completed"
	if t.IsError {
		done.Status, done.Error = "failed", &xMessage{t.Output}
	} else {
		done.Result = map[string]any{"content": []any{map[string]string{"type": "text", "text": t.Output}}}
	}
	w.completed(done)
}

func (w *codexWriter) command(cmd, output string, exitCode int) {
	id := w.nextID()
	empty := ""
	shell := "bash -lc " + shellquote.Quote(cmd)
	w.emit(xEvent{Type: "item.started", Item: &xItem{ID: id, Type: "command_execution", Command: shell, AggregatedOutput: &empty, Status: "in_progress"}})
	status := "completed"
	if exitCode != 0 {
		status = "failed"
	}
	w.completed(xItem{ID: id, Type: "command_execution", Command: shell, AggregatedOutput: &output, ExitCode: &exitCode, Status: status})
}

func (w *codexWriter) fileChange(abs, _ string, created bool) {
	kind := "update"
	if created {
		kind = "add"
	}
	w.completed(xItem{ID: w.nextID(), Type: "file_change", Changes: []xChange{{abs, kind}}, Status: "completed"})
}

func (w *codexWriter) success(final string, say bool) {
	if say {
		w.text(final)
	}
	in := len(w.a.prompt)/4 + 3000
	usage := &xUsage{InputTokens: in, CachedInputTokens: in / 2, OutputTokens: w.out}
	if u := w.a.sc.Usage; u != nil {
		usage = &xUsage{InputTokens: u.InputTokens, OutputTokens: u.OutputTokens}
	}
	w.emit(xEvent{Type: "turn.completed", Usage: usage})
	if !w.a.opts.json {
		fmt.Fprintln(w.a.stdout, final)
	}
	if path := w.a.opts.lastMessageFile; path != "" {
		if err := os.WriteFile(path, []byte(final), 0o644); err != nil {
			w.a.writeStderr("Failed to write last message file " + path + ": " + err.Error())
		}
	}
}

func (w *codexWriter) fail(msg, _ string) {
	w.emit(xEvent{Type: "error", Message: msg})
	w.emit(xEvent{Type: "turn.failed", Error: &xMessage{msg}})
}

func (w *codexWriter) rateLimit(reset time.Time) {
	w.fail("You've hit your usage limit. Upgrade to Pro (https://openai.com/chatgpt/pricing) or try again at "+reset.Local().Format("3:04 PM")+".", "")
}

func (w *codexWriter) auth(msg string) {
	if msg == "" {
		for i := 1; i <= 2; i++ {
			w.emit(xEvent{Type: "error", Message: fmt.Sprintf("Reconnecting... %d/5 (unexpected status 401 Unauthorized: Missing bearer or basic authentication in header)", i)})
		}
		msg = "exceeded retry limit, last status: 401 Unauthorized, request id: fake-" + w.thread[:8]
	}
	w.fail(msg, "")
}

func (w *codexWriter) maxTurns(int) error {
	return errors.New("codex has no turn limit; max_turns is a claude scenario step")
}

func (w *codexWriter) hugeLine(n int) {
	out, code := hugePlaceholder, 0
	ev := xEvent{Type: "item.completed", Item: &xItem{ID: w.nextID(), Type: "command_execution", Command: "bash -lc 'cat huge.txt'",
		AggregatedOutput: &out, ExitCode: &code, Status: "completed"}}
	if !w.a.opts.json {
		return
	}
	w.a.out.line(inflate(mustJSON(ev), n))
}

func (w *codexWriter) floodLine(i int) {
	w.completed(xItem{ID: w.nextID(), Type: "agent_message", Text: fmt.Sprintf("flood line %d", i)})
}

func (w *codexWriter) malformed() {
	w.a.out.line([]byte(`{"type":"item.completed","item":{"id":`))
}

func (w *codexWriter) end() {}
