package agent

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/looper-go/looper/internal/proc"
)

// Dialect names the command-line conventions of an agent CLI: which flags
// turn on streaming output, how the prompt is passed and which stream
// format comes back.
type Dialect string

// The dialects the runner knows.
const (
	// DialectClaude is Claude Code: `claude -p --output-format stream-json
	// --verbose`, prompt on stdin.
	DialectClaude Dialect = "claude"
	// DialectCodex is the Codex CLI: `codex exec --json … -`, prompt on stdin.
	DialectCodex Dialect = "codex"
	// DialectGeneric is any other command: Binary and Args exactly as
	// configured, the prompt on stdin or as the last argument, the output
	// read in the configured Format.
	DialectGeneric Dialect = "generic"
)

// Format names the shape of an agent's standard output, which decides how
// it is parsed into events and a result.
type Format string

// The output formats the runner parses.
const (
	// FormatClaude is Claude Code's stream-json (also spoken by Amp).
	FormatClaude Format = "claude"
	// FormatCodex is `codex exec --json` JSONL.
	FormatCodex Format = "codex"
	// FormatText is plain text: every line is agent text and the whole
	// output is searched for the summary.
	FormatText Format = "text"
)

// Defaults applied to zero Spec fields.
const (
	// DefaultTimeout bounds one attempt, as upstream looper did.
	DefaultTimeout = 30 * time.Minute
	// DefaultRetryTimeout bounds how long an agent may do nothing but retry
	// its model API: two minutes covers a network blip and Claude Code's
	// first eight backoff steps, and stays inside the three minutes after
	// which a night run should have said the API is unreachable.
	DefaultRetryTimeout = 2 * time.Minute
	// DefaultGrace is how long an agent's process group gets between
	// SIGTERM and SIGKILL: the grace every command looper runs gets.
	DefaultGrace = proc.DefaultGrace
	// DefaultMaxLine is the longest output line kept whole; longer lines are
	// truncated with a warning.
	DefaultMaxLine = 16 << 20
	// DefaultCodexSandbox is the sandbox passed to codex when none is
	// configured: the agent must be able to edit its working tree.
	DefaultCodexSandbox = "workspace-write"
	// DefaultCodexApproval is the approval policy passed to codex when none
	// is configured: nobody is there to approve anything.
	DefaultCodexApproval = "never"
)

// Values the codex CLI accepts for --sandbox and approval_policy, and
// Claude Code for --permission-mode. claudePermModes is the list Claude
// Code 2.1.328 accepts; it rejects "delegate" (exit 1), which older
// versions had.
var (
	codexSandboxes  = []string{"read-only", "workspace-write", "danger-full-access"}
	codexApprovals  = []string{"untrusted", "on-failure", "on-request", "never"}
	claudePermModes = []string{"acceptEdits", "auto", "bypassPermissions", "default", "dontAsk", "manual", "plan"}
)

// ClaudePermissionModes returns the values Claude Code accepts for
// --permission-mode, so that the config package's key table can be checked
// against the list Validate enforces.
func ClaudePermissionModes() []string { return slices.Clone(claudePermModes) }

// Spec describes how to run one configured agent: which binary, which
// dialect, which model and flags, and the limits of one attempt. It is built
// by the config package from `[agents.<name>]` and the CLAUDE_*/CODEX_*
// variables; the zero values of its optional fields select the documented
// defaults.
type Spec struct {
	// Name is the agent's configured name ("claude", "codex", "amp", …); it
	// names the agent in events and errors.
	Name string
	// Dialect selects the command-line conventions. Empty means: inferred
	// from Name, then from the base name of Binary ("claude", "codex"),
	// else generic.
	Dialect Dialect
	// Binary is the executable (looked up in PATH when it has no slash).
	// Empty means "claude" or "codex" for those dialects; generic needs one.
	Binary string
	// Model is passed as --model (claude) or -m (codex); for generic agents
	// it is exported as LOOPER_MODEL.
	Model string
	// Reasoning is the codex reasoning effort (-c model_reasoning_effort);
	// for generic agents it is exported as LOOPER_REASONING. Claude has no
	// such flag, so a claude Spec with Reasoning is invalid.
	Reasoning string
	// Args are extra arguments, appended after the dialect's own flags.
	Args []string
	// PermissionMode is claude's --permission-mode. Empty passes
	// --dangerously-skip-permissions, as upstream looper did (unless Args
	// already choose a permission flag).
	PermissionMode string
	// Sandbox is codex's --sandbox; empty means DefaultCodexSandbox (unless
	// Args already choose a sandbox flag).
	Sandbox string
	// Approval is codex's approval_policy; empty means DefaultCodexApproval
	// (unless Args already set approval_policy).
	Approval string
	// Format is how a generic agent's output is read; empty means text.
	// Claude and codex always use their own format.
	Format Format
	// PromptArg passes a generic agent's prompt as the last argument instead
	// of on stdin (stdin is then empty).
	PromptArg bool
	// Env holds extra KEY=VALUE pairs for the child, applied over looper's
	// own environment.
	Env []string
	// Timeout bounds the whole attempt: 0 means DefaultTimeout, negative
	// means no limit.
	Timeout time.Duration
	// IdleTimeout stops an attempt that printed nothing (stdout or stderr)
	// for this long; 0 or negative means no idle limit.
	IdleTimeout time.Duration
	// Grace is the time between SIGTERM and SIGKILL: 0 means DefaultGrace,
	// negative means SIGKILL at once.
	Grace time.Duration
	// RetryTimeout stops an attempt whose only output, for this long, is
	// the CLI's own retry or reconnect notices (its model API failing or
	// unreachable): such chatter is not progress. 0 means
	// DefaultRetryTimeout, negative means no limit. An authentication
	// failure stops the attempt at its first notice whatever this is.
	RetryTimeout time.Duration
	// Version is the agent CLI's version number as its --version printed
	// it ("0.169.0", set by the preflight), named when its output cannot be
	// understood. Empty: unknown.
	Version string
	// MaxLine is the longest output line kept whole, in bytes: 0 means
	// DefaultMaxLine.
	MaxLine int
	// Price is what the agent's model costs, for agents that report tokens
	// but no cost (codex): the runner estimates the attempt's cost from it
	// and marks it as an estimate. Nil: no estimate.
	Price *Price
}

