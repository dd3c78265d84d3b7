package agent

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"syscall"
	"time"
)

// stopReason is why looper itself stopped an agent, if it did.
type stopReason int

const (
	stopNone stopReason = iota
	stopKilled
	stopTimeout
	stopIdle
	// stopTrouble: looper stopped an agent stuck retrying its model API
	// (the retry timeout), or at its first authentication failure.
	stopTrouble
)

// outcome is everything classify looks at: how the process ended and what
// its stream said.
type outcome struct {
	name     string
	format   Format
	startErr error
	stop     stopReason
	// stopDetail says who stopped it (the context's cause, KillAll).
	stopDetail string
	exitCode   int
	signal     syscall.Signal
	t          *transcript
	stderrTail string
	timeout    time.Duration
	idle       time.Duration
	retry      time.Duration
	now        time.Time
	// api is the model API the agent talks to, named in run-level errors.
	api endpoint
	// version is the CLI's version, when the preflight learned it.
	version string
}

// verdict is the class of an attempt before the contract is checked:
// classOK here means "the agent finished; now look for the summary".
type verdict struct {
	class   Class
	err     string
	resetAt time.Time
}

// classify applies the decision table of doc.go, first match wins.
func classify(o outcome) verdict {
	t := o.t
	if t == nil {
		t = &transcript{}
	}
	switch {
	case o.startErr != nil:
		return verdict{class: ClassCrashed, err: o.startErr.Error()}
	case o.stop == stopKilled:
		return verdict{class: ClassKilled, err: "stopped by looper: " + cmp.Or(o.stopDetail, "cancelled")}
	case o.stop == stopTimeout:
		return verdict{class: ClassTimeout, err: fmt.Sprintf("%s ran longer than its timeout of %s (raise timeout in [agents.%s])", o.name, o.timeout, o.name)}
	case o.stop == stopIdle:
		return verdict{class: ClassIdleTimeout, err: fmt.Sprintf("%s printed nothing for %s (idle_timeout in [agents.%s])", o.name, o.idle, o.name)}
	case o.stop == stopTrouble:
		return troubleVerdict(o, t)
	}

	streamed := o.format != FormatText
	failed := t.term == terminalFailure || o.exitCode != 0 || o.signal != 0 || (streamed && t.term == terminalNone)
	if !failed {
		return verdict{class: ClassOK}
	}
	hints := slices.Clone(t.hints)
	if o.stderrTail != "" {
		hints = append(hints, o.stderrTail)
	}
	if !streamed && t.final != "" {
		tail := t.final
		if len(tail) > 2048 {
			tail = tail[len(tail)-2048:]
		}
		hints = append(hints, tail)
	}
	detail := cmp.Or(t.failMsg, lastLine(o.stderrTail))
	if t.maxTurns {
		return verdict{class: ClassMaxTurns, err: fmt.Sprintf("%s stopped at its turn limit: %s", o.name, cmp.Or(t.failMsg, "error_max_turns"))}
	}
	// The newest message that names a rate limit or an auth failure decides;
	// the stream's structured tags decide when no message does.
	var limited, auth bool
	var msg string
	for i := len(hints) - 1; i >= 0 && !limited && !auth; i-- {
		limited, auth, msg = mentionsRateLimit(hints[i]), mentionsAuth(hints[i]), hints[i]
	}
	if !limited && !auth {
		msg = detail
		limited = t.rateLimited || t.errorKind == "rate_limit" || t.errorStatus == 429
		auth = !limited && (t.errorKind == "authentication_failed" || t.errorStatus == 401 || t.errorStatus == 403)
	}
	if !limited && !auth {
		// Overloaded and unreachable come after the limits: "529" and a
		// connection error are what a CLI says when it gives up retrying.
		retrying := t.trouble.retries > 0 // the CLI gave up in the middle of retries
		switch {
		case (retrying && t.trouble.kind == troubleUnreachable) || anyHint(hints, unreachableRE.MatchString):
			return verdict{class: ClassUnreachable, err: fmt.Sprintf("%s cannot reach its model API at %s: %s; %s",
				o.name, o.api.url, oneLine(clip(cmp.Or(detail, t.trouble.detail, "no answer"), 300)), o.api.reachFix())}
		case retrying && t.trouble.kind == troubleServer:
			return verdict{class: ClassUnreachable, err: fmt.Sprintf("%s's model API at %s failed on every retry (%s): the provider is failing; %s",
				o.name, o.api.url, oneLine(clip(cmp.Or(detail, t.trouble.detail), 300)), o.api.reachFix())}
		case t.errorStatus == 529 || t.errorKind == "overloaded" || anyHint(hints, overloadedRE.MatchString):
			return verdict{class: ClassOverloaded, err: fmt.Sprintf("%s's provider is overloaded: %s", o.name, oneLine(clip(cmp.Or(detail, "overloaded"), 500)))}
		}
	}
	if limited {
		v := verdict{class: ClassRateLimited, resetAt: t.resetAt}
		for i := len(hints) - 1; i >= 0 && v.resetAt.IsZero(); i-- {
			v.resetAt, _ = parseResetAt(hints[i], o.now)
		}
		v.err = fmt.Sprintf("%s is rate limited: %s", o.name, oneLine(clip(cmp.Or(msg, "rate limit reached"), 500)))
		if !v.resetAt.IsZero() {
			v.err += "; resets at " + v.resetAt.Format(time.RFC3339)
		}
		return v
	}
	if auth {
		return verdict{class: ClassAuth, err: fmt.Sprintf("%s cannot authenticate: %s; %s", o.name, oneLine(clip(cmp.Or(msg, "authentication failed"), 500)), o.api.authFix(o.name))}
	}
	switch {
	case t.term == terminalFailure:
		return verdict{class: ClassAgentError, err: fmt.Sprintf("%s reported an error: %s", o.name, oneLine(clip(cmp.Or(detail, "unknown error"), 500)))}
	case !streamed && o.signal == 0:
		return verdict{class: ClassAgentError, err: withDetail(fmt.Sprintf("%s exited with status %d", o.name, o.exitCode), lastLine(o.stderrTail))}
	case o.signal != 0:
		return verdict{class: ClassCrashed, err: withDetail(fmt.Sprintf("%s was killed by signal %s", o.name, signalName(o.signal)), lastLine(o.stderrTail))}
	case o.exitCode != 0 && t.term == terminalNone:
		return verdict{class: ClassCrashed, err: withDetail(fmt.Sprintf("%s exited with status %d without a result", o.name, o.exitCode), lastLine(o.stderrTail)+rootHint(o.stderrTail))}
	case t.term == terminalNone && len(t.unknown) > 0:
		return verdict{class: ClassAgentError, err: fmt.Sprintf("unrecognised output from %s: no result among %d lines; events it did not know: %s (a newer CLI than looper reads? see looper doctor)",
			strings.TrimSpace(o.name+" "+o.version), t.lines, strings.Join(t.unknown, ", "))}
	case t.term == terminalNone:
		return verdict{class: ClassAgentError, err: fmt.Sprintf("%s exited without a result event (truncated output?)", o.name)}
	default: // success reported, non-zero exit
		return verdict{class: ClassAgentError, err: withDetail(fmt.Sprintf("%s exited with status %d after reporting success", o.name, o.exitCode), lastLine(o.stderrTail))}
	}
}

