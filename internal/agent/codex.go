package agent

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"log/slog"
	"regexp"
	"strings"

	"github.com/looper-go/looper/sinks"
)

// codexParser reads `codex exec --json`: thread.started, turn.started,
// item.started/updated/completed, turn.completed with usage, turn.failed and
// the top-level error notices (which are not fatal by themselves: codex
// prints "Reconnecting... 1/5" that way). It also accepts the 0.44 shape
// (item_type, assistant_message) and the older {"id","msg"} protocol.
type codexParser struct {
	em      *emitter
	t       transcript
	started map[string]bool // items already shown at item.started
	// lastError is the last error notice, the failure message when a
	// turn.failed gives none.
	lastError string
}

type codexEvent struct {
	Type     string          `json:"type"`
	ThreadID string          `json:"thread_id"`
	Item     *codexItem      `json:"item"`
	Usage    *codexUsage     `json:"usage"`
	Error    json.RawMessage `json:"error"`
	Message  string          `json:"message"`
	Msg      *codexLegacy    `json:"msg"`
}

type codexItem struct {
	ID               string          `json:"id"`
	Type             string          `json:"type"`
	ItemType         string          `json:"item_type"`
	Text             string          `json:"text"`
	Message          string          `json:"message"`
	Command          json.RawMessage `json:"command"`
	AggregatedOutput string          `json:"aggregated_output"`
	ExitCode         *int            `json:"exit_code"`
	Status           string          `json:"status"`
	Changes          []struct {
		Path string `json:"path"`
		Kind string `json:"kind"`
	} `json:"changes"`
	Server    string          `json:"server"`
	Tool      string          `json:"tool"`
	Arguments json.RawMessage `json:"arguments"`
	ItemError *struct {
		Message string `json:"message"`
	} `json:"error"`
	Query string `json:"query"`
	Items []struct {
		Text      string `json:"text"`
		Completed bool   `json:"completed"`
	} `json:"items"`
}

type codexUsage struct {
	InputTokens       int64 `json:"input_tokens"`
	CachedInputTokens int64 `json:"cached_input_tokens"`
	OutputTokens      int64 `json:"output_tokens"`
}

// codexLegacy is the pre-0.44 event protocol ({"id":"0","msg":{…}}).
type codexLegacy struct {
	Type             string          `json:"type"`
	Message          string          `json:"message"`
	Text             string          `json:"text"`
	LastAgentMessage string          `json:"last_agent_message"`
	Command          json.RawMessage `json:"command"`
	ExitCode         *int            `json:"exit_code"`
}

func (p *codexParser) line(b []byte) lineKind {
	p.t.lines++
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return lineProgress
	}
	var ev codexEvent
	if err := decodeLine(b, &ev); err != nil {
		p.t.badLines++
		p.em.warn(fmt.Sprintf("agent printed a line that is not codex JSON (%s): %s", jsonErr(err), clip(string(b), 200)))
		return lineProgress
	}
	switch ev.Type {
	case "thread.started":
		p.t.sessionID = ev.ThreadID
		p.em.send(sinks.Event{Kind: sinks.KindInfo, Level: slog.LevelDebug, Message: "codex thread " + ev.ThreadID})
	case "item.started", "item.updated":
		if ev.Item != nil {
			p.itemStarted(ev.Item, ev.Type == "item.updated")
		}
	case "item.completed":
		if ev.Item != nil {
			p.itemCompleted(ev.Item)
			if itemType(ev.Item) == "error" {
				return lineNeutral // a warning ("Falling back ..."), not progress
			}
		}
	case "turn.completed":
		p.t.term = terminalSuccess
		if u := ev.Usage; u != nil {
			p.t.usage.InputTokens += u.InputTokens
			p.t.usage.CacheReadTokens += u.CachedInputTokens
			p.t.usage.OutputTokens += u.OutputTokens
		}
	case "turn.failed":
		p.t.term = terminalFailure
		var e struct {
			Message string `json:"message"`
		}
		msg := jsonString(ev.Error)
		if msg == "" && json.Unmarshal(ev.Error, &e) == nil {
			msg = e.Message
		}
		p.t.failMsg = cmp.Or(msg, p.lastError, "turn failed")
		p.t.addHint(p.t.failMsg)
		p.em.warn("codex: " + clip(p.t.failMsg, 500))
	case "error":
		msg := cmp.Or(ev.Message, jsonString(ev.Error))
		p.lastError = msg
		p.t.addHint(msg)
		p.em.warn("codex: " + clip(msg, 500))
		if reconnectRE.MatchString(msg) {
			// "Reconnecting... 2/5 (...)", "Reconnecting... waiting for
			// network": codex is retrying its model API.
			return p.t.note(0, "", msg, 0)
		}
	case "":
		if ev.Msg != nil {
			p.legacy(ev.Msg)
		} else {
			p.t.addUnknown("(no type)")
		}
	case "turn.started", "item.plan.delta", "request_user_input":
	default:
		p.t.addUnknown(ev.Type)
	}
	return p.t.progress()
}

func itemType(it *codexItem) string {
	t := cmp.Or(it.Type, it.ItemType)
	if t == "assistant_message" { // codex 0.44
		t = "agent_message"
	}
	return t
}

func (p *codexParser) itemStarted(it *codexItem, update bool) {
	switch itemType(it) {
	case "command_execution", "mcp_tool_call", "web_search", "file_change":
		if update || p.started[it.ID] {
			return
		}
		if p.started == nil {
			p.started = map[string]bool{}
		}
		if len(p.started) < 1<<14 {
			p.started[it.ID] = true
		}
		p.tool(it)
	case "todo_list":
		p.todo(it)
	}
}

