package agent

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/looper-go/looper/sinks"
)

// TestStdoutLineNotHeldBack checks that the stdout stages hand a line to
// the parser while the agent is still running and has printed only half
// of the next line (in the same write): the agent waits for a file the test creates once it
// has seen the first line's event, so a held-back line would never let
// the agent finish.
func TestStdoutLineNotHeldBack(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	goOn := filepath.Join(dir, "go-on")
	script := filepath.Join(dir, "agent.sh")
	body := `#!/bin/sh
printf '%s\n%s' '{"type":"assistant","message":{"content":[{"type":"text","text":"first"}]}}' '{"type":"assistant",'
while [ ! -e "` + goOn + `" ]; do sleep 0.01; done
echo '"message":{"content":[{"type":"text","text":"second"}]}}'
echo '{"type":"result","subtype":"success","result":"done"}'
`
	if err := os.WriteFile(script, []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
	events := make(chan sinks.Event, 64)
	var texts []string
	seen := make(chan struct{})
	go func() {
		defer close(seen)
		for e := range events {
			if e.Kind != sinks.KindText {
				continue
			}
			texts = append(texts, e.Message)
			if e.Message == "first" {
				if err := os.WriteFile(goOn, nil, 0o600); err != nil {
					t.Error(err)
				}
			}
		}
	}()
	spec := Spec{Name: "sh-agent", Binary: script, Format: FormatClaude, Grace: testGrace}
	// A held-back line would stall the agent until this deadline.
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	res := (&Runner{Emit: func(e sinks.Event) { events <- e }}).Run(ctx, spec, Request{Dir: dir})
	close(events)
	<-seen
	if ctx.Err() != nil {
		t.Fatalf("the agent never saw its go-on file: class = %s (%s)", res.Class, res.Err)
	}
	if got := strings.Join(texts, " "); got != "first second" {
		t.Fatalf("text events %q, want first and second", got)
	}
}

// TestLineReady checks lineReader.lineReady: true only when the next line
// is whole in the buffer.
func TestLineReady(t *testing.T) {
	t.Parallel()
	lr := newLineReader(strings.NewReader("a\nb\nc"), 100)
	var ready []bool
	for {
		if _, _, err := lr.next(); err != nil {
			break
		}
		ready = append(ready, lr.lineReady())
	}
	if want := []bool{true, false, false}; len(ready) != 3 || ready[0] != want[0] || ready[1] != want[1] || ready[2] != want[2] {
		t.Fatalf("lineReady after each line = %v, want %v", ready, want)
	}
}
