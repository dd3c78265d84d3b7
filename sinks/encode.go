package sinks

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
)

// eventEncoder renders events as the run log's JSON lines. The run log and
// the json and logfmt console formats share it, so what a program reads
// from the console and from the log is the same record. It is not safe for
// concurrent use.
type eventEncoder struct {
	buf  []byte // appendEvent's output
	line bytes.Buffer
	enc  *json.Encoder
}

func newEventEncoder() *eventEncoder {
	x := &eventEncoder{}
	x.enc = json.NewEncoder(&x.line)
	x.enc.SetEscapeHTML(false)
	return x
}

// encode returns e as one JSON object and its newline, the time in UTC as
// upstream wrote timestamps. A summary that is not valid JSON is kept as a
// string, and an event that cannot be encoded at all becomes an error event
// saying why. The bytes are valid until the next call.
func (x *eventEncoder) encode(e Event) []byte {
	e.Time = e.Time.UTC()
	if b, ok := appendEvent(x.buf[:0], &e); ok {
		x.buf = b
		return b
	}
	err := x.value(e)
	if err == nil {
		return x.line.Bytes()
	}
	if len(e.Summary) > 0 && !json.Valid(e.Summary) {
		q, _ := json.Marshal(string(e.Summary))
		e.Summary = q
		if x.value(e) == nil {
			return x.line.Bytes()
		}
	}
	_ = x.value(Event{Time: e.Time, Level: slog.LevelError, Kind: KindError, TaskID: e.TaskID, AgentID: e.AgentID,
		Attempt: e.Attempt, Iteration: e.Iteration, Stage: e.Stage,
		Message: fmt.Sprintf("a %s event could not be logged: %v", e.Kind, err)})
	return x.line.Bytes()
}

// value encodes any value as one line into x.line.
func (x *eventEncoder) value(v any) error {
	x.line.Reset()
	return x.enc.Encode(v)
}