// message is an agent message, in either format: shown, kept, and the
// final answer until a later one replaces it.
func (p *codexParser) message(text string) {
	p.em.lines(sinks.KindText, slog.LevelInfo, text)
	p.t.addText(text)
	p.t.final, p.t.hasFinal = text, true
}

func (p *codexParser) itemCompleted(it *codexItem) {
	switch itemType(it) {
	case "agent_message":
		p.message(it.Text)
	case "reasoning":
		p.em.lines(sinks.KindReasoning, slog.LevelDebug, it.Text)
	case "command_execution", "mcp_tool_call", "web_search", "file_change":
		if !p.started[it.ID] {
			p.tool(it)
		}
		delete(p.started, it.ID)
		p.refused(it)
		p.toolResult(it)
	case "todo_list":
		p.todo(it)
	case "error":
		msg := cmp.Or(it.Message, it.Text)
		p.em.warn("codex: " + clip(msg, 500))
	}
}

func (p *codexParser) tool(it *codexItem) {
	ev := sinks.Event{Kind: sinks.KindTool, Level: slog.LevelInfo}
	switch itemType(it) {
	case "command_execution":
		ev.Tool, ev.Message = "command", clip(oneLine(commandString(it.Command)), 200)
	case "mcp_tool_call":
		ev.Tool, ev.Message = it.Server+"."+it.Tool, compactJSON(it.Arguments, 200)
	case "web_search":
		ev.Tool, ev.Message = "web_search", clip(it.Query, 200)
	case "file_change":
		var parts []string
		for _, c := range it.Changes {
			parts = append(parts, c.Kind+" "+c.Path)
			ev.Files = append(ev.Files, c.Path)
		}
		ev.Tool, ev.Message = "file_change", clip(strings.Join(parts, ", "), 200)
	}
	p.em.send(ev)
}

func (p *codexParser) toolResult(it *codexItem) {
	if !p.em.enabled() {
		return
	}
	var msg string
	switch itemType(it) {
	case "command_execution":
		code := "?"
		if it.ExitCode != nil {
			code = fmt.Sprint(*it.ExitCode)
		}
		msg = fmt.Sprintf("%s, exit %s: %s", cmp.Or(it.Status, "done"), code, firstLine(it.AggregatedOutput, 200))
	case "mcp_tool_call":
		msg = it.Status
		if it.ItemError != nil {
			msg = "error: " + it.ItemError.Message
		}
	default:
		msg = it.Status
	}
	p.em.send(sinks.Event{Kind: sinks.KindToolResult, Level: slog.LevelDebug, Tool: itemType(it), Message: strings.TrimSpace(msg)})
}

// sandboxRefusalRE is how a command stopped by codex's sandbox fails: its
// workspace-write sandbox keeps .git read-only, so a `git commit` fails
// with "Unable to create '.git/index.lock': Read-only file system".
var sandboxRefusalRE = regexp.MustCompile(`(?i)read-only file system|operation not permitted`)

// refused records a command the agent was not allowed to run: one the
// approval policy declined, or one the sandbox stopped.
func (p *codexParser) refused(it *codexItem) {
	if itemType(it) != "command_execution" {
		return
	}
	cmd := clip(oneLine(commandString(it.Command)), 160)
	switch {
	case it.Status == "declined":
		p.t.addDenial("command(" + cmd + "): declined")
	case it.ExitCode != nil && *it.ExitCode != 0:
		if m := sandboxRefusalRE.FindString(it.AggregatedOutput); m != "" {
			p.t.addDenial("command(" + cmd + "): " + firstMatchingLine(it.AggregatedOutput, m))
		}
	}
}

// firstMatchingLine is the first line of s that holds sub, trimmed.
func firstMatchingLine(s, sub string) string {
	for l := range strings.Lines(s) {
		if strings.Contains(l, sub) {
			return clip(strings.TrimSpace(l), 200)
		}
	}
	return sub
}

func (p *codexParser) todo(it *codexItem) {
	done := 0
	for _, i := range it.Items {
		if i.Completed {
			done++
		}
	}
	p.em.send(sinks.Event{Kind: sinks.KindTool, Level: slog.LevelDebug, Tool: "todo_list", Message: fmt.Sprintf("%d/%d done", done, len(it.Items))})
}

func (p *codexParser) legacy(m *codexLegacy) {
	switch m.Type {
	case "agent_message":
		p.message(m.Message)
	case "agent_reasoning":
		p.em.lines(sinks.KindReasoning, slog.LevelDebug, m.Text)
	case "exec_command_begin":
		p.em.send(sinks.Event{Kind: sinks.KindTool, Level: slog.LevelInfo, Tool: "command", Message: clip(oneLine(commandString(m.Command)), 200)})
	case "task_complete":
		p.t.term = terminalSuccess
		if m.LastAgentMessage != "" {
			p.t.final, p.t.hasFinal = m.LastAgentMessage, true
		}
	case "error", "stream_error":
		p.lastError = m.Message
		p.t.addHint(m.Message)
		p.em.warn("codex: " + clip(m.Message, 500))
		if m.Type == "error" {
			p.t.term = terminalFailure
			p.t.failMsg = m.Message
		}
	}
}

// commandString renders a command given as a string or an argv array.
func commandString(raw json.RawMessage) string {
	if s := jsonString(raw); s != "" {
		return s
	}
	var argv []string
	if json.Unmarshal(raw, &argv) == nil {
		return strings.Join(argv, " ")
	}
	return ""
}

func (p *codexParser) result() *transcript { return &p.t }
