package agent

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/looper-go/looper/internal/proc"
	"github.com/looper-go/looper/internal/runner"
	"github.com/looper-go/looper/sinks"
)

// Runner runs agent attempts. The zero value is ready to use and drops
// events.
type Runner struct {
	// Emit receives the events of the attempts whose Request has no
	// Events stream (a Runner used on its own; looper's stages always give
	// the run's stream). Calls for one attempt are serialised and in order,
	// but attempts running at the same time call it concurrently, so it
	// must be safe for concurrent use. It should not block for long: while
	// it blocks, the agent's output is not read.
	Emit func(sinks.Event)
	// Confine, when set, may rewrite each attempt's command before it
	// starts (internal/sandbox wraps it in bwrap); nil runs it as it is.
	// It applies to agents run as local processes only.
	Confine Confiner
	// Place is where attempts at tasks run (an ssh host pool, a container
	// engine); nil runs them as local processes (Local). The passes over
	// the whole project (review, bootstrap, repair: requests without a
	// TaskID) always run locally, in the project root.
	Place runner.Runner
}

// emit is where the events of req's attempt go: the run's stream when
// the request names one, else Emit.
func (r *Runner) emit(req Request) func(sinks.Event) {
	if req.Events != nil {
		return func(e sinks.Event) { req.Events.Send(e) }
	}
	return r.Emit
}

