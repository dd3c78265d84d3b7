package kube

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/looper-go/looper/internal/runner"
)

// process is an attempt's agent running in its pod (runner.Process). Its
// two streams are pipes the agent's exec writes into. Stopping it deletes
// the pod with the agent's grace period (kube-hold, the pod's PID 1, then
// passes SIGTERM on to the agent, and the kubelet sends SIGKILL at the end
// of the grace); killing it deletes the pod with no grace at all.
type process struct {
	cl    *Client
	name  string
	grace time.Duration
	// ctx bounds the exec and the calls that bring the work home; cancel
	// ends them when the pod outlived its grace or the agent was killed.
	ctx    context.Context
	cancel context.CancelCauseFunc

	stdoutR, stderrR *io.PipeReader
	stdoutW, stderrW *io.PipeWriter

	stopOnce sync.Once
	stop     chan struct{} // closed by Stop and Kill
	killed   atomic.Bool
	done     chan struct{} // closed when exit is set
	exit     runner.Exit
}

// Describe names the pod.
func (p *process) Describe() string { return "pod " + p.cl.Namespace + "/" + p.name }

// Stdout is the agent's standard output.
func (p *process) Stdout() io.ReadCloser { return p.stdoutR }

// Stderr is the agent's standard error.
func (p *process) Stderr() io.ReadCloser { return p.stderrR }

// Stop deletes the pod with the agent's grace period. If the pod is not
// gone a while after that, the exec is abandoned.
func (p *process) Stop() {
	p.stopOnce.Do(func() {
		close(p.stop)
		go func() {
			if err := p.cl.deletePod(context.Background(), p.name, p.grace); err != nil {
				p.cancel(fmt.Errorf("delete pod %s: %w", p.name, err))
				return
			}
			select {
			case <-time.After(p.grace + removeWait):
				p.cancel(fmt.Errorf("pod %s outlived its grace period", p.name))
			case <-p.done:
			}
		}()
	})
}

// Kill deletes the pod now, with no grace: the second Ctrl-C.
func (p *process) Kill() {
	p.killed.Store(true)
	p.stopOnce.Do(func() { close(p.stop) })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = p.cl.deletePod(ctx, p.name, 0)
	p.cancel(errors.New("killed"))
}

// Wait returns how the agent ended, once its work is home and its pod gone.
func (p *process) Wait() runner.Exit {
	<-p.done
	return p.exit
}

func (p *process) stopped() bool {
	select {
	case <-p.stop:
		return true
	default:
		return false
	}
}

// run runs the agent's exec, then brings its work home (unless looper
// stopped it: a stopped attempt's work is not used) and removes the pod.
func (p *process) run(t tree, argv []string, stdin io.Reader, writes []string) {
	defer close(p.done)
	defer p.cancel(nil)
	code, err := p.cl.Exec(p.ctx, p.name, argv, stdin, quiet{p.stdoutW}, quiet{p.stderrW})
	ex := runner.Exit{Code: code}
	if !p.stopped() {
		ex = p.collect(t, code, err, writes)
	}
	// The agent has ended: its streams end too.
	p.stdoutW.Close()
	p.stderrW.Close()
	if p.stopped() {
		ex.Stopped, ex.Killed = true, p.killed.Load()
		ex.Lost = ""
		if ex.Code < 0 && ex.Signal == 0 {
			ex.Signal = syscall.SIGTERM
			if ex.Killed {
				ex.Signal = syscall.SIGKILL
			}
		}
	}
	// The container reports an agent ended by signal n as exit 128+n.
	if ex.Signal == 0 && ex.Code > 128 && ex.Code <= 128+64 {
		ex.Signal = syscall.Signal(ex.Code - 128)
	}
	grace := p.grace
	if p.killed.Load() {
		grace = 0
	}
	if w := p.remove(grace); w != "" {
		ex.Warnings = append(ex.Warnings, w)
	}
	p.exit = ex
}

// collect is how an agent that ended by itself ended: the pod lost, or
// its work fetched into the attempt's worktree and the files it wrote for
// looper copied back.
func (p *process) collect(t tree, code int, execErr error, writes []string) runner.Exit {
	ex := runner.Exit{Code: code}
	if execErr != nil {
		ex.Lost = p.why(execErr).Error()
		return ex
	}
	if gone, why := p.cl.gone(context.Background(), p.name); gone {
		ex.Lost = (&LostError{Pod: p.name, Reason: why}).Error()
		return ex
	}
	if err := t.receive(p.ctx, p.cl, p.name); err != nil {
		ex.Lost = p.why(fmt.Errorf("bring the attempt's work home from pod %s: %w", p.name, err)).Error()
		return ex
	}
	for _, w := range writes {
		if err := copyOut(p.ctx, p.cl, p.name, w); err != nil {
			ex.Warnings = append(ex.Warnings, err.Error())
		}
	}
	return ex
}

// why turns a failed call into the pod's loss when the pod is gone, which
// is what the user needs to know rather than the broken stream.
func (p *process) why(err error) error {
	if gone, reason := p.cl.gone(context.Background(), p.name); gone {
		return &LostError{Pod: p.name, Reason: reason}
	}
	return err
}

// remove deletes the pod with the given grace and waits until it is gone.
// It returns a warning when it could not.
func (p *process) remove(grace time.Duration) string {
	ctx, cancel := context.WithTimeout(context.Background(), grace+removeWait)
	defer cancel()
	if err := p.cl.deletePod(ctx, p.name, grace); err != nil {
		return fmt.Sprintf("delete pod %s: %v", p.name, err)
	}
	if err := p.cl.waitGone(ctx, p.name); err != nil {
		return fmt.Sprintf("pod %s: %v", p.name, err)
	}
	return ""
}

// quiet is a stream writer that never fails: once the agent runner has
// closed a stream's reader, what the agent still writes is dropped rather
// than breaking the exec.
type quiet struct{ w io.Writer }

func (q quiet) Write(b []byte) (int, error) {
	_, _ = q.w.Write(b)
	return len(b), nil
}
