package agent

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/looper-go/looper/sinks"
)

// Runner runs agent attempts. The zero value is ready to use and drops
// events.
type Runner struct {
	// Emit receives every event of every attempt. Calls for one attempt are
	// serialised and in order, but attempts running at the same time call it
	// concurrently, so it must be safe for concurrent use. It should not
	// block for long: while it blocks, the agent's output is not read.
	Emit func(sinks.Event)
	// Confine, when set, may rewrite each attempt's command before it
	// starts (internal/sandbox wraps it in bwrap); nil runs it as it is.
	Confine Confiner
}

var subreaperOnce sync.Once

// drainQuiet is how long a reader may wait for a byte, after the agent's
// process group is gone, before looper stops waiting for an end of file
// that only an escaped process could be withholding.
const drainQuiet = time.Second

// Run runs one attempt of spec for req and returns its classified result.
// It returns only when the agent's process group is gone and all its output
// has been read. It never panics because of what the agent does: every
// failure, including a binary that does not exist, is a Result.
func (r *Runner) Run(ctx context.Context, spec Spec, req Request) Result {
	begin := time.Now()
	spec = spec.resolved()
	em := newEmitter(r.Emit, req)
	res := Result{ExitCode: -1}
	if err := spec.Validate(); err != nil {
		res.Class, res.Err = ClassCrashed, err.Error()
		em.send(sinks.Event{Kind: sinks.KindError, Level: slog.LevelError, Message: res.Err})
		return res
	}
	subreaperOnce.Do(func() {
		if err := becomeSubreaper(); err != nil {
			em.warn("cannot become child subreaper (" + err.Error() + "); orphans of agents are left to PID 1")
		}
	})

	// Codex writes its final message itself (--output-last-message); give
	// it a file even when the caller wants none, to fall back on.
	codexFile := ""
	if spec.Dialect == DialectCodex {
		codexFile = req.LastMessagePath
		if codexFile == "" {
			if f, err := os.CreateTemp("", "looper-codex-*.last"); err == nil {
				codexFile = f.Name()
				f.Close()
				defer os.Remove(codexFile)
			}
		}
		if codexFile != "" {
			_ = os.Truncate(codexFile, 0) // never read a previous attempt's message
		}
	}
	argvReq := req
	argvReq.LastMessagePath = codexFile
	argv := spec.Argv(argvReq)
	shown := spec.displayArgv(argv, req)

	a, err := start(ctx, spec, req, argv, r.Confine, codexFile)
	if err != nil {
		if ctx.Err() != nil {
			res.Class, res.Err = ClassKilled, "stopped by looper before the agent started: "+context.Cause(ctx).Error()
		} else {
			res.Class, res.Err = ClassCrashed, err.Error()
		}
		res.Duration = time.Since(begin)
		em.send(sinks.Event{Kind: sinks.KindError, Level: slog.LevelError, Command: shown, Message: res.Err, Class: string(res.Class)})
		return res
	}
	started := fmt.Sprintf("started %s (pid %d)", spec.Name, a.cmd.Process.Pid)
	if a.note != "" {
		started = fmt.Sprintf("started %s (pid %d, %s)", spec.Name, a.cmd.Process.Pid, a.note)
	}
	em.send(sinks.Event{Kind: sinks.KindCommand, Level: slog.LevelInfo, Command: shown, Message: started})

	parser := newParser(spec.Format, em.deriving())
	var stderr tailBuffer
	readersDone := make(chan struct{})
	var readers sync.WaitGroup
	readers.Go(func() { a.readStdout(parser, spec, em) })
	readers.Go(func() { a.readStderr(&stderr, spec, em) })
	go func() { readers.Wait(); close(readersDone) }()

	var helpers sync.WaitGroup
	if a.stdin != nil {
		helpers.Go(func() { a.writePrompt(req.Prompt) })
	}
	wdCtx, wdStop := context.WithCancel(context.Background())
	helpers.Go(func() { a.wd.run(wdCtx, a.cancel) })

	_ = a.cmd.Wait() // the leader's status is read from ProcessState
	wdStop()
	stop, detail := a.stopReason()

	// The leader is gone; stop whatever it left in its group, then finish
	// reading what is still in the pipes.
	if !a.group.sweep() {
		em.warn(fmt.Sprintf("processes of %s's group %d did not exit after SIGKILL", spec.Name, a.group.pgid))
	}
	if msg := a.group.Strays(spec.Name); msg != "" {
		em.warn(msg)
	}
	a.group.finish()
	unregister(a.group)
	a.drain(readersDone, em)
	if a.stdin != nil {
		a.stdin.Close() // unblocks a prompt writer whose reader escaped the group
	}
	helpers.Wait()
	a.cancel(nil)

	po := procOutcome{stop: stop, stopDetail: detail, exitCode: -1, stderrTail: stderr.String()}
	if ps := a.cmd.ProcessState; ps != nil {
		po.exitCode = ps.ExitCode()
		if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			po.signal = ws.Signal()
		}
	}
	if codexFile != "" {
		if b, err := os.ReadFile(codexFile); err == nil {
			po.lastMessage = string(b)
		}
	}
	res = conclude(spec, req, parser.result(), po, time.Now())
	res.Duration = time.Since(begin)
	sig := po.signal

	if req.LastMessagePath != "" {
		if err := writeFileAtomic(req.LastMessagePath, lastMessage(res.SummaryJSON, res.Text)); err != nil {
			em.warn(err.Error())
		}
	}
	level := slog.LevelInfo
	if res.Class != ClassOK {
		level = slog.LevelWarn
	}
	msg := exitMessage(spec.Name, res.ExitCode, sig, res.Class, res.Err)
	usage := res.Usage
	// The command line was in the start event; the run log has it there.
	em.send(sinks.Event{Kind: sinks.KindCommand, Level: level, ExitCode: res.ExitCode,
		Class: string(res.Class), Duration: res.Duration, Usage: &usage, Path: req.LastMessagePath, Message: msg})
	return res
}

