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
	"time"

	"github.com/looper-go/looper/internal/proc"
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

	a, err := start(ctx, spec, req, argv, r.Confine, em, codexFile)
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
	started := fmt.Sprintf("started %s (pid %d)", spec.Name, a.p.Pid())
	if a.note != "" {
		started = fmt.Sprintf("started %s (pid %d, %s)", spec.Name, a.p.Pid(), a.note)
	}
	em.send(sinks.Event{Kind: sinks.KindCommand, Level: slog.LevelInfo, Command: shown, Message: started})

	parser := newParser(spec.Format, em.deriving())
	var stderr proc.Tail
	readersDone := make(chan struct{})
	var readers sync.WaitGroup
	readers.Go(func() { a.readStdout(parser, spec, em) })
	readers.Go(func() { a.readStderr(&stderr, spec, em) })
	go func() { readers.Wait(); close(readersDone) }()

	var helpers sync.WaitGroup
	if a.p.Stdin != nil {
		helpers.Go(func() { a.writePrompt(req.Prompt) })
	}
	// The watchdog runs until the agent is stopped or Wait has returned;
	// a late firing changes nothing, Wait has recorded why it ended.
	helpers.Go(func() { a.wd.run(a.p.Context(), a.p.Stop) })

	// Wait stops whatever the agent left behind and reads its pipes to
	// the end.
	ex := a.p.Wait(readersDone, em.warn)
	helpers.Wait()
	stop, detail := stopOf(ex)

	po := procOutcome{stop: stop, stopDetail: detail, exitCode: ex.Code, signal: ex.Signal,
		stderrTail: strings.TrimRight(stderr.String(), "\n")}
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

// attempt is one started agent process and what watches it.
type attempt struct {
	p    *proc.Process
	wd   *watchdog
	note string // how a Confiner confined the process ("" when it did not)
}

// start launches argv in its own process group (proc.Start) with the
// pipes the runner reads. A non-nil confiner rewrites the command first;
// written lists the files outside the working directory the agent writes
// for looper.
func start(ctx context.Context, spec Spec, req Request, argv []string, confiner Confiner, em *emitter, written ...string) (*attempt, error) {
	a := &attempt{wd: newWatchdog(spec.Timeout, spec.IdleTimeout, spec.RetryTimeout)}
	group := proc.NewGroup(spec.Grace)
	command := Command{Agent: spec.Name, Argv: argv, Env: append(childEnv(spec, req), group.Env()), Dir: req.Dir}
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
			group.SpareLeader()
		}
	}
	p, err := proc.Start(ctx, group, proc.Spec{Name: spec.Name, Argv: command.Argv, Dir: command.Dir, Env: command.Env,
		Stdin: spec.promptOnStdin(), Touch: a.wd.touch}, em.warn)
	if err != nil {
		return nil, startError(spec, req, err)
	}
	a.p = p
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

// stopOf says whether looper stopped the agent and why, from how its
// process ended.
func stopOf(ex proc.Exit) (stopReason, string) {
	if ex.KilledAll {
		return stopKilled, "KillAll (second interrupt)"
	}
	if !ex.Stopped {
		return stopNone, ""
	}
	switch cause := ex.Cause; {
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
	_, _ = io.WriteString(a.p.Stdin, prompt) // EPIPE: the agent did not want it
	a.p.Stdin.Close()
}

func (a *attempt) readStdout(p streamParser, spec Spec, em *emitter) {
	lr := newLineReader(a.p.Stdout, spec.MaxLine)
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
			a.p.Stop(errAuth)
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

var newline = []byte{'\n'}

func (a *attempt) readStderr(tail *proc.Tail, spec Spec, em *emitter) {
	lr := newLineReader(a.p.Stderr, spec.MaxLine)
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
