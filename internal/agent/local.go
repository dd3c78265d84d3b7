package agent

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/looper-go/looper/internal/runner"
)

// Local is the runner.Runner of a local process: the agent is started as
// the leader of a process group of its own (with the parent-death signal
// and the attempt's tag), stopped with SIGTERM to the group and SIGKILL
// after the grace period, and swept when it ends, so nothing it started
// outlives the attempt. The zero value is ready to use. The agent runner
// uses it unless Runner.Place names another runner; `looper remote-agent`
// uses it on an ssh host.
type Local struct{}

// Name is "local".
func (Local) Name() string { return "local" }

// Start starts c in its own process group. The output pipes are os.Pipe
// files rather than exec's StdoutPipe so that the leader's exit never
// closes them under the readers: every byte the agent wrote is read,
// however late. ctx only bounds the start.
func (Local) Start(ctx context.Context, c runner.Command) (runner.Process, error) {
	if len(c.Argv) == 0 {
		return nil, fmt.Errorf("start %s: no command", c.Agent)
	}
	if err := ctx.Err(); err != nil {
		return nil, context.Cause(ctx)
	}
	// Orphans of the agent are re-parented to looper, so the sweep can
	// reap them (Run says so when this fails; `looper remote-agent` runs
	// without an event stream).
	subreaperOnce.Do(func() { _ = becomeSubreaper() })
	p := &localProcess{group: newProcGroup(0, c.Grace)}
	if c.SpareLeader {
		p.group.signal = spareLeader
	}
	var toClose []*os.File
	closeAll := func() {
		for _, f := range toClose {
			f.Close()
		}
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	toClose = append(toClose, outR, outW)
	errR, errW, err := os.Pipe()
	if err != nil {
		closeAll()
		return nil, err
	}
	toClose = append(toClose, errR, errW)
	var inR *os.File
	if c.Stdin != nil {
		if inR, p.stdin, err = os.Pipe(); err != nil {
			closeAll()
			return nil, err
		}
		toClose = append(toClose, inR, p.stdin)
	}

	var stopCtx context.Context
	stopCtx, p.stop = context.WithCancel(context.Background())
	cmd := exec.CommandContext(stopCtx, c.Argv[0], c.Argv[1:]...)
	cmd.Dir = c.Dir
	cmd.Env = c.Env[:len(c.Env):len(c.Env)]
	if tag := lastTag(c.Env); strings.HasPrefix(tag, tagPrefix()) {
		p.group.tag = tag // the agent runner tagged the attempt already
	} else {
		cmd.Env = append(cmd.Env, p.group.Env())
	}
	if inR != nil {
		cmd.Stdin = inR
	}
	cmd.Stdout, cmd.Stderr = outW, errW
	cmd.SysProcAttr = groupAttr()
	cmd.Cancel = func() error {
		p.group.attach(cmd.Process.Pid)
		p.group.terminate()
		return nil
	}
	// WaitDelay backs up our own SIGKILL of the group: exec kills the
	// leader itself if it outlives the grace period.
	cmd.WaitDelay = c.Grace + time.Second
	if err := cmd.Start(); err != nil {
		p.stop()
		closeAll()
		return nil, err
	}
	p.cmd = cmd
	p.group.attach(cmd.Process.Pid)
	// The child has its copies; ours would keep the pipes open for ever.
	outW.Close()
	errW.Close()
	if inR != nil {
		inR.Close()
		p.writer.Go(func() { writeStdin(p.stdin, c.Stdin) })
	}
	p.stdout, p.stderr = outR, errR
	return p, nil
}

// lastTag is the process tag an environment sets, "" for none.
func lastTag(env []string) string {
	for i := len(env) - 1; i >= 0; i-- {
		if v, ok := strings.CutPrefix(env[i], tagVar+"="); ok {
			return v
		}
	}
	return ""
}

// writeStdin writes the prompt and closes the agent's stdin; an agent that
// does not read it gets EPIPE, which is its business.
func writeStdin(w *os.File, b []byte) {
	_, _ = w.Write(b)
	w.Close()
}

// localProcess is one agent started by Local.
type localProcess struct {
	cmd    *exec.Cmd
	group  *procGroup
	stop   context.CancelFunc
	stdout *os.File
	stderr *os.File
	stdin  *os.File // nil without stdin
	writer sync.WaitGroup
}

func (p *localProcess) Describe() string      { return "pid " + strconv.Itoa(p.cmd.Process.Pid) }
func (p *localProcess) Stdout() io.ReadCloser { return p.stdout }
func (p *localProcess) Stderr() io.ReadCloser { return p.stderr }

// Stop starts the group's escalation (exec calls Cancel, which terminates
// the group, unless the leader has already been waited for).
func (p *localProcess) Stop() { p.stop() }

// Kill sends SIGKILL to the whole group now.
func (p *localProcess) Kill() { p.group.Kill() }

// Wait waits for the leader, then sweeps the group and the tagged
// processes that left it, and reports how the leader ended.
func (p *localProcess) Wait() runner.Exit {
	_ = p.cmd.Wait() // the leader's status is read from ProcessState
	exit := runner.Exit{Code: -1, Stopped: p.group.wasTerminated(), Killed: p.group.killedAll.Load()}
	if !p.group.sweep() {
		exit.Warnings = append(exit.Warnings, fmt.Sprintf("processes of the group %d did not exit after SIGKILL", p.group.pgid))
	}
	if msg := p.group.Strays("the agent"); msg != "" {
		exit.Warnings = append(exit.Warnings, msg)
	}
	p.group.finish()
	p.stop()
	if p.stdin != nil {
		p.stdin.Close() // unblocks a prompt writer whose reader escaped the group
	}
	p.writer.Wait()
	if ps := p.cmd.ProcessState; ps != nil {
		exit.Code = ps.ExitCode()
		if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			exit.Signal = ws.Signal()
		}
	}
	exit.Stopped = exit.Stopped || exit.Killed
	return exit
}
