package fakeagent

import (
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

// agent is one run of the fake.
type agent struct {
	rc      runContext
	opts    options
	sc      Scenario
	dialect string
	stdout  io.Writer
	stderr  io.Writer
	out     *lineOut
	prompt  string
	start   time.Time
	sigs    chan os.Signal
	rng     *rand.Rand
	d       dialectWriter

	files      []string // files written, as given
	added      int      // tasks appended to the backlog
	lastText   string
	terminated bool // the turn's end was written
	failed     bool // … as a failure
	turns      int

	// exit is the run's explicit stop value: once set (by a signal, a dead
	// stdout, an exit step, the turn limit), output is dropped, pauses
	// return at once and run returns exit.code after the current step, so
	// the interpreter unwinds by returning, never by panicking.
	exit *stopValue
}

// stopValue is how a stopped run ends.
type stopValue struct{ code int }

// stop ends the run with code; the first stop wins.
func (a *agent) stop(code int) {
	if a.exit == nil {
		a.exit = &stopValue{code: code}
	}
}

// stopped reports whether the run has been stopped.
func (a *agent) stopped() bool { return a.exit != nil }

// dialectWriter renders the scenario's actions in one CLI's stream format.
type dialectWriter interface {
	begin()
	text(s string)
	reasoning(s string)
	tool(t ToolStep)
	command(cmd, output string, exitCode int)
	fileChange(abs string, content string, created bool)
	// success writes final as the agent's last message and ends the turn.
	success(final string, say bool)
	fail(msg, subtype string)
	rateLimit(reset time.Time)
	auth(msg string)
	maxTurns(turns int) error
	hugeLine(n int)
	floodLine(i int)
	malformed()
	// end is called once before exit (claude's json/text output formats
	// print their document here).
	end()
}

// run interprets the scenario's steps and returns the exit status.
func (a *agent) run() int {
	if a.dialect == "claude" {
		a.d = newClaudeWriter(a)
	} else {
		a.d = newCodexWriter(a)
	}
	a.d.begin()
	for _, st := range a.sc.Steps {
		if a.step(st); a.stopped() {
			return a.exit.code
		}
	}
	if !a.terminated {
		a.d.success(a.lastText, false)
	}
	a.d.end()
	a.out.flush(true)
	if a.stopped() { // stdout died or a signal came while finishing
		return a.exit.code
	}
	code := 0
	if a.failed {
		code = 1
	}
	if a.sc.Exit != nil {
		code = *a.sc.Exit
	}
	return code
}

// expand fills {task} and {mode} in scenario strings.
func (a *agent) expand(s string) string {
	return strings.NewReplacer("{task}", a.rc.taskID, "{mode}", a.rc.mode).Replace(s)
}

// turnActions are the actions that count as one of the agent's turns.
var turnActions = map[string]bool{
	"tool": true, "command": true, "write_file": true, "git_commit": true, "shell": true,
	"daemon": true, "append_tasks": true, "set_status": true,
}

// step performs one action; an action that ends the run stops it (see
// agent.exit).
func (a *agent) step(st Step) {
	action, _ := st.action()
	if turnActions[action] && !a.turn() {
		return
	}
	switch action {
	case "sleep_ms":
		a.pause(time.Duration(*st.SleepMS) * time.Millisecond)
	case "text":
		t := a.expand(*st.Text)
		a.d.text(t)
		a.lastText = t
	case "reasoning":
		a.d.reasoning(a.expand(*st.Reasoning))
	case "tool":
		a.d.tool(*st.Tool)
	case "command":
		a.d.command(a.expand(st.Command.Cmd), a.expand(st.Command.Output), st.Command.ExitCode)
	case "write_file":
		a.writeFile(a.expand(st.WriteFile.Path), a.expand(st.WriteFile.Content))
	case "git_commit":
		a.gitCommit(a.expand(st.GitCommit.Message))
	case "shell":
		a.shell(a.expand(*st.Shell))
	case "daemon":
		a.daemon(*st.Daemon)
	case "append_tasks":
		a.appendTasks(st.AppendTasks)
	case "set_status":
		a.setStatus(a.expand(st.SetStatus.Task), st.SetStatus.Status)
	case "summary":
		a.d.success(a.summaryText(*st.Summary), true)
		a.terminated = true
	case "final":
		a.d.success(a.expand(*st.Final), true)
		a.terminated = true
	case "fail":
		a.d.fail(cmpOr(a.expand(st.Fail.Message), "the fake agent failed"), st.Fail.Subtype)
		a.terminated, a.failed = true, true
	case "rate_limit":
		secs := st.RateLimit.ResetsInS
		if secs <= 0 {
			secs = 3600
		}
		a.d.rateLimit(time.Now().Add(time.Duration(secs) * time.Second).Truncate(time.Second))
		a.terminated, a.failed = true, true
	case "auth":
		a.d.auth(a.expand(st.Auth.Message))
		a.terminated, a.failed = true, true
	case "max_turns":
		n := st.MaxTurns.Turns
		if n <= 0 {
			n = max(a.opts.maxTurns, 1)
		}
		if err := a.d.maxTurns(n); err != nil {
			fmt.Fprintf(a.stderr, "fakeagent: %v\n", err)
			a.out.flush(false)
			a.stop(2)
			return
		}
		a.terminated, a.failed = true, true
	case "stderr":
		a.writeStderr(a.expand(*st.Stderr))
	case "raw":
		if st.NoNewline {
			a.out.partial([]byte(a.expand(*st.Raw)))
		} else {
			a.out.line([]byte(a.expand(*st.Raw)))
		}
	case "huge_line":
		a.d.hugeLine(*st.HugeLine)
	case "flood":
		for i := range *st.Flood {
			if a.checkSignal(); a.stopped() {
				return
			}
			a.d.floodLine(i + 1)
		}
	case "malformed":
		a.d.malformed()
	case "hang":
		a.out.flush(false)
		for !a.stopped() {
			a.pause(time.Hour)
		}
	case "background":
		a.background(st.Background)
	case "exit":
		a.out.flush(false)
		a.stop(*st.Exit)
	case "signal":
		a.out.flush(false)
		sig := map[string]syscall.Signal{"KILL": syscall.SIGKILL, "SEGV": syscall.SIGSEGV, "TERM": syscall.SIGTERM, "ABRT": syscall.SIGABRT}[strings.TrimPrefix(strings.ToUpper(st.Signal), "SIG")]
		if sig == 0 {
			sig = syscall.SIGKILL
		}
		signal.Reset(sig)
		_ = syscall.Kill(os.Getpid(), sig)
		for !a.stopped() {
			a.pause(time.Hour) // the signal arrives and ends the process
		}
	case "replay":
		a.replay(*st.Replay)
		a.terminated = true
	}
}

// turn counts an agent turn (a tool call) and reports whether the agent
// may take it: claude's --max-turns ends the run with error_max_turns when
// it is exceeded, as the real CLI does, before the tool runs.
func (a *agent) turn() bool {
	a.turns++
	if a.dialect == "claude" && a.opts.maxTurns > 0 && a.turns > a.opts.maxTurns {
		_ = a.d.maxTurns(a.opts.maxTurns)
		a.d.end()
		a.out.flush(true)
		a.stop(1)
		return false
	}
	return true
}

// pause sleeps for d; SIGTERM (unless ignored) or SIGINT stops the run
// and ends the pause. A stopped run does not pause.
func (a *agent) pause(d time.Duration) {
	if d <= 0 || a.stopped() {
		a.checkSignal()
		return
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	for !a.stopped() {
		select {
		case <-timer.C:
			return
		case s := <-a.sigs:
			a.onSignal(s)
		}
	}
}

// checkSignal handles the signals that have arrived, without waiting.
func (a *agent) checkSignal() {
	for {
		select {
		case s := <-a.sigs:
			a.onSignal(s)
		default:
			return
		}
	}
}

func (a *agent) onSignal(s os.Signal) {
	if s == syscall.SIGTERM && a.sc.OnSigterm == "ignore" {
		a.record(map[string]any{"event": "signal", "signal": s.String(), "ignored": true})
		fmt.Fprintln(a.stderr, "fakeagent: ignoring SIGTERM")
		return
	}
	code := 143
	if s == syscall.SIGINT {
		code = 130
	}
	if !a.stopped() {
		a.record(map[string]any{"event": "signal", "signal": s.String()})
	}
	a.stop(code)
}