// resolved returns s with the dialect inferred, the binary and format
// defaulted and the limits filled in, so the rest of the runner never looks
// durationOr reads a Spec duration: 0 means def, a negative value means
// none (0).
func durationOr(v, def time.Duration) time.Duration {
	switch {
	case v == 0:
		return def
	case v < 0:
		return 0
	}
	return v
}

// at a zero value.
func (s Spec) resolved() Spec {
	if s.Dialect == "" {
		s.Dialect = inferDialect(s.Name, s.Binary)
	}
	if s.Binary == "" {
		switch s.Dialect {
		case DialectClaude:
			s.Binary = "claude"
		case DialectCodex:
			s.Binary = "codex"
		}
	}
	if s.Name == "" {
		s.Name = string(s.Dialect)
		if s.Dialect == DialectGeneric && s.Binary != "" {
			s.Name = filepath.Base(s.Binary)
		}
	}
	switch s.Dialect {
	case DialectClaude:
		if s.Format == "" {
			s.Format = FormatClaude
		}
	case DialectCodex:
		if s.Format == "" {
			s.Format = FormatCodex
		}
	default:
		if s.Format == "" {
			s.Format = FormatText
		}
	}
	s.Timeout = durationOr(s.Timeout, DefaultTimeout)
	s.RetryTimeout = durationOr(s.RetryTimeout, DefaultRetryTimeout)
	s.IdleTimeout = durationOr(s.IdleTimeout, 0)
	s.Grace = durationOr(s.Grace, DefaultGrace)
	if s.MaxLine <= 0 {
		s.MaxLine = DefaultMaxLine
	}
	return s
}

func inferDialect(name, binary string) Dialect {
	for _, n := range []string{strings.ToLower(name), strings.ToLower(strings.TrimSuffix(filepath.Base(binary), ".exe"))} {
		switch n {
		case "claude":
			return DialectClaude
		case "codex":
			return DialectCodex
		}
	}
	return DialectGeneric
}

// Validate reports a Spec whose options cannot act: an unknown dialect or
// format, a generic agent without a binary, an option that belongs to
// another dialect, or a sandbox/approval/permission value the CLI would
// reject. The config package calls it so the user sees the mistake before
// any agent runs; Run calls it too.
func (s Spec) Validate() error {
	r := s.resolved()
	name := r.Name
	fail := func(format string, args ...any) error {
		return fmt.Errorf("agent %q: %s", name, fmt.Sprintf(format, args...))
	}
	switch r.Dialect {
	case DialectClaude, DialectCodex, DialectGeneric:
	default:
		return fail("unknown dialect %q; use claude, codex or generic", r.Dialect)
	}
	switch r.Format {
	case FormatClaude, FormatCodex, FormatText:
	default:
		return fail("unknown format %q; use claude, codex or text", r.Format)
	}
	if r.Dialect != DialectGeneric && string(r.Format) != string(r.Dialect) {
		return fail("format %q does not apply to the %s dialect (it always reads its own format); remove format", r.Format, r.Dialect)
	}
	if r.Binary == "" {
		return fail("a generic agent needs a binary")
	}
	if r.PromptArg && r.Dialect != DialectGeneric {
		return fail("prompt_format = \"arg\" applies to generic agents only; %s always reads the prompt from stdin", r.Dialect)
	}
	if r.Dialect == DialectClaude && r.Reasoning != "" {
		return fail("claude has no reasoning-effort flag; remove reasoning or pass the flag in args")
	}
	if r.PermissionMode != "" {
		if r.Dialect != DialectClaude {
			return fail("permission_mode applies to claude only")
		}
		if !slices.Contains(claudePermModes, r.PermissionMode) {
			return fail("permission_mode %q is not one of %s", r.PermissionMode, strings.Join(claudePermModes, ", "))
		}
	}
	if r.Sandbox != "" {
		if r.Dialect != DialectCodex {
			return fail("sandbox applies to codex only")
		}
		if !slices.Contains(codexSandboxes, r.Sandbox) {
			return fail("sandbox %q is not one of %s", r.Sandbox, strings.Join(codexSandboxes, ", "))
		}
	}
	if r.Approval != "" {
		if r.Dialect != DialectCodex {
			return fail("approval applies to codex only")
		}
		if !slices.Contains(codexApprovals, r.Approval) {
			return fail("approval %q is not one of %s", r.Approval, strings.Join(codexApprovals, ", "))
		}
	}
	for _, kv := range r.Env {
		if k, _, ok := strings.Cut(kv, "="); !ok || k == "" {
			return fail("env entry %q is not KEY=VALUE", kv)
		}
	}
	return nil
}
