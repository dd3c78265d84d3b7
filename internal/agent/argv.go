package agent

import (
	"fmt"
	"slices"
	"strings"
)

// Argv is the full command line for one attempt: the binary followed by the
// dialect's flags, the model, permission or sandbox flags, the configured
// extra args and, for codex, --output-last-message and "-" (prompt on
// stdin). The prompt itself appears only for a generic agent with
// PromptArg.
func (s Spec) Argv(req Request) []string {
	s = s.resolved()
	argv := []string{s.Binary}
	switch s.Dialect {
	case DialectClaude:
		argv = append(argv, "-p", "--output-format", "stream-json", "--verbose")
		switch {
		case s.PermissionMode != "":
			argv = append(argv, "--permission-mode", s.PermissionMode)
		case !hasAnyFlag(s.Args, "--permission-mode", "--dangerously-skip-permissions"):
			argv = append(argv, "--dangerously-skip-permissions")
		}
		if s.Model != "" {
			argv = append(argv, "--model", s.Model)
		}
		argv = append(argv, s.Args...)
	case DialectCodex:
		argv = append(argv, "exec", "--json")
		if s.Model != "" {
			argv = append(argv, "-m", s.Model)
		}
		if s.Reasoning != "" {
			argv = append(argv, "-c", "model_reasoning_effort="+tomlString(s.Reasoning))
		}
		switch {
		case s.Sandbox != "":
			argv = append(argv, "--sandbox", s.Sandbox)
		case !hasAnyFlag(s.Args, "--sandbox", "-s", "--full-auto", "--dangerously-bypass-approvals-and-sandbox", "--yolo"):
			argv = append(argv, "--sandbox", DefaultCodexSandbox)
		}
		switch {
		case s.Approval != "":
			argv = append(argv, "-c", "approval_policy="+tomlString(s.Approval))
		case !setsConfig(s.Args, "approval_policy") && !hasAnyFlag(s.Args, "--dangerously-bypass-approvals-and-sandbox", "--yolo"):
			argv = append(argv, "-c", "approval_policy="+tomlString(DefaultCodexApproval))
		}
		if !hasAnyFlag(s.Args, "--skip-git-repo-check") {
			argv = append(argv, "--skip-git-repo-check")
		}
		argv = append(argv, s.Args...)
		if req.LastMessagePath != "" {
			argv = append(argv, "--output-last-message", req.LastMessagePath)
		}
		argv = append(argv, "-")
	default:
		argv = append(argv, s.Args...)
		if s.PromptArg {
			argv = append(argv, req.Prompt)
		}
	}
	return argv
}

// hasAnyFlag reports whether args contain one of the flags, alone or in its
// --flag=value form.
func hasAnyFlag(args []string, flags ...string) bool {
	for _, a := range args {
		name, _, _ := strings.Cut(a, "=")
		if slices.Contains(flags, name) {
			return true
		}
	}
	return false
}

// setsConfig reports whether args contain a codex `-c key=…` override.
func setsConfig(args []string, key string) bool {
	for i, a := range args {
		var kv string
		switch {
		case (a == "-c" || a == "--config") && i+1 < len(args):
			kv = args[i+1]
		case strings.HasPrefix(a, "--config="):
			kv = strings.TrimPrefix(a, "--config=")
		default:
			continue
		}
		if k, _, _ := strings.Cut(kv, "="); strings.TrimSpace(k) == key {
			return true
		}
	}
	return false
}

// tomlString quotes v as a TOML basic string, the form codex's -c parser
// reads unambiguously.
func tomlString(v string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range v {
		switch r {
		case '"', '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case '\n':
			b.WriteString(`\n`)
		case '\t':
			b.WriteString(`\t`)
		default:
			if r < 0x20 {
				fmt.Fprintf(&b, `\u%04x`, r)
				continue
			}
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// promptOnStdin reports whether the prompt is written to the child's stdin.
func (s Spec) promptOnStdin() bool {
	return s.Dialect != DialectGeneric || !s.PromptArg
}

// displayArgv is argv as shown in events: a prompt passed as an argument is
// replaced by its size so a log line never carries a whole prompt.
func (s Spec) displayArgv(argv []string, req Request) []string {
	out := slices.Clone(argv)
	if s.Dialect == DialectGeneric && s.PromptArg && len(out) > 1 {
		out[len(out)-1] = fmt.Sprintf("<prompt: %d bytes>", len(req.Prompt))
	}
	return out
}
