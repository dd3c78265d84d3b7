package agent

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"sync"
	"time"
)

// probeOutputLimit caps what a probe keeps of a command's output: it only
// wants the first line.
const probeOutputLimit = 64 << 10

// Probe runs a short command, such as an agent's --version or git's, and
// returns the first non-empty line it printed (stdout and stderr together).
// The command runs in its own process group, as agents do, with env added
// to looper's environment and dir as its working directory (empty: looper's).
// When it has not exited after timeout, or ctx ends, its whole group is
// killed at once, so a CLI that hangs, or leaves a helper behind, cannot
// hold up preflight or doctor. A non-zero exit is an error carrying that
// first line.
func Probe(ctx context.Context, timeout time.Duration, env []string, dir string, argv ...string) (string, error) {
	if len(argv) == 0 {
		return "", errors.New("probe: no command")
	}
	pctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(pctx, argv[0], argv[1:]...)
	cmd.Dir = dir
	if len(env) > 0 {
		cmd.Env = append(cmd.Environ(), env...)
	}
	out := &capped{max: probeOutputLimit}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = groupAttr()
	group := newProcGroup(0, 0) // grace 0: SIGKILL, nobody waits for a version
	cmd.Cancel = func() error {
		group.attach(cmd.Process.Pid)
		group.terminate()
		return nil
	}
	// After the leader exits, output a leftover member still holds open is
	// not waited for long; the sweep below kills that member.
	cmd.WaitDelay = time.Second
	if err := cmd.Start(); err != nil {
		if ctx.Err() != nil {
			return "", context.Cause(ctx)
		}
		return "", err
	}
	group.attach(cmd.Process.Pid)
	register(group)
	err := cmd.Wait()
	group.sweep()
	group.finish()
	unregister(group)

	first := firstLine(out.String(), 300)
	switch {
	case ctx.Err() != nil:
		return "", context.Cause(ctx)
	case pctx.Err() != nil:
		return "", fmt.Errorf("no answer within %s", timeout)
	case err != nil && !(errors.Is(err, exec.ErrWaitDelay) && cmd.ProcessState.Success()):
		if first != "" {
			return "", fmt.Errorf("%v: %s", err, first)
		}
		return "", err
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
