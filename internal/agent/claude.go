package agent

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/looper-go/looper/sinks"
)

// claudeParser reads Claude Code's stream-json (also Amp's): system/init,
// assistant and user messages one content block per line, rate_limit_event,
// system/api_retry and the closing result event. Unknown types and fields
// are ignored; a line that is not JSON becomes a warning. A whole
// `--output-format json` document (one object, or an array of messages
// when --verbose) is accepted on one line too.
type claudeParser struct {
	em        *emitter
	t         transcript
	toolNames map[string]string
	// deniedAt maps a denied tool call's id to its entry in t.denials, so
	// the result's permission_denials (with the input) replace the
	// system/permission_denied line (without it) instead of adding to it.
	deniedAt map[string]int
	// msg is the message liteEvent decodes into, reused line after line,
	// and msgVals the "message" members it found.
	msg     claudeMessage
	msgVals []int
	// checked is the tape of the line being parsed when the caller has
	// scanned it already (see checkedLine), and tape the parser's own.
	checked *jsonTape
	tape    jsonTape
	// ev is the line being parsed, parent its parent_tool_use_id (when
	// liteEvent read it), and sessions and models the last session id
	// and model decoded, all reused line after line.
	ev       claudeEvent
	parent   string
	sessions strCache
	models   strCache
}

// checkedLine parses a line the caller has scanned onto t and found to be
// valid JSON, which spares the scan.
func (p *claudeParser) checkedLine(b []byte, t *jsonTape) lineKind {
	p.checked = t
	defer func() { p.checked = nil }()
	return p.line(b)
}

func (p *claudeParser) line(b []byte) lineKind {
	p.t.lines++
	trimmed := bytes.TrimSpace(b)
	if len(trimmed) == 0 {
		return lineProgress
	}
	if len(trimmed) != len(b) {
		p.checked = nil // a checked tape is of a line without space around it
	}
	if trimmed[0] == '[' { // --output-format json --verbose: every message in one array
		var items []json.RawMessage
		if err := json.Unmarshal(trimmed, &items); err == nil {
			p.checked = nil // the tape is the array's, not its items'
			for _, it := range items {
				p.event(it)
			}
			return p.t.progress()
		}
	}
	return p.event(trimmed)
}

func (p *claudeParser) event(b []byte) lineKind {
	p.ev = claudeEvent{}
	ev := &p.ev
	t := p.checked
	if t == nil {
		t = &p.tape
		t.scan(b)
	}
	if !t.complete || !p.liteEvent(t, ev) {
		if err := decodeLine(b, ev); err != nil {
			p.t.badLines++
			p.em.warn(fmt.Sprintf("agent printed a line that is not stream-json (%s): %s", jsonErr(err), clip(string(b), 200)))
			return lineProgress
		}
	}
	if ev.SessionID != "" && p.t.sessionID == "" {
		p.t.sessionID = ev.SessionID
	}
	switch ev.Type {
	case "system":
		if ev.Subtype == "api_retry" {
			return p.retry(ev)
		}
		p.system(ev)
	case "assistant":
		p.assistant(ev)
		if len(ev.Error) > 0 && string(ev.Error) != "null" {
			// A synthetic message: the CLI gave up on the API. It ends the
			// retries without being progress.
			return lineNeutral
		}
	case "user":
		p.user(ev)
	case "result":
		p.onResult(ev)
		if p.t.term == terminalFailure {
			return lineNeutral
		}
	case "rate_limit_event":
		p.rateLimit(ev)
	case "":
		// `--output-format json` without --verbose prints the result object;
		// older CLIs left out its type.
		if len(ev.Result) > 0 || ev.IsError {
			p.onResult(ev)
		}
	case "stream_event", "tool_progress", "control_request", "control_response", "keep_alive":
	default:
		p.t.addUnknown(ev.Type)
	}
	return p.t.progress()
}

