package agent

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/looper-go/looper/sinks"
)

// scanSeeds are JSON texts and near misses where a hand-written scanner
// most easily disagrees with encoding/json.
var scanSeeds = []string{
	`{}`, `[]`, ` {"a":1} `, `{"a":1,}`, `[1,]`, `{"a" 1}`, `"\u12"`, `"\ud800"`, `"\x"`, "\"a\tb\"", "\"\x7f\xff\"",
	`-`, `-0`, `01`, `1.`, `1.5e`, `1e+5`, `-0.0E-0`, `tru`, `nul`, `null `, `true false`, `{"a":[{"b":"c\"}"}]}`,
	strings.Repeat("[", 10000) + strings.Repeat("]", 10000), strings.Repeat("[", 10001) + strings.Repeat("]", 10001),
	`{"type":"assistant","message":{"content":"plain"},"parent_tool_use_id":"toolu_1"}`,
	`{"TYPE":"user","message":{"content":[{"type":"tool_result","tool_use_id":"x","content":[{"type":"text","text":"a"}],"is_error":true}]}}`,
	`{"type":"assistant","message":{"model":"<synthetic>","content":[{"type":"text","text":"API Error"}]},"error":"rate_limit"}`,
	`{"type":"assistant","message":{"content":[1,null,{"type":"text","text":5,"text":"b"}]},"message":{"model":"m"}}`,
	`{"type":"assistant","message":"x","message":null,"session_id":"s","typ\u0065":"user"}`,
	`{"type":"assistant","message":{"content":[{"type":"tool_use","id":"i","name":"Bash","input":{"command":"ls"},"is_error":"no"}]}}`,
	"{\"type\":\"assistant\",\"message\":{\"content\":[{\"type\":\"text\",\"text\":\"bad \xff utf8\"}]}}",
	`{"ſession_id":"folded","type":"assistant"}`,
}

// FuzzJSONScan holds the scanner to encoding/json: the same verdict on
// validity, and for assistant and user lines the same fields as the full
// decode of the line into claudeEvent.
func FuzzJSONScan(f *testing.F) {
	for _, s := range scanSeeds {
		f.Add([]byte(s))
	}
	addTranscripts(f, "claude-")
	f.Fuzz(func(t *testing.T, data []byte) {
		var tape jsonTape
		if got, want := tape.scan(data), json.Valid(data); got != want {
			t.Fatalf("scan(%q) = %v, json.Valid says %v", data, got, want)
		}
		if !json.Valid(data) {
			return
		}
		p := &claudeParser{em: newEmitter(func(sinks.Event) {}, Request{})}
		var lite, full claudeEvent
		tape.scan(bytes.TrimSpace(data))
		if !p.liteEvent(&tape, &lite) {
			return
		}
		if err := decodeLine(data, &full); err != nil {
			t.Fatalf("decodeLine(%q): %v", data, err)
		}
		if got, want := liteView(&lite), liteView(&full); got != want {
			t.Fatalf("line %q\nscanner reads  %s\nencoding/json %s", data, got, want)
		}
	})
}

// TestJSONTapeFull checks that a line with more values than a tape
// records is still read, by the full decode, and that a tape scanned
// before is not read for the next line.
func TestJSONTapeFull(t *testing.T) {
	t.Parallel()
	big := `{"type":"assistant","message":{"content":[{"type":"text","text":"hi"}]},"x":[` +
		strings.Repeat("0,", maxTapeNodes) + `0]}`
	small := `{"type":"assistant","message":{"content":[{"type":"text","text":"small"}]}}`
	var got []string
	p := &claudeParser{em: newEmitter(func(e sinks.Event) { got = append(got, e.Message) }, Request{})}
	var tape jsonTape
	for _, line := range []string{small, big, small} {
		if !isJSONLine([]byte(line), &tape) {
			t.Fatalf("isJSONLine(%.40q) = false", line)
		}
		if complete := len(line) < 200; tape.complete != complete {
			t.Fatalf("tape of %.40q: complete = %v, want %v", line, tape.complete, complete)
		}
		p.checkedLine([]byte(line), &tape)
		p.line([]byte(line))
	}
	if want := "small small hi hi small small"; strings.Join(got, " ") != want {
		t.Fatalf("events %q, want %s", got, want)
	}
}

// liteView renders what the claude parser reads of an assistant or user
// line, so that two decodings can be compared.
func liteView(ev *claudeEvent) string {
	parent := ""
	if ev.ParentToolUseID != nil {
		parent = *ev.ParentToolUseID
	}
	model := ""
	var blocks []claudeBlock
	if ev.Message != nil {
		model, blocks = ev.Message.Model, ev.Message.Content
	}
	var b strings.Builder
	fmt.Fprintf(&b, "type=%q session=%q parent=%q error=%q model=%q blocks=%d", ev.Type, ev.SessionID, parent, jsonString(ev.Error), model, len(blocks))
	for _, c := range blocks {
		fmt.Fprintf(&b, "\n  {%q %q %q %q %q %q %v input=%s content=%s}", c.Type, c.Text, c.Thinking, c.ID, c.Name, c.ToolUseID, c.IsError, c.Input, c.Content)
	}
	return b.String()
}

