package agent

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/looper-go/looper/sinks"
)

// parseStream feeds data through the line reader and a parser, as the
// runner's stdout goroutine does.
func parseStream(b *testing.B, format Format, data []byte, emit func(sinks.Event)) {
	em := newEmitter(emit, Request{TaskID: "T1", AgentID: "a#1", Attempt: 1, Iteration: 1})
	p := newParser(format, em)
	lr := newLineReader(bytes.NewReader(data), DefaultMaxLine)
	for {
		line, _, err := lr.next()
		if errors.Is(err, io.EOF) {
			break
		}
		em.raw(line, format, isJSONLine(line, nil))
		p.line(line)
	}
	if p.result().lines == 0 {
		b.Fatal("nothing parsed")
	}
}

func benchParse(b *testing.B, format Format, file string, emit func(sinks.Event)) {
	one, err := os.ReadFile(filepath.Join(transcriptDir, file))
	if err != nil {
		b.Fatal(err)
	}
	data := bytes.Repeat(one, max(1, (4<<20)/len(one))) // about 4 MiB of real stream
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		parseStream(b, format, data, emit)
	}
}

// BenchmarkParseClaude measures stream-json parsing throughput (MB/s) on
// the real 2.0.25 transcript (tool use, subagents, 17 KB lines), with every
// event built and handed to a sink that drops it, and with no sink.
func BenchmarkParseClaude(b *testing.B) {
	const file = "claude-ariel-frischer-claude-clean-stream-json-simple.jsonl"
	b.Run("events", func(b *testing.B) { benchParse(b, FormatClaude, file, func(sinks.Event) {}) })
	b.Run("no-sink", func(b *testing.B) { benchParse(b, FormatClaude, file, nil) })
}

// BenchmarkParseCodex is the same for `codex exec --json`.
func BenchmarkParseCodex(b *testing.B) {
	b.Run("events", func(b *testing.B) {
		benchParse(b, FormatCodex, "codex-jnarowski-agentcmd-stream-output-2.jsonl", func(sinks.Event) {})
	})
}

// BenchmarkExtractSummary measures the summary search on a long final
// message with code and prose before the JSON.
func BenchmarkExtractSummary(b *testing.B) {
	text := strings.Repeat("I changed `func f() { return map[string]int{\"a\": 1} }` in a.go.\n", 2000) +
		"```json\n{\"task_id\":\"T1\",\"status\":\"done\",\"summary\":\"ok\",\"files\":[\"a.go\"],\"blockers\":[]}\n```\n"
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		if ex := extractSummary([]string{text}, ContractTask, "T1"); ex.json == nil {
			b.Fatal("no summary")
		}
	}
}

// BenchmarkAttempt measures a zero-work attempt end to end: spawn the fake
// claude (this test binary), write the prompt, read and parse its stream,
// wait, sweep the process group, extract and validate the summary, write
// the last-message file. Run it without -race: under the race detector the
// fake itself starts several times slower.
func BenchmarkAttempt(b *testing.B) {
	for _, d := range dialects {
		b.Run(d, func(b *testing.B) {
			dir := b.TempDir()
			spec := Spec{Dialect: Dialect(d), Binary: filepath.Join(fakeBin, d), Grace: time.Second}
			req := Request{Prompt: "FAKEAGENT: noop\n- task_id: T1\n", Dir: dir, TaskID: "T1", Contract: ContractTask,
				LastMessagePath: filepath.Join(dir, "last.json")}
			var r Runner
			for b.Loop() {
				if res := r.Run(b.Context(), spec, req); res.Class != ClassOK {
					b.Fatalf("class %s: %s", res.Class, res.Err)
				}
			}
		})
	}
	// The runner's own share: a generic agent that is a tiny C program
	// (echo), so the Go start-up of the fake is not counted.
	b.Run("echo", func(b *testing.B) {
		echo, err := exec.LookPath("echo")
		if err != nil {
			b.Skip("no echo")
		}
		dir := b.TempDir()
		spec := Spec{Name: "echo", Binary: echo, PromptArg: true, Grace: time.Second}
		req := Request{Prompt: `{"task_id":"T1","status":"done"}`, Dir: dir, TaskID: "T1", Contract: ContractTask,
			LastMessagePath: filepath.Join(dir, "last.json")}
		var r Runner
		for b.Loop() {
			if res := r.Run(b.Context(), spec, req); res.Class != ClassOK {
				b.Fatalf("class %s: %s", res.Class, res.Err)
			}
		}
	})
	// The baseline: exec.Command(echo).Run() alone, no runner.
	b.Run("echo-exec-baseline", func(b *testing.B) {
		echo, err := exec.LookPath("echo")
		if err != nil {
			b.Skip("no echo")
		}
		for b.Loop() {
			if err := exec.Command(echo, "x").Run(); err != nil {
				b.Fatal(err)
			}
		}
	})
}
