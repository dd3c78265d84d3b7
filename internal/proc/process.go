package proc

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"
)

// Spec is what Start runs.
type Spec struct {
	// Name names the command in warnings ("claude", "verify").
	Name string
	// Argv is the command line; Argv[0] is the executable, looked up in
	// PATH when it has no slash.
	Argv []string
	// Dir is the working directory ("" : looper's).
	Dir string
	// Env is the command's whole environment (nil: looper's). Start adds
	// the group's tag.
	Env []string
	// Stdin opens a pipe to the command's standard input (Process.Stdin);
	// without it the command reads from the null device.
	Stdin bool
	// MergeOutput sends standard error into the standard output pipe, so
	// the two interleave as the command wrote them (Process.Stderr is nil).
	MergeOutput bool
	// Touch, when set, is called whenever output arrives on either pipe.
	Touch func()
}

// Process is a command started by Start in its own process group, with
// pipes looper reads itself. The pipes are os.Pipe files rather than
// exec's StdoutPipe so that the leader's exit never closes them under the
// readers: every byte the command wrote is read, however late.
type Process struct {
	// Group is the command's process group.
	Group *Group
	// Stdout carries standard output (and standard error with
	// MergeOutput); read it until end of file.
	Stdout *Pipe
	// Stderr carries standard error; nil with MergeOutput.
	Stderr *Pipe
	// Stdin is the writing end of the command's standard input with
	// Spec.Stdin; Wait closes it.
	Stdin *os.File

	name   string
	cmd    *exec.Cmd
	ctx    context.Context
	cancel context.CancelCauseFunc
}

// Exit is how a process ended.
type Exit struct {
	// Code is the leader's exit status, -1 when a signal ended it.
	Code int
	// Signal is the signal that ended the leader, 0 when it exited.
	Signal syscall.Signal
	// Stopped reports that looper stopped the command (its context ended,
	// or Stop was called) before the leader exited by itself.
	Stopped bool
	// KilledAll reports that KillAll hit the command.
	KilledAll bool
	// Cause is why the command's context ended (its context.Cause), nil
	// while it had not.
	Cause error
}

// String says how the process ended, as exec's errors do: "exit status
// 3", "signal: killed".
func (e Exit) String() string {
	if e.Signal != 0 {
		return "signal: " + e.Signal.String()
	}
	return fmt.Sprintf("exit status %d", e.Code)
}

var subreaperOnce sync.Once

// drainQuiet is how long a reader may wait for a byte, after the group is
// gone, before looper stops waiting for an end of file that only an
// escaped process could be withholding.
const drainQuiet = time.Second

// Start launches s.Argv as the leader of group g (a fresh NewGroup), which
// gets SIGTERM when ctx ends (or Stop is called) and SIGKILL after g's
// grace period. warn receives the one-time notice that looper cannot adopt
// orphans. The caller reads the pipes, then calls Wait exactly once. The
// error is exec's, unwrapped, for the caller to explain.
func Start(ctx context.Context, g *Group, s Spec, warn func(string)) (*Process, error) {
	if len(s.Argv) == 0 || s.Argv[0] == "" {
		return nil, fmt.Errorf("start %s: no command", s.Name)
	}
	subreaperOnce.Do(func() {
		if err := becomeSubreaper(); err != nil && warn != nil {
			warn("cannot become child subreaper (" + err.Error() + "); orphans of looper's commands are left to PID 1")
		}
	})
	p := &Process{Group: g, name: s.Name}
	p.ctx, p.cancel = context.WithCancelCause(ctx)
	var toClose []*os.File
	fail := func(err error) (*Process, error) {
		for _, f := range toClose {
			f.Close()
		}
		p.cancel(nil)
		return nil, err
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		return fail(err)
	}
	toClose = append(toClose, outR, outW)
	errR, errW := outR, outW
	if !s.MergeOutput {
		if errR, errW, err = os.Pipe(); err != nil {
			return fail(err)
		}
		toClose = append(toClose, errR, errW)
	}
	var inR *os.File
	if s.Stdin {
		var inW *os.File
		if inR, inW, err = os.Pipe(); err != nil {
			return fail(err)
		}
		toClose = append(toClose, inR, inW)
		p.Stdin = inW
	}

	cmd := exec.CommandContext(p.ctx, s.Argv[0], s.Argv[1:]...)
	cmd.Dir = s.Dir
	env := s.Env
	if env == nil {
		env = os.Environ()
	}
	cmd.Env = append(env[:len(env):len(env)], g.Env())
	if inR != nil {
		cmd.Stdin = inR
	}
	cmd.Stdout, cmd.Stderr = outW, errW
	cmd.SysProcAttr = groupAttr()
	cmd.Cancel = func() error {
		g.attach(cmd.Process.Pid)
		g.Terminate()
		return nil
	}
	// WaitDelay backs up the group's own SIGKILL: exec kills the leader
	// itself if it outlives the grace period.
	cmd.WaitDelay = max(g.grace, 0) + time.Second
	if err := cmd.Start(); err != nil {
		return fail(err)
	}
	p.cmd = cmd
	g.attach(cmd.Process.Pid)
	register(g)
	// The child has its copies; ours would keep the pipes open for ever.
	outW.Close()
	if errW != outW {
		errW.Close()
	}
	if inR != nil {
		inR.Close()
	}
	if s.MergeOutput {
		p.Stdout = &Pipe{Name: "output", f: outR, touch: s.Touch}
	} else {
		p.Stdout = &Pipe{Name: "stdout", f: outR, touch: s.Touch}
		p.Stderr = &Pipe{Name: "stderr", f: errR, touch: s.Touch}
	}
	return p, nil
}