// Run runs one attempt of spec for req and returns its classified result.
// It returns only when the agent's process group is gone and all its output
// has been read. It never panics because of what the agent does: every
// failure, including a binary that does not exist, is a Result.
func (r *Runner) Run(ctx context.Context, spec Spec, req Request) Result {
	begin := time.Now()
	spec = spec.resolved()
	em := newEmitter(r.emit(req), req)
	res := Result{ExitCode: -1}
	if err := spec.Validate(); err != nil {
		res.Class, res.Err = ClassCrashed, err.Error()
		em.send(sinks.Event{Kind: sinks.KindError, Level: slog.LevelError, Message: res.Err})
		return res
	}
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

	a, err := r.start(ctx, spec, req, argv, codexFile)
	if err != nil {
		if ctx.Err() != nil {
			res.Class, res.Err = ClassKilled, "stopped by looper before the agent started: "+context.Cause(ctx).Error()
		} else if lost, ok := errors.AsType[*runner.LostError](err); ok {
			res.Class, res.Err = ClassLost, lost.Error()
		} else {
			res.Class, res.Err = ClassCrashed, err.Error()
		}
		res.Duration = time.Since(begin)
		em.send(sinks.Event{Kind: sinks.KindError, Level: slog.LevelError, Command: shown, Message: res.Err, Class: string(res.Class)})
		return res
	}
	started := fmt.Sprintf("started %s (%s)", spec.Name, a.p.Describe())
	if a.note != "" {
		started = fmt.Sprintf("started %s (%s, %s)", spec.Name, a.p.Describe(), a.note)
	}
	em.send(sinks.Event{Kind: sinks.KindCommand, Level: slog.LevelInfo, Command: shown, Message: started})

	// A stdout line's events, its own and those parsed from it, carry the
	// time it was read: one clock reading a line, not one an event.
	out := em.stampedBy(func() time.Time { return a.lineAt })
	parser := newParser(spec.Format, out.deriving())
	var stderr proc.Tail
	readersDone := make(chan struct{})
	var readers sync.WaitGroup
	readers.Go(func() { a.readStdout(parser, spec, out) })
	readers.Go(func() { a.readStderr(&stderr, spec, em) })
	go func() { readers.Wait(); close(readersDone) }()

	var helpers sync.WaitGroup
	// The watchdog runs until the agent is stopped or Wait has returned; a
	// late firing changes nothing, Wait has recorded how it ended. The
	// attempt's context ending (the watchdog, Ctrl-C, fail_fast) starts the
	// runner's escalation.
	ended := make(chan struct{})
	helpers.Go(func() { a.wd.run(a.runCtx, a.cancel) })
	helpers.Go(func() {
		select {
		case <-a.runCtx.Done():
			a.p.Stop()
		case <-ended:
		}
	})
	register(a.p)
	var ex runner.Exit
	if a.local != nil {
		ex = a.local.waitRead(readersDone) // proc's Wait drains its own pipes
	} else {
		ex = a.p.Wait()
	}
	close(ended)
	unregister(a.p)
	for _, w := range ex.Warnings {
		em.warn(w)
	}
	// The agent is gone; finish reading its streams.
	a.drain(readersDone, em)
	a.cancel(nil)
	helpers.Wait()
	stop, detail := a.stopOf(ex)

	po := procOutcome{stop: stop, stopDetail: detail, exitCode: ex.Code, signal: ex.Signal,
		stderrTail: strings.TrimRight(stderr.String(), "\n")}
	if codexFile != "" {
		if b, err := os.ReadFile(codexFile); err == nil {
			po.lastMessage = string(b)
		}
	}
	res = conclude(spec, req, parser.result(), po, time.Now())
	if ex.Lost != "" && stop == stopNone {
		// The place failed, not the agent: what it printed says nothing.
		res = Result{Class: ClassLost, Err: ex.Lost, ExitCode: ex.Code, StderrTail: po.stderrTail, Usage: res.Usage, SessionID: res.SessionID}
	}
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

// attempt is one started agent and what watches it.
type attempt struct {
	p      runner.Process
	local  *localProcess // p when it runs here with the pipes read directly
	stdout *stream
	stderr *stream
	wd     *watchdog
	runCtx context.Context
	cancel context.CancelCauseFunc
	note   string    // how a Confiner or the runner placed the process ("" when neither said)
	lineAt time.Time // when readStdout read the line it is handling
}

// start builds the attempt's command and starts it where r runs attempts:
// locally in its own process group (proc.Start), after a non-nil Confine
// rewrote it, or with Place. written lists the files outside the working
// directory the agent writes for looper.
func (r *Runner) start(ctx context.Context, spec Spec, req Request, argv []string, written ...string) (*attempt, error) {
	a := &attempt{wd: newWatchdog(spec.Timeout, spec.IdleTimeout, spec.RetryTimeout)}
	own := ownEnv(spec, req)
	command := Command{Agent: spec.Name, Argv: argv, Env: append(os.Environ(), own...), Own: own, Dir: req.Dir, Grace: spec.Grace}
	if spec.promptOnStdin() {
		prompt := req.Prompt
		if prompt != "" && !strings.HasSuffix(prompt, "\n") {
			prompt += "\n"
		}
		command.Stdin = []byte(prompt)
	}
	for _, f := range written {
		if f != "" {
			command.Writes = append(command.Writes, f)
		}
	}
	a.runCtx, a.cancel = context.WithCancelCause(ctx)
	var p runner.Process
	var err error
	if r.Place != nil && req.TaskID != "" {
		p, err = r.Place.Start(a.runCtx, command)
	} else {
		group := proc.NewGroup(spec.Grace)
		command.Env = append(command.Env, group.Env())
		if r.Confine != nil {
			c, cerr := r.Confine.Confine(command)
			if cerr != nil {
				a.cancel(nil)
				return nil, fmt.Errorf("start %s: %w", spec.Name, cerr)
			}
			command = c
			if c.SpareLeader {
				group.SpareLeader()
			}
		}
		var lp *localProcess
		if lp, err = startLocal(a.runCtx, group, command, true); err == nil {
			p, a.local = lp, lp
		}
	}
	if err != nil {
		a.cancel(nil)
		if _, lost := errors.AsType[*runner.LostError](err); lost {
			return nil, err
		}
		return nil, startError(spec, req, err)
	}
	a.p, a.note = p, command.Note
	a.stdout = &stream{name: "stdout", r: p.Stdout(), touch: a.wd.touch}
	a.stderr = &stream{name: "stderr", r: p.Stderr(), touch: a.wd.touch}
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

// childEnv is looper's environment, then ownEnv; later entries win.
func childEnv(spec Spec, req Request) []string {
	return append(os.Environ(), ownEnv(spec, req)...)
}

// ownEnv is what looper sets for an attempt: Spec.Env, then the LOOPER_*
// variables that tell the agent which attempt it is, then Request.Env.
func ownEnv(spec Spec, req Request) []string {
	env := append([]string(nil), spec.Env...)
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

// stopOf says whether looper stopped the agent and why, from how it ended
// and why the attempt's context ended.
func (a *attempt) stopOf(ex runner.Exit) (stopReason, string) {
	if ex.Killed {
		return stopKilled, "KillAll (second interrupt)"
	}
	if !ex.Stopped {
		return stopNone, ""
	}
	switch cause := context.Cause(a.runCtx); {
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

func (a *attempt) readStdout(p streamParser, spec Spec, em *emitter) {
	lr := newLineReader(a.stdout, spec.MaxLine)
	var tape jsonTape // the line's structure, found once for the run log and the parser
	parsing := true
	for {
		line, truncatedFrom, err := lr.next()
		if err != nil {
			return
		}
		a.lineAt = time.Now()
		skip := !parsing || (truncatedFrom > 0 && spec.Format != FormatText)
		var checked *jsonTape
		if skip {
			em.raw(line, "", false)
		} else {
			if spec.Format != FormatText && spec.Format != "" && isJSONLine(line, &tape) {
				checked = &tape
			}
			em.raw(line, spec.Format, checked != nil)
		}
		if truncatedFrom > 0 {
			em.warn(fmt.Sprintf("%s printed a line of %d bytes, more than max_line (%d); it was truncated and, unless the output is text, skipped", spec.Name, truncatedFrom, spec.MaxLine))
		}
		if skip {
			continue
		}
		var kind lineKind
		kind, parsing = safeLine(p, line, checked, em)
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
// still drained so the agent never blocks. checked is the line's tape when
// the caller found it valid JSON (nil otherwise).
func safeLine(p streamParser, line []byte, checked *jsonTape, em *emitter) (kind lineKind, ok bool) {
	defer func() {
		if r := recover(); r != nil {
			em.send(sinks.Event{Kind: sinks.KindError, Level: slog.LevelError,
				Message: fmt.Sprintf("agent output parser panicked: %v\n%s", r, debug.Stack())})
			kind, ok = lineProgress, false
		}
	}()
	if c, isChecked := p.(interface {
		checkedLine([]byte, *jsonTape) lineKind
	}); checked != nil && isChecked {
		return c.checkedLine(line, checked), true
	}
	return p.line(line), true
}

var newline = []byte{'\n'}

func (a *attempt) readStderr(tail *proc.Tail, spec Spec, em *emitter) {
	lr := newLineReader(a.stderr, spec.MaxLine)
	for {
		line, _, err := lr.next()
		if err != nil {
			return
		}
		_, _ = tail.Write(line)
		_, _ = tail.Write(newline)
		em.send(sinks.Event{Kind: sinks.KindStderr, Level: slog.LevelInfo, Message: string(line)})
	}
}