// TestJSONScanMembers checks that members and elements are split at the
// right commas, whatever the strings and nested values hold.
func TestJSONScanMembers(t *testing.T) {
	t.Parallel()
	var tape jsonTape
	tape.scan([]byte(` { "a" : 1 , "b\"c":{"x":[1,"]"]} ,"d":"}"} `))
	var keys []string
	tape.members(0, func(m jsonMember) {
		keys = append(keys, string(m.key)+"="+string(m.val))
	})
	if got, want := strings.Join(keys, " "), `a=1 b\"c={"x":[1,"]"]} d="}"`; got != want {
		t.Fatalf("members = %s, want %s", got, want)
	}
	var elems []string
	tape.scan([]byte(`[ 1 ,"a,b", [2,3] ,{"k":"]"},null]`))
	tape.elems(0, func(k int) { elems = append(elems, string(tape.raw(k))) })
	if got, want := strings.Join(elems, " "), `1 "a,b" [2,3] {"k":"]"} null`; got != want {
		t.Fatalf("elements = %s, want %s", got, want)
	}
}

// FuzzUnquote holds unquote to encoding/json's decoding of the same
// string.
func FuzzUnquote(f *testing.F) {
	for _, s := range []string{`plain`, `a\nb\"c\\d\/e\tf\bg\fh\r`, `\u00e9\u20AC`, `\ud83d\ude00`, `\ud83d`, `\ud83dx`, `\ud83d\u0041`, `\ude00\ud83d`,
		"\xff\xfe", "caf\xc3\xa9", `\`, `\u12`, `\x`, `"`, "\x01", `\uD800\uDC00`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var want string
		err := json.Unmarshal(append(append([]byte{'"'}, body...), '"'), &want)
		got, ok := unquote(body)
		if ok != (err == nil) || got != want {
			t.Fatalf("unquote(%q) = %q, %v; encoding/json: %q, %v", body, got, ok, want, err)
		}
	})
}

// FuzzToolSummary holds toolSummary to what decoding the input into a map
// with encoding/json gives.
func FuzzToolSummary(f *testing.F) {
	for _, s := range []string{`{"command":"ls -l"}`, `{"path":"a","command":""}`, `{"command":"a","command":"b"}`, `{"comm\u0061nd":"x"}`,
		`{"Command":"x","prompt":"p"}`, `[1]`, `null`, `{"query":5,"url":"u"}`, ``, `{bad`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, input []byte) {
		want := ""
		var m map[string]json.RawMessage
		if json.Unmarshal(input, &m) == nil {
			for _, k := range summaryKeys {
				if s := jsonString(m[k]); s != "" {
					want = clip(oneLine(s), 200)
					break
				}
			}
		}
		if want == "" {
			want = compactJSON(input, 200)
		}
		if got := toolSummary(input); got != want {
			t.Fatalf("toolSummary(%q) = %q, want %q", input, got, want)
		}
	})
}

// FuzzJSONStringFirstLine holds jsonStringFirstLine to what it spares:
// the first line of the string's 1024-byte prefix, and of the whole
// string as encoding/json decodes it when that is shorter.
func FuzzJSONStringFirstLine(f *testing.F) {
	code := `"func f() {\n\treturn \"x\"\n}\n"`
	for _, s := range []string{code, `"\n\n  \n` + strings.Repeat("a", 300) + `\nb"`, `"` + strings.Repeat(`\u00e9`, 40) + `\n"`,
		`"` + strings.Repeat(" ", 158) + `\ud83d\ude00\nx"`, `"` + strings.Repeat("y", 170) + `\u000ax"`, `[{"type":"text","text":"a"}]`, `""`, `5`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		raw = bytes.TrimSpace(raw)
		if !json.Valid(raw) {
			return // raw is always a value of a line found valid, without space around it
		}
		want := jsonStringPrefix(raw, 1024)
		got, ok := jsonStringFirstLine(raw, 1024, 200)
		if got != firstLine(want, 200) || ok != (want != "") {
			t.Fatalf("jsonStringFirstLine(%q) = %q, %v; the 1024-byte prefix's first line is %q", raw, got, ok, firstLine(want, 200))
		}
		var full string
		if len(raw) <= 1024 && json.Unmarshal(raw, &full) == nil && firstLine(full, 200) != got {
			t.Fatalf("jsonStringFirstLine(%q) = %q; encoding/json's string's first line is %q", raw, got, firstLine(full, 200))
		}
	})
}

// FuzzOneLine holds oneLine to joining the fields of its input.
func FuzzOneLine(f *testing.F) {
	for _, s := range []string{"go test ./...", " a", "a ", "a  b", "a\tb", "a\nb", "é b", "a\u00a0b", "", " ", "0 \x9c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := oneLine(s), strings.Join(strings.Fields(s), " "); got != want {
			t.Fatalf("oneLine(%q) = %q, want %q", s, got, want)
		}
	})
}