// procOutcome is how the agent's process ended, as conclude needs it.
type procOutcome struct {
	stop       stopReason
	stopDetail string
	exitCode   int
	signal     syscall.Signal
	stderrTail string
	// lastMessage is what codex wrote to --output-last-message.
	lastMessage string
}

// conclude turns what an attempt produced into its Result: the final
// text, the class (doc.go's decision table) and, when the agent finished,
// the summary its answer holds. It is pure, so the transcripts can be
// replayed through it without a process.
func conclude(spec Spec, req Request, t *transcript, po procOutcome, now time.Time) Result {
	res := Result{
		SessionID:  t.sessionID,
		Usage:      estimateCost(spec, t.usage), // codex reports no cost: price.go estimates it
		ExitCode:   po.exitCode,
		StderrTail: po.stderrTail,
	}
	texts := t.texts
	switch spec.Format {
	case FormatClaude:
		res.Text = t.lastText()
		if t.hasFinal && strings.TrimSpace(t.final) != "" {
			res.Text = t.final
			if t.final != t.lastText() {
				texts = append(texts[:len(texts):len(texts)], t.final)
			}
		}
	case FormatCodex:
		if t.hasFinal {
			res.Text = t.final
		} else if strings.TrimSpace(po.lastMessage) != "" {
			res.Text = po.lastMessage
			texts = []string{po.lastMessage}
		}
	default:
		res.Text = t.final
	}
	res.Text = strings.TrimSpace(res.Text)

	v := classify(outcome{
		name: spec.Name, format: spec.Format, stop: po.stop, stopDetail: po.stopDetail,
		exitCode: po.exitCode, signal: po.signal, t: t, stderrTail: po.stderrTail,
		timeout: spec.Timeout, idle: spec.IdleTimeout, retry: spec.RetryTimeout, now: now,
		api: apiEndpoint(spec), version: spec.Version,
	})
	res.Class, res.Err, res.ResetAt = v.class, v.err, v.resetAt
	res.Denials = t.denials
	if res.Class != ClassOK || req.Contract == ContractNone {
		return res
	}
	ex := extractSummary(texts, req.Contract, req.TaskID)
	switch {
	case ex.json != nil:
		res.SummaryJSON, res.Summary, res.Review = ex.json, ex.summary, ex.review
	case ex.err != nil:
		res.Class, res.SummaryJSON = ClassInvalidSummary, ex.bad
		res.Err = fmt.Sprintf("%s returned a %s summary that breaks the contract: %v", spec.Name, req.Contract, ex.err)
	default:
		res.Class = ClassNoSummary
		res.Err = fmt.Sprintf("%s finished without a %s summary: its final message holds no JSON object with a \"status\"", spec.Name, req.Contract)
	}
	return res
}

// attempt is one started agent process and the plumbing around it.
type attempt struct {
	cmd    *exec.Cmd
	group  *procGroup
	stdout *pipeReader
	stderr *pipeReader
	stdin  *os.File // nil when the prompt is an argument
	wd     *watchdog
	runCtx context.Context
	cancel context.CancelCauseFunc
	note   string // how a Confiner confined the process ("" when it did not)
}