func (p *claudeParser) system(ev *claudeEvent) {
	switch ev.Subtype {
	case "init":
		if ev.SessionID != "" {
			p.t.sessionID = ev.SessionID
		}
		p.em.send(sinks.Event{Kind: sinks.KindInfo, Level: slog.LevelDebug,
			Message: fmt.Sprintf("claude session %s, model %s", ev.SessionID, ev.Model)})
	case "permission_denied":
		p.deny(ev.ToolUseID, ev.ToolName, ev.ToolInput)
	}
}

// deny records a refused tool call once per tool_use_id, keeping the most
// informative rendering.
func (p *claudeParser) deny(id, tool string, input json.RawMessage) {
	text := denial(tool, input)
	if i, ok := p.deniedAt[id]; ok && id != "" {
		if len(input) > 0 {
			p.t.denials[i] = oneLine(clip(text, 300))
		}
		return
	}
	n := len(p.t.denials)
	p.t.addDenial(text)
	if id != "" && len(p.t.denials) > n {
		if p.deniedAt == nil {
			p.deniedAt = map[string]int{}
		}
		p.deniedAt[id] = n
	}
}

// retry reads a system/api_retry notice: the CLI is retrying a failed API
// call. It is chatter, and what failed decides the class if looper has to
// stop the agent.
func (p *claudeParser) retry(ev *claudeEvent) lineKind {
	kind := jsonString(ev.Error)
	status := jsonInt(ev.ErrorStatus)
	if kind != "" {
		p.t.errorKind = kind
	}
	if status != 0 {
		p.t.errorStatus = status
	}
	msg := fmt.Sprintf("API retry %d/%d", ev.Attempt, ev.MaxRetries)
	if kind != "" {
		msg += ": " + kind
	}
	if status != 0 {
		msg += fmt.Sprintf(" (HTTP %d)", status)
	} else {
		msg += " (no answer from the API)"
	}
	p.t.addHint(msg)
	p.em.warn(msg)
	return p.t.note(status, kind, msg, time.Duration(ev.RetryDelayMS*float64(time.Millisecond)))
}

func (p *claudeParser) blocks(m *claudeMessage) []claudeBlock {
	if m == nil {
		return nil
	}
	return m.Content
}

func (p *claudeParser) assistant(ev *claudeEvent) {
	sub := ev.ParentToolUseID != nil && *ev.ParentToolUseID != ""
	level := slog.LevelInfo
	if sub {
		level = slog.LevelDebug // a subagent's chatter
	}
	errKind := jsonString(ev.Error)
	synthetic := errKind != "" || (ev.Message != nil && ev.Message.Model == "<synthetic>")
	for _, b := range p.blocks(ev.Message) {
		switch b.Type {
		case "text":
			if synthetic {
				p.t.addHint(b.Text)
				p.em.lines(sinks.KindWarning, slog.LevelWarn, b.Text)
				continue
			}
			p.em.lines(sinks.KindText, level, b.Text)
			if !sub {
				p.t.addText(b.Text)
			}
		case "thinking":
			p.em.lines(sinks.KindReasoning, slog.LevelDebug, b.Thinking)
		case "tool_use":
			if p.toolNames == nil {
				p.toolNames = map[string]string{}
			}
			if len(p.toolNames) < 1<<14 {
				p.toolNames[b.ID] = b.Name
			}
			p.em.send(sinks.Event{Kind: sinks.KindTool, Level: level, Tool: b.Name, Message: toolSummary(b.Input)})
		}
	}
	if errKind != "" {
		p.t.errorKind = errKind
	}
}

func (p *claudeParser) user(ev *claudeEvent) {
	if !p.em.enabled() {
		return
	}
	for _, b := range p.blocks(ev.Message) {
		if b.Type != "tool_result" {
			continue
		}
		// A result can be megabytes; the event shows one line.
		msg, ok := jsonStringFirstLine(b.Content, 1024, 200)
		if !ok {
			text := ""
			var parts []claudeBlock
			if decodeLine(b.Content, &parts) == nil {
				for _, part := range parts {
					if part.Type == "text" {
						text += part.Text + "\n"
					}
				}
			}
			msg = firstLine(text, 200)
		}
		if b.IsError {
			msg = "error: " + msg
		}
		p.em.send(sinks.Event{Kind: sinks.KindToolResult, Level: slog.LevelDebug, Tool: p.toolNames[b.ToolUseID], Message: msg})
	}
}

