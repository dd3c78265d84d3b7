package sinks

import (
	"bytes"
	"encoding/json"
	"github.com/looper-go/looper/internal/jsonstr"
	"strconv"
	"time"
)

// appendEvent appends e as the JSON object encoding/json writes for it
// (SetEscapeHTML(false)), field for field and byte for byte, without
// reflection: the run log encodes every event, and reflection was a fifth
// of a busy run's CPU (issue 17). A Raw that Event.RawJSON marks as one
// JSON value is embedded as it is rather than as a string. ok is false
// when encoding/json would fail (a time outside years 0-9999, a Summary
// that is not JSON); the caller then takes encoding/json's path, which
// reports it. FuzzAppendEvent holds it to encoding/json.
func appendEvent(dst []byte, e *Event) ([]byte, bool) {
	if y := e.Time.Year(); y < 0 || y > 9999 {
		return dst, false
	}
	dst = append(dst, `{"timestamp":"`...)
	dst = e.Time.AppendFormat(dst, time.RFC3339Nano)
	dst = append(dst, `","level":`...)
	dst = jsonstr.Append(dst, e.Level.String())
	dst = append(dst, `,"type":`...)
	dst = jsonstr.Append(dst, string(e.Kind))
	dst = appendStringField(dst, "task_id", e.TaskID)
	dst = appendStringField(dst, "agent_id", e.AgentID)
	dst = appendIntField(dst, "attempt", int64(e.Attempt))
	dst = appendIntField(dst, "iteration", int64(e.Iteration))
	dst = appendStringField(dst, "stage", e.Stage)
	dst = appendStringField(dst, "content", e.Message)
	dst = appendStringField(dst, "tool", e.Tool)
	dst = appendStrings(dst, "command", e.Command)
	dst = appendIntField(dst, "exit_code", int64(e.ExitCode))
	dst = appendStringField(dst, "title", e.Title)
	dst = appendStringField(dst, "status", e.Status)
	dst = appendStringField(dst, "prev_status", e.PrevStatus)
	dst = appendStringField(dst, "class", e.Class)
	dst = appendIntField(dst, "duration_ns", int64(e.Duration))
	if e.Usage != nil {
		u, err := json.Marshal(e.Usage) // once per attempt: not worth a copy of the float rules
		if err != nil {
			return dst, false
		}
		dst = append(dst, `,"usage":`...)
		dst = append(dst, u...)
	}
	dst = appendStringField(dst, "votes", e.Votes)
	dst = appendStringField(dst, "winner", e.Winner)
	dst = appendStrings(dst, "files", e.Files)
	dst = appendStrings(dst, "blockers", e.Blockers)
	dst = appendStringField(dst, "path", e.Path)
	if len(e.Summary) > 0 {
		dst = append(dst, `,"summary":`...)
		var ok bool
		if dst, ok = appendCompact(dst, e.Summary); !ok {
			return dst, false
		}
	}
	if e.Raw != "" {
		if e.RawJSON {
			dst = append(dst, `,"raw":`...)
			dst = append(dst, e.Raw...)
		} else {
			dst = appendStringField(dst, "raw", e.Raw)
		}
	}
	dst = appendStringField(dst, "format", e.Format)
	dst = appendIntField(dst, "total", int64(e.Total))
	return append(dst, '}', '\n'), true
}

// appendCompact appends the JSON text js without insignificant space, as
// encoding/json embeds a json.RawMessage.
func appendCompact(dst, js []byte) ([]byte, bool) {
	b := bytes.NewBuffer(dst)
	if err := json.Compact(b, js); err != nil {
		return dst, false
	}
	return b.Bytes(), true
}

func appendStringField(dst []byte, key, s string) []byte {
	if s == "" {
		return dst
	}
	dst = append(dst, ',', '"')
	dst = append(dst, key...)
	dst = append(dst, '"', ':')
	return jsonstr.Append(dst, s)
}

func appendIntField(dst []byte, key string, n int64) []byte {
	if n == 0 {
		return dst
	}
	dst = append(dst, ',', '"')
	dst = append(dst, key...)
	dst = append(dst, '"', ':')
	return strconv.AppendInt(dst, n, 10)
}

func appendStrings(dst []byte, key string, ss []string) []byte {
	if len(ss) == 0 {
		return dst
	}
	dst = append(dst, ',', '"')
	dst = append(dst, key...)
	dst = append(dst, '"', ':', '[')
	for i, s := range ss {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = jsonstr.Append(dst, s)
	}
	return append(dst, ']')
}