// troubleVerdict classifies an attempt looper stopped because the agent did
// nothing but retry its model API (or failed to authenticate), from what
// the retry notices said.
func troubleVerdict(o outcome, t *transcript) verdict {
	tr := t.trouble
	detail := cmp.Or(tr.detail, "no detail")
	switch tr.kind {
	case troubleAuth:
		return verdict{class: ClassAuth, err: fmt.Sprintf("%s cannot authenticate with its model API at %s (%s); %s",
			o.name, o.api.url, detail, o.api.authFix(o.name))}
	case troubleLimited:
		v := verdict{class: ClassRateLimited, err: fmt.Sprintf("%s is rate limited: %d retries in %s (%s)", o.name, tr.retries, o.retry, detail)}
		if tr.delay > 0 {
			v.resetAt = o.now.Add(tr.delay)
		}
		return v
	case troubleOverloaded:
		return verdict{class: ClassOverloaded, err: fmt.Sprintf("%s's provider is overloaded: %d retries in %s (%s)", o.name, tr.retries, o.retry, detail)}
	case troubleServer:
		return verdict{class: ClassUnreachable, err: fmt.Sprintf("%s's model API at %s failed on every retry for %s (%s); the provider is failing: %s",
			o.name, o.api.url, o.retry, detail, o.api.reachFix())}
	}
	return verdict{class: ClassUnreachable, err: fmt.Sprintf("%s cannot reach its model API at %s: only retries for %s (%s); %s",
		o.name, o.api.url, o.retry, detail, o.api.reachFix())}
}

// anyHint reports whether any hint matches.
func anyHint(hints []string, match func(string) bool) bool {
	return slices.ContainsFunc(hints, match)
}

func withDetail(msg, detail string) string {
	if detail == "" {
		return msg
	}
	return msg + ": " + clip(detail, 500)
}

// rootHint explains the one startup refusal users meet most: Claude Code
// will not bypass permissions as root.
func rootHint(stderr string) string {
	if strings.Contains(stderr, "cannot be used with root/sudo privileges") {
		return " (looper passes --dangerously-skip-permissions when permission_mode is unset; set permission_mode for this agent, or IS_SANDBOX=1 in its env inside a sandbox)"
	}
	return ""
}

func lastLine(s string) string {
	s = strings.TrimRight(s, "\r\n\t ")
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		s = s[i+1:]
	}
	return strings.TrimSpace(s)
}

func signalName(s syscall.Signal) string {
	name := s.String()
	switch s {
	case syscall.SIGKILL:
		return "SIGKILL (" + name + ")"
	case syscall.SIGTERM:
		return "SIGTERM (" + name + ")"
	case syscall.SIGSEGV:
		return "SIGSEGV (" + name + ")"
	}
	return name
}