func (p *claudeParser) onResult(ev *claudeEvent) {
	text := jsonString(ev.Result)
	failed := ev.IsError || (ev.Subtype != "" && ev.Subtype != "success")
	switch {
	case ev.TotalCostUSD != nil:
		p.t.usage.CostUSD = *ev.TotalCostUSD
	case ev.TotalCost != nil:
		p.t.usage.CostUSD = *ev.TotalCost
	case ev.CostUSD != nil:
		p.t.usage.CostUSD = *ev.CostUSD
	}
	if len(ev.ModelUsage) > 0 { // covers subagents too
		var u mUse
		for _, m := range ev.ModelUsage {
			u.InputTokens += m.InputTokens + m.CacheRead + m.CacheCreation
			u.CacheRead += m.CacheRead
			u.OutputTokens += m.OutputTokens
		}
		p.t.usage.InputTokens, p.t.usage.CacheReadTokens, p.t.usage.OutputTokens = u.InputTokens, u.CacheRead, u.OutputTokens
	} else if ev.Usage != nil {
		u := ev.Usage
		p.t.usage.InputTokens = u.InputTokens + u.CacheRead + u.CacheCreation
		p.t.usage.CacheReadTokens = u.CacheRead
		p.t.usage.OutputTokens = u.OutputTokens
	}
	for _, d := range ev.Denials {
		p.deny(d.ToolUseID, d.ToolName, d.ToolInput)
	}
	if !failed {
		p.t.term = terminalSuccess
		p.t.final, p.t.hasFinal = text, true
		return
	}
	p.t.term = terminalFailure
	msgs := jsonStrings(ev.Errors)
	if text != "" {
		msgs = append([]string{text}, msgs...)
	}
	if e := jsonString(ev.Error); e != "" { // Amp puts the message here
		msgs = append(msgs, e)
	}
	if len(msgs) == 0 {
		msgs = append(msgs, "claude reported "+cmp.Or(ev.Subtype, "an error"))
	}
	p.t.failMsg = strings.Join(msgs, "; ")
	for _, m := range msgs {
		p.t.addHint(m)
	}
	if ev.Subtype == "error_max_turns" || ev.TerminalReason == "max_turns" {
		p.t.maxTurns = true
	}
	if s := jsonInt(ev.APIErrorStatus); s != 0 {
		p.t.errorStatus = s
	}
	p.em.send(sinks.Event{Kind: sinks.KindWarning, Level: slog.LevelWarn, Message: "claude: " + clip(p.t.failMsg, 500)})
}

func (p *claudeParser) rateLimit(ev *claudeEvent) {
	info := ev.RateLimitInfo
	if info == nil {
		return
	}
	var reset time.Time
	if info.ResetsAt > 0 {
		reset = epoch(info.ResetsAt)
		p.t.resetAt = reset
	}
	msg := fmt.Sprintf("rate limit %s", cmp.Or(info.Status, "unknown"))
	if info.RateLimitType != "" {
		msg += " (" + info.RateLimitType + ")"
	}
	if !reset.IsZero() {
		msg += ", resets " + reset.Format(time.RFC3339)
	}
	switch info.Status {
	case "rejected":
		p.t.rateLimited = true
		p.t.addHint(msg)
		p.em.warn(msg)
	case "allowed_warning":
		p.em.warn(msg)
	default:
		p.em.send(sinks.Event{Kind: sinks.KindInfo, Level: slog.LevelDebug, Message: msg})
	}
}

func (p *claudeParser) result() *transcript { return &p.t }
