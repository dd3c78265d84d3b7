package agent

import (
	"bytes"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/looper-go/looper/sinks"
)

// terminal is how a stream said its turn ended.
type terminal int

const (
	// terminalNone: the stream never said (truncated, killed, or a text agent).
	terminalNone terminal = iota
	// terminalSuccess: claude result without is_error, codex turn.completed.
	terminalSuccess
	// terminalFailure: claude error result, codex turn.failed.
	terminalFailure
)

// transcript is what a stream parser learned from an agent's output,
// independent of how the process ended. The runner combines it with the
// process outcome to classify the attempt.
type transcript struct {
	sessionID string
	// final is the agent's own final message: claude's result text, codex's
	// last agent_message of the turn.
	final    string
	hasFinal bool
	// texts holds the agent's recent top-level messages, oldest first, for
	// the summary fallback; bounded by maxTextBytes.
	texts      []string
	textsBytes int
	usage      sinks.Usage

	term terminal
	// failMsg is what the stream said about its failure.
	failMsg string
	// maxTurns: the failure was the turn limit.
	maxTurns bool
	// errorKind is a structured error tag from the stream (claude's
	// synthetic assistant "error" field, api_retry's last error).
	errorKind string
	// errorStatus is an HTTP status the stream gave with a failure.
	errorStatus int
	// rateLimited: the stream said the limit was hit (a rejected
	// rate_limit_event).
	rateLimited bool
	// resetAt is the latest reset time the stream gave.
	resetAt time.Time
	// hints are error messages from the stream (error results, codex error
	// notices, synthetic messages), newest last, searched for rate-limit
	// and auth wording when the attempt failed.
	hints []string
	// lines counts parsed lines; badLines the ones that were not JSON.
	lines, badLines int
	// trouble is the newest model-API problem the CLI's retry notices
	// reported, and how many came since the last progress.
	trouble trouble
	// denials are the tool calls the agent was refused, newest last.
	denials []string
	// unknown holds event types the parser did not know (a newer CLI), up
	// to maxUnknown, to explain output that holds no result.
	unknown []string
}

const (
	maxTextBytes = 4 << 20
	maxHints     = 16
	maxDenials   = 16
	maxUnknown   = 8
)

// addDenial records a refused tool call once.
func (t *transcript) addDenial(s string) {
	s = oneLine(clip(s, 300))
	if s == "" || len(t.denials) >= maxDenials || slices.Contains(t.denials, s) {
		return
	}
	t.denials = append(t.denials, s)
}

// addUnknown records an event type the parser does not know.
func (t *transcript) addUnknown(typ string) {
	if typ == "" || len(t.unknown) >= maxUnknown || slices.Contains(t.unknown, typ) {
		return
	}
	t.unknown = append(t.unknown, clip(typ, 60))
}

// addText records one top-level message of the agent, dropping the oldest
// ones beyond the byte budget (the summary is at the end).
func (t *transcript) addText(s string) {
	if s == "" {
		return
	}
	t.texts = append(t.texts, s)
	t.textsBytes += len(s)
	for len(t.texts) > 1 && t.textsBytes > maxTextBytes {
		t.textsBytes -= len(t.texts[0])
		t.texts = t.texts[1:]
	}
}

func (t *transcript) lastText() string {
	if len(t.texts) == 0 {
		return ""
	}
	return t.texts[len(t.texts)-1]
}

func (t *transcript) addHint(s string) {
	if s == "" {
		return
	}
	if len(t.hints) == maxHints {
		t.hints = t.hints[1:]
	}
	t.hints = append(t.hints, clip(s, 4096))
}

// streamParser turns an agent's stdout, one line at a time, into events and
// a transcript. Each dialect has one; they are used by a single goroutine.
type streamParser interface {
	// line parses one line and says whether it was progress or retry
	// chatter.
	line(b []byte) lineKind
	// result returns what the stream said; called once, after the last line.
	result() *transcript
}

func newParser(f Format, em *emitter) streamParser {
	switch f {
	case FormatClaude:
		return &claudeParser{em: em}
	case FormatCodex:
		return &codexParser{em: em}
	default:
		return &textParser{em: em}
	}
}

// decodeLine unmarshals one JSON line leniently: a field of an unexpected
// type is skipped (vendors change field types between releases) while a
// syntax error rejects the line.
func decodeLine(b []byte, v any) error {
	err := json.Unmarshal(b, v)
	if _, ok := errors.AsType[*json.UnmarshalTypeError](err); ok {
		return nil
	}
	return err
}

// jsonString decodes a raw JSON value that should be a string; anything else
// yields "".
func jsonString(raw json.RawMessage) string {
	s, _ := jsonStr(raw)
	return s
}

// jsonStringPrefix decodes about the first n bytes of a raw JSON string,
// without unescaping the rest of a long one.
func jsonStringPrefix(raw json.RawMessage, n int) string {
	if len(raw) <= n+2 || raw[0] != '"' {
		return jsonString(raw)
	}
	// Cut, and back off while the cut split an escape.
	for cut := n; cut > n-8 && cut > 1; cut-- {
		if s, ok := unquote(raw[1:cut]); ok {
			return s
		}
	}
	return ""
}

// jsonStringFirstLine is firstLine(jsonStringPrefix(raw, n), max), with
// ok false when that prefix is "" (raw is not a string, or is empty). It
// decodes a short prefix first and stops there when it holds a whole
// non-blank line: a tool result's first line is usually near its start,
// and decoding up to n bytes for it was most of the cost of a result.
// raw must be valid JSON.
func jsonStringFirstLine(raw json.RawMessage, n, max int) (line string, ok bool) {
	const short = 160
	if n > short && len(raw) > short+2 && raw[0] == '"' {
		// Lines the short prefix holds whole are the longer one's too.
		for l := range strings.Lines(jsonStringPrefix(raw, short)) {
			if !strings.HasSuffix(l, "\n") {
				break
			}
			if t := strings.TrimSpace(l); t != "" {
				return clip(t, max), true
			}
		}
	}
	s := jsonStringPrefix(raw, n)
	return firstLine(s, max), s != ""
}

// jsonStrings decodes a raw JSON value that should be an array of strings
// (or of objects with a "message"); other shapes yield nil.
func jsonStrings(raw json.RawMessage) []string {
	if len(raw) == 0 || raw[0] != '[' {
		return nil
	}
	var items []json.RawMessage
	if json.Unmarshal(raw, &items) != nil {
		return nil
	}
	var out []string
	for _, it := range items {
		if s := jsonString(it); s != "" {
			out = append(out, s)
			continue
		}
		var m struct {
			Message string `json:"message"`
		}
		if json.Unmarshal(it, &m) == nil && m.Message != "" {
			out = append(out, m.Message)
		}
	}
	return out
}

// compactJSON renders a tool input on one line, clipped, for KindTool.
func compactJSON(raw json.RawMessage, n int) string {
	if len(raw) == 0 {
		return ""
	}
	var b []byte
	if buf, err := compact(raw); err == nil {
		b = buf
	} else {
		b = raw
	}
	return clip(string(b), n)
}

func compact(raw []byte) ([]byte, error) {
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