// Pid is the leader's process id.
func (p *Process) Pid() int { return p.cmd.Process.Pid }

// Context ends when the command is stopped or Wait has returned; a
// watchdog of the command's own runs until it ends.
func (p *Process) Context() context.Context { return p.ctx }

// Stop asks the command to stop: SIGTERM to its group, SIGKILL after the
// grace period. cause becomes Exit.Cause.
func (p *Process) Stop(cause error) { p.cancel(cause) }

// Wait waits for the leader to exit, then stops whatever it left in its
// group and whatever carries its tag outside the group (Group's
// escalation), then waits for readersDone, which the caller closes when
// its readers of Stdout and Stderr have reached end of file. Once the
// group is gone only an escaped process can hold a pipe open; a pipe whose
// reader has waited a second for a byte is then closed, with a warning,
// so Wait returns. A busy reader is never cut off. warn receives what
// went wrong along the way (may be nil).
func (p *Process) Wait(readersDone <-chan struct{}, warn func(string)) Exit {
	if warn == nil {
		warn = func(string) {}
	}
	_ = p.cmd.Wait() // the leader's status is read from ProcessState
	g := p.Group
	ex := Exit{Code: -1, Stopped: g.Terminated(), KilledAll: g.KilledAll(), Cause: context.Cause(p.ctx)}
	if ps := p.cmd.ProcessState; ps != nil {
		ex.Code = ps.ExitCode()
		if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			ex.Signal = ws.Signal()
		}
	}
	if !g.sweep() {
		warn(fmt.Sprintf("processes of %s's group %d did not exit after SIGKILL", p.name, g.pgid))
	}
	if msg := g.Strays(p.name); msg != "" {
		warn(msg)
	}
	g.finish()
	unregister(g)
	p.drain(readersDone, warn)
	if p.Stdin != nil {
		p.Stdin.Close() // unblocks a writer whose reader escaped the group
	}
	p.cancel(nil)
	return ex
}

// drain waits for done, closing a pipe whose reader has waited drainQuiet
// for a byte that only an escaped process could send.
func (p *Process) drain(done <-chan struct{}, warn func(string)) {
	pipes := []*Pipe{p.Stdout}
	if p.Stderr != nil {
		pipes = append(pipes, p.Stderr)
	}
	tick := time.NewTicker(drainQuiet / 4)
	defer tick.Stop()
	closed := map[*Pipe]bool{}
	for {
		select {
		case <-done:
			for _, pp := range pipes {
				pp.f.Close()
			}
			return
		case <-tick.C:
			for _, pp := range pipes {
				if !closed[pp] && pp.waiting() >= drainQuiet {
					closed[pp] = true
					warn(fmt.Sprintf("%s's %s is held open by a process outside its process group; stopped reading it", p.name, pp.Name))
					pp.f.Close()
				}
			}
		}
	}
}
