package fakeagent

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
)

// hugePlaceholder marks where inflate puts a huge line's payload: encoding
// megabytes through encoding/json is needlessly slow (very much so under
// the race detector), and a run of "x" needs no escaping.
const hugePlaceholder = "\u0000HUGE\u0000"

// inflate replaces the placeholder in an encoded line with n bytes of "x".
func inflate(line []byte, n int) []byte {
	return bytes.Replace(line, []byte(`\u0000HUGE\u0000`), bytes.Repeat([]byte("x"), n), 1)
}

type field struct {
	key string
	val any
}

// marshalFields writes an object with its keys in the given order.
func marshalFields(fs []field) string {
	var b strings.Builder
	b.WriteByte('{')
	for i, f := range fs {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(f.key)
		b.Write(k)
		b.WriteByte(':')
		b.Write(mustJSON(f.val))
	}
	b.WriteByte('}')
	return b.String()
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// mustJSON encodes v without HTML escaping (as the real CLIs do); v is
// always a plain value built by this package. Should encoding fail all
// the same, the line says so as a JSON string, which looper's parser
// reports as an unexpected line.
func mustJSON(v any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		msg, _ := json.Marshal(fmt.Sprintf("fakeagent: encode %T: %v", v, err))
		return msg
	}
	return bytes.TrimRight(b.Bytes(), "\n")
}

func cmpOr(s, alt string) string {
	if s == "" {
		return alt
	}
	return s
}

// lineOut writes stdout one line per write(2), with the scenario's line
// delay, optionally holding back the last line's newline.
type lineOut struct {
	a        *agent
	w        io.Writer
	delay    time.Duration
	holdLast bool
	pending  []byte
	has      bool
}

// write writes b unless the run has stopped; a failed write stops it
// with status 1 (stdout is gone; the real CLIs die of EPIPE too).
func (o *lineOut) write(b []byte) {
	if o.a.stopped() {
		return
	}
	if _, err := o.w.Write(b); err != nil {
		o.a.stop(1)
	}
}

func (o *lineOut) line(b []byte) {
	o.a.pause(o.delay)
	if !o.holdLast {
		o.write(append(b[:len(b):len(b)], '\n'))
		return
	}
	if o.has {
		o.write(append(o.pending, '\n'))
	}
	o.pending, o.has = append(o.pending[:0], b...), true
}

// partial writes b with no newline (after any held line).
func (o *lineOut) partial(b []byte) {
	o.flush(false)
	o.a.pause(o.delay)
	o.write(b)
}

// flush writes a held line; final leaves its newline off when the scenario
// asks for that.
func (o *lineOut) flush(final bool) {
	if !o.has {
		return
	}
	b := o.pending
	if !(final && o.holdLast) {
		b = append(b, '\n')
	}
	o.has = false
	o.write(b)
}
