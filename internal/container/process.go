package container

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/looper-go/looper/internal/runner"
)

// engineTimeout bounds the engine commands that stop and remove a
// container; a wedged engine must not hold an attempt for ever.
const engineTimeout = 2 * time.Minute

// process is an attempt's container: the engine client's local process,
// plus the container, which the engine signals, stops and removes.
// Signalling the client does not reliably reach the agent (the engine
// forwards signals only once it has attached, and a killed client leaves
// the container running), so the escalation goes through `<engine> kill`;
// the client ends when the container does. The local escalation on the
// client is only the fallback for an engine that does not answer.
type process struct {
	runner.Process
	r       *Runner
	name    string
	grace   time.Duration
	envFile string

	mu      sync.Mutex
	stopped bool
	killed  bool
	done    chan struct{}
}

// Stop starts the escalation: SIGTERM to the container's processes now,
// SIGKILL after the grace period, and the client's own escalation if the
// engine has not ended it a while after that.
func (p *process) Stop() {
	p.mu.Lock()
	first := !p.stopped
	p.stopped = true
	p.mu.Unlock()
	if !first {
		return
	}
	go p.engine("kill", "--signal", "TERM", p.name)
	time.AfterFunc(p.grace, func() {
		if !p.ended() {
			p.engine("kill", "--signal", "KILL", p.name)
		}
	})
	time.AfterFunc(p.grace+engineTimeout, func() {
		if !p.ended() {
			p.Process.Stop()
		}
	})
}

func (p *process) ended() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// Kill kills the container and its client now.
func (p *process) Kill() {
	p.mu.Lock()
	p.killed = true
	p.mu.Unlock()
	p.engine("kill", "--signal", "KILL", p.name)
	p.Process.Kill()
}

// Wait waits for the client, then makes sure the container is gone: one
// that outlived its client (the client was killed) is removed by force.
func (p *process) Wait() runner.Exit {
	exit := p.Process.Wait()
	close(p.done)
	p.mu.Lock()
	exit.Stopped = exit.Stopped || p.stopped || p.killed
	exit.Killed = exit.Killed || p.killed
	p.mu.Unlock()
	os.Remove(p.envFile)
	if out := p.engine("rm", "--force", "--time", "0", p.name); strings.Contains(out, p.name) {
		exit.Warnings = append(exit.Warnings, fmt.Sprintf("container %s outlived its %s client and was removed", p.name, p.r.Name()))
	}
	// The engine reports an agent ended by signal n as exit 128+n.
	if exit.Signal == 0 && exit.Code > 128 && exit.Code <= 128+64 && exit.Stopped {
		exit.Signal = syscall.Signal(exit.Code - 128)
	}
	return exit
}

// engine runs an engine command and returns what it printed on stdout.
func (p *process) engine(args ...string) string {
	ctx, cancel := context.WithTimeout(context.Background(), engineTimeout)
	defer cancel()
	out, _ := exec.CommandContext(ctx, p.r.engine(), args...).Output()
	return string(out)
}

// defaultUlimits are the rlimits a container gets unless [runners.container]
// ulimits says otherwise: looper's own nofile limits, and 4096 processes.
// Podman's own defaults raise both above what an unprivileged or nested
// user may set, and the container then fails to start with "error setting
// rlimit type 6/7: operation not permitted".
func defaultUlimits() []string {
	var l syscall.Rlimit
	out := []string{"nproc=4096:4096"}
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l); err == nil {
		out = append(out, fmt.Sprintf("nofile=%d:%d", l.Cur, l.Max))
	}
	return out
}
