package main

import (
	"context"
	"strings"
	"sync"
	"syscall"
	"testing"
)

// lockedBuffer is a strings.Builder the signal goroutine may write while
// the test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestSignalNote checks that a first Ctrl-C cancels the command with
// "interrupted by SIGINT (Ctrl-C)", and mentions agents and their grace
// period only when the command runs agents: `looper tail -f` just stops.
func TestSignalNote(t *testing.T) {
	defer runsAgents.Store(false)
	for _, agents := range []bool{false, true} {
		runsAgents.Store(agents)
		var stderr lockedBuffer
		ctx, stop := signalContext(&stderr)
		if err := syscall.Kill(syscall.Getpid(), syscall.SIGINT); err != nil {
			t.Fatal(err)
		}
		<-ctx.Done()
		cause := context.Cause(ctx).Error()
		stop()
		if cause != "interrupted by SIGINT (Ctrl-C)" {
			t.Errorf("agents %v: cause %q", agents, cause)
		}
		got := stderr.String()
		if want := "\n" + stopNote(syscall.SIGINT) + "\n"; agents && got != want {
			t.Errorf("with agents, stderr = %q, want %q", got, want)
		}
		if !agents && got != "" {
			t.Errorf("without agents (tail -f), stderr = %q, want nothing", got)
		}
	}
}