// start launches argv in its own process group with the pipes the runner
// reads. The pipes are os.Pipe files rather than exec's StdoutPipe so that
// Wait (which returns when the leader exits) never closes them under the
// readers: every byte the agent wrote is read, however late. A non-nil
// confiner rewrites the command first; written lists the files outside
// the working directory the agent writes for looper.
func start(ctx context.Context, spec Spec, req Request, argv []string, confiner Confiner, written ...string) (*attempt, error) {
	a := &attempt{wd: newWatchdog(spec.Timeout, spec.IdleTimeout, spec.RetryTimeout)}
	a.group = newProcGroup(0, spec.Grace)
	command := Command{Agent: spec.Name, Argv: argv, Env: append(childEnv(spec, req), a.group.Env()), Dir: req.Dir, Grace: spec.Grace}
	for _, f := range written {
		if f != "" {
			command.Writes = append(command.Writes, f)
		}
	}
	if confiner != nil {
		c, err := confiner.Confine(command)
		if err != nil {
			return nil, fmt.Errorf("start %s: %w", spec.Name, err)
		}
		command, a.note = c, c.Note
		if c.SpareLeader {
			a.group.signal = spareLeader
		}
	}
	a.runCtx, a.cancel = context.WithCancelCause(ctx)
	var toClose []*os.File
	closeAll := func() {
		for _, f := range toClose {
			f.Close()
		}
		a.cancel(nil)
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		closeAll()
		return nil, fmt.Errorf("start %s: %w", spec.Name, err)
	}
	toClose = append(toClose, outR, outW)
	errR, errW, err := os.Pipe()
	if err != nil {
		closeAll()
		return nil, fmt.Errorf("start %s: %w", spec.Name, err)
	}
	toClose = append(toClose, errR, errW)
	var inR *os.File
	if spec.promptOnStdin() {
		var inW *os.File
		if inR, inW, err = os.Pipe(); err != nil {
			closeAll()
			return nil, fmt.Errorf("start %s: %w", spec.Name, err)
		}
		toClose = append(toClose, inR, inW)
		a.stdin = inW
	}

	cmd := exec.CommandContext(a.runCtx, command.Argv[0], command.Argv[1:]...)
	cmd.Dir = command.Dir
	cmd.Env = command.Env
	if inR != nil {
		cmd.Stdin = inR
	}
	cmd.Stdout, cmd.Stderr = outW, errW
	cmd.SysProcAttr = groupAttr()
	cmd.Cancel = func() error {
		a.group.attach(cmd.Process.Pid)
		a.group.terminate()
		return nil
	}
	// WaitDelay backs up our own SIGKILL of the group: exec kills the
	// leader itself if it outlives the grace period.
	cmd.WaitDelay = spec.Grace + time.Second
	if err := cmd.Start(); err != nil {
		closeAll()
		return nil, startError(spec, req, err)
	}
	a.cmd = cmd
	a.group.attach(cmd.Process.Pid)
	register(a.group)
	// The child has its copies; ours would keep the pipes open for ever.
	outW.Close()
	errW.Close()
	if inR != nil {
		inR.Close()
	}
	a.stdout = &pipeReader{name: "stdout", f: outR, touch: a.wd.touch}
	a.stderr = &pipeReader{name: "stderr", f: errR, touch: a.wd.touch}
	return a, nil
}

func startError(spec Spec, req Request, err error) error {
	msg := fmt.Sprintf("start %s: %v", spec.Name, err)
	switch {
	case errors.Is(err, exec.ErrNotFound):
		hint := "set binary in [agents." + spec.Name + "]"
		switch spec.Dialect {
		case DialectClaude:
			hint += " or CLAUDE_BIN"
		case DialectCodex:
			hint += " or CODEX_BIN"
		}
		msg += "; install it or " + hint
	case req.Dir != "" && errors.Is(err, os.ErrNotExist):
		msg += fmt.Sprintf(" (is the working directory %s there?)", req.Dir)
	}
	return errors.New(msg)
}

// childEnv is looper's environment, then Spec.Env, then the LOOPER_*
// variables that tell the agent which attempt it is, then Request.Env;
// later entries win.
func childEnv(spec Spec, req Request) []string {
	env := append(os.Environ(), spec.Env...)
	env = append(env,
		"LOOPER_TASK_ID="+req.TaskID,
		"LOOPER_AGENT_ID="+req.AgentID,
		"LOOPER_ATTEMPT="+strconv.Itoa(req.Attempt),
		"LOOPER_ITERATION="+strconv.Itoa(req.Iteration),
		"LOOPER_LAST_MESSAGE="+req.LastMessagePath,
	)
	if spec.Dialect == DialectGeneric {
		if spec.Model != "" {
			env = append(env, "LOOPER_MODEL="+spec.Model)
		}
		if spec.Reasoning != "" {
			env = append(env, "LOOPER_REASONING="+spec.Reasoning)
		}
	}
	return append(env, req.Env...)
}

