package agent

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/looper-go/looper/internal/proc"
)

// probeOutputLimit caps what a probe keeps of a command's output: it only
// wants the first line.
const probeOutputLimit = 64 << 10

// Probe runs a short command, such as an agent's --version or git's, and
// returns the first non-empty line it printed (stdout and stderr together).
// The command runs in its own process group, as agents do, with env added
// to looper's environment and dir as its working directory (empty: looper's).
// When it has not exited after timeout, or ctx ends, its whole group is
// killed at once (proc.Run with no grace), so a CLI that hangs, or leaves
// a helper behind, cannot hold up preflight or doctor. A non-zero exit is an error carrying that
// first line.
func Probe(ctx context.Context, timeout time.Duration, env []string, dir string, argv ...string) (string, error) {
	if len(argv) == 0 {
		return "", errors.New("probe: no command")
	}
	var env2 []string
	if len(env) > 0 {
		env2 = append(os.Environ(), env...)
	}
	out := &capped{max: probeOutputLimit}
	// Grace below 0: SIGKILL at once, nobody waits for a version.
	r := proc.Run(ctx, proc.Command{Name: argv[0], Argv: argv, Dir: dir, Env: env2, Timeout: timeout, Grace: -1, Output: out})
	first := firstLine(out.String(), 300)
	switch {
	case ctx.Err() != nil:
		return "", context.Cause(ctx)
	case r.Err != nil:
		return "", r.Err
	case r.TimedOut:
		return "", fmt.Errorf("no answer within %s", timeout)
	case r.Exit.Code != 0:
		if first != "" {
			return "", fmt.Errorf("%s: %s", r.Exit.String(), first)
		}
		return "", errors.New(r.Exit.String())
	}
	return first, nil
}

// capped is a concurrency-safe buffer that keeps the first max bytes
// written to it and drops the rest.
type capped struct {
	mu  sync.Mutex
	max int
	b   []byte
}

func (c *capped) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if room := c.max - len(c.b); room > 0 {
		c.b = append(c.b, p[:min(room, len(p))]...)
	}
	return len(p), nil
}

func (c *capped) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return string(c.b)
}