// stopReason says whether looper stopped the agent and why: exec calls
// Cancel (terminate) only when the context ended before the leader did.
func (a *attempt) stopReason() (stopReason, string) {
	if a.group.killedAll.Load() {
		return stopKilled, "KillAll (second interrupt)"
	}
	if !a.group.wasTerminated() {
		return stopNone, ""
	}
	cause := context.Cause(a.runCtx)
	switch {
	case errors.Is(cause, errTimeout):
		return stopTimeout, ""
	case errors.Is(cause, errIdle):
		return stopIdle, ""
	case errors.Is(cause, errRetry), errors.Is(cause, errAuth):
		return stopTrouble, ""
	case cause != nil:
		return stopKilled, cause.Error()
	}
	return stopKilled, ""
}

func (a *attempt) writePrompt(prompt string) {
	if prompt != "" && !strings.HasSuffix(prompt, "\n") {
		prompt += "\n"
	}
	_, _ = io.WriteString(a.stdin, prompt) // EPIPE: the agent did not want it
	a.stdin.Close()
}

func (a *attempt) readStdout(p streamParser, spec Spec, em *emitter) {
	lr := newLineReader(a.stdout, spec.MaxLine)
	parsing := true
	for {
		line, truncatedFrom, err := lr.next()
		if err != nil {
			return
		}
		skip := !parsing || (truncatedFrom > 0 && spec.Format != FormatText)
		valid := false
		if skip {
			em.raw(line, "")
		} else {
			valid = em.raw(line, spec.Format)
		}
		if truncatedFrom > 0 {
			em.warn(fmt.Sprintf("%s printed a line of %d bytes, more than max_line (%d); it was truncated and, unless the output is text, skipped", spec.Name, truncatedFrom, spec.MaxLine))
		}
		if skip {
			continue
		}
		var kind lineKind
		kind, parsing = safeLine(p, line, valid, em)
		switch kind {
		case lineProgress:
			a.wd.progressed()
		case lineChatter:
			a.wd.chattering()
		case lineNeutral:
		case lineAuthFailure:
			// Retrying does not heal bad credentials; stop at the first.
			a.cancel(errAuth)
		}
	}
}

// safeLine feeds one line to the parser; a parser panic (a bug, not the
// agent's fault) is reported once and parsing stops, but the output is
// still drained so the agent never blocks.
func safeLine(p streamParser, line []byte, valid bool, em *emitter) (kind lineKind, ok bool) {
	defer func() {
		if r := recover(); r != nil {
			em.send(sinks.Event{Kind: sinks.KindError, Level: slog.LevelError,
				Message: fmt.Sprintf("agent output parser panicked: %v\n%s", r, debug.Stack())})
			kind, ok = lineProgress, false
		}
	}()
	if c, isChecked := p.(interface{ checkedLine([]byte) lineKind }); valid && isChecked {
		return c.checkedLine(line), true
	}
	return p.line(line), true
}

func (a *attempt) readStderr(tail *tailBuffer, spec Spec, em *emitter) {
	lr := newLineReader(a.stderr, spec.MaxLine)
	for {
		line, _, err := lr.next()
		if err != nil {
			return
		}
		tail.add(line)
		em.send(sinks.Event{Kind: sinks.KindStderr, Level: slog.LevelInfo, Message: string(line)})
	}
}

// drain waits for the readers to reach end of file. Once the group is
// gone only a process that escaped it (setsid, double fork) can hold a pipe
// open; a pipe whose reader has waited drainQuiet for a byte is then
// closed so Run can return. A reader that is busy (a slow Emit, a backlog
// of lines) is never cut off.
func (a *attempt) drain(done <-chan struct{}, em *emitter) {
	tick := time.NewTicker(drainQuiet / 4)
	defer tick.Stop()
	closed := map[*pipeReader]bool{}
	for {
		select {
		case <-done:
			a.stdout.f.Close()
			a.stderr.f.Close()
			return
		case <-tick.C:
			for _, p := range []*pipeReader{a.stdout, a.stderr} {
				if !closed[p] && p.waiting() >= drainQuiet {
					closed[p] = true
					em.warn(fmt.Sprintf("the agent's %s is held open by a process outside its process group; stopped reading it", p.name))
					p.f.Close()
				}
			}
		}
	}
}
