package fakeagent

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
)

// options are the command-line flags the fake understands, for both
// dialects. Flags it accepts but does not act on are still validated the
// way the real CLI would.
type options struct {
	// claude
	print          bool
	outputFormat   string
	verbose        bool
	model          string
	permissionMode string
	skipPerms      bool
	maxTurns       int
	// codex
	json            bool
	sandbox         string
	config          map[string]string
	skipGitCheck    bool
	cd              string
	lastMessageFile string
	fullAuto        bool
	bypass          bool

	prompt    string
	hasPrompt bool
}

// usageError is a command-line mistake: the message the real CLI prints
// and its exit status.
type usageError struct {
	msg  string
	code int
}

func (e *usageError) Error() string { return e.msg }

// claudeFlag describes one claude option: whether it takes a value
// (required, optional or variadic, as commander.js parses them).
type claudeFlag int

const (
	flagBool claudeFlag = iota
	flagValue
	flagOptional
	flagVariadic
)

// claudeFlags lists every option of `claude --help` (2.1.4) plus the hidden
// --max-turns that the SDKs pass.
var claudeFlags = map[string]claudeFlag{
	"--add-dir": flagVariadic, "--agent": flagValue, "--agents": flagValue,
	"--allow-dangerously-skip-permissions": flagBool, "--allowedTools": flagVariadic, "--allowed-tools": flagVariadic,
	"--append-system-prompt": flagValue, "--betas": flagVariadic, "--chrome": flagBool, "-c": flagBool, "--continue": flagBool,
	"--dangerously-skip-permissions": flagBool, "-d": flagOptional, "--debug": flagOptional, "--disable-slash-commands": flagBool,
	"--disallowedTools": flagVariadic, "--disallowed-tools": flagVariadic, "--fallback-model": flagValue, "--fork-session": flagBool,
	"-h": flagBool, "--help": flagBool, "--ide": flagBool, "--include-partial-messages": flagBool, "--input-format": flagValue,
	"--json-schema": flagValue, "--max-budget-usd": flagValue, "--max-turns": flagValue, "--mcp-config": flagVariadic, "--mcp-debug": flagBool,
	"--model": flagValue, "--no-chrome": flagBool, "--no-session-persistence": flagBool, "--output-format": flagValue,
	"--permission-mode": flagValue, "--plugin-dir": flagValue, "-p": flagBool, "--print": flagBool, "--replay-user-messages": flagBool,
	"-r": flagOptional, "--resume": flagOptional, "--session-id": flagValue, "--setting-sources": flagValue, "--settings": flagValue,
	"--strict-mcp-config": flagBool, "--system-prompt": flagValue, "--tools": flagVariadic, "--verbose": flagBool,
	"-v": flagBool, "--version": flagBool,
}

// The versions the fake claims, those of the real CLIs the conformance
// suite ran (agent.TestedClaudeVersion, agent.TestedCodexVersion).
const (
	claudeVersion = "2.1.328"
	codexVersion  = "0.169.0"
)

// fakeVersion is the version --version prints: LOOPER_FAKE_VERSION when
// set, so tests can impersonate another release, else def.
func fakeVersion(def string) string {
	if v := os.Getenv("LOOPER_FAKE_VERSION"); v != "" {
		return v
	}
	return def
}

// claudePermissionModes are the modes Claude Code 2.1.328 accepts; it rejects
// "delegate", which older versions had.
var claudePermissionModes = []string{"acceptEdits", "auto", "bypassPermissions", "default", "dontAsk", "manual", "plan"}

// parseClaude reads argv the way `claude` (commander.js) does.
func parseClaude(args []string) (options, error) {
	o := options{outputFormat: "text"}
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			if i+1 < len(args) {
				o.prompt, o.hasPrompt = strings.Join(args[i+1:], " "), true
			}
			break
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			if !o.hasPrompt {
				o.prompt, o.hasPrompt = a, true
			}
			continue
		}
		name, inline, hasInline := strings.Cut(a, "=")
		kind, ok := claudeFlags[name]
		if !ok {
			return o, &usageError{fmt.Sprintf("error: unknown option '%s'", name), 1}
		}
		var vals []string
		switch kind {
		case flagBool:
			if hasInline {
				return o, &usageError{fmt.Sprintf("error: option '%s' does not take a value", name), 1}
			}
		case flagValue:
			switch {
			case hasInline:
				vals = []string{inline}
			case i+1 < len(args):
				i++
				vals = []string{args[i]}
			default:
				return o, &usageError{fmt.Sprintf("error: option '%s <value>' argument missing", name), 1}
			}
		case flagOptional:
			if hasInline {
				vals = []string{inline}
			} else if i+1 < len(args) && !strings.HasPrefix(args[i+1], "-") {
				i++
				vals = []string{args[i]}
			}
		case flagVariadic:
			if hasInline {
				vals = []string{inline}
			}
			for i+1 < len(args) && !strings.HasPrefix(args[i+1], "-") {
				i++
				vals = append(vals, args[i])
			}
			if len(vals) == 0 {
				return o, &usageError{fmt.Sprintf("error: option '%s <values...>' argument missing", name), 1}
			}
		}
		switch name {
		case "-p", "--print":
			o.print = true
		case "--verbose":
			o.verbose = true
		case "--output-format":
			if !slices.Contains([]string{"text", "json", "stream-json"}, vals[0]) {
				return o, &usageError{fmt.Sprintf("error: option '--output-format <format>' argument '%s' is invalid. Allowed choices are text, json, stream-json.", vals[0]), 1}
			}
			o.outputFormat = vals[0]
		case "--model":
			o.model = vals[0]
		case "--permission-mode":
			if !slices.Contains(claudePermissionModes, vals[0]) {
				return o, &usageError{fmt.Sprintf("error: option '--permission-mode <mode>' argument '%s' is invalid. Allowed choices are %s.", vals[0], strings.Join(claudePermissionModes, ", ")), 1}
			}
			o.permissionMode = vals[0]
		case "--dangerously-skip-permissions":
			o.skipPerms = true
		case "--max-turns":
			n, err := strconv.Atoi(vals[0])
			if err != nil || n < 1 {
				return o, &usageError{fmt.Sprintf("error: --max-turns must be a positive integer, not %q", vals[0]), 1}
			}
			o.maxTurns = n
		case "-h", "--help":
			return o, &usageError{"Usage: claude [options] [command] [prompt]\n\nClaude Code (fake agent) - use -p/--print for non-interactive output", 0}
		case "-v", "--version":
			return o, &usageError{fakeVersion(claudeVersion) + " (Claude Code)", 0}
		}
	}
	if !o.print {
		return o, &usageError{"fakeagent: interactive mode is not supported; pass -p/--print", 1}
	}
	if o.outputFormat == "stream-json" && !o.verbose {
		return o, &usageError{"Error: When using --print, --output-format=stream-json requires --verbose", 1}
	}
	return o, nil
}

// codexFlags lists the `codex exec` options: true when the option takes a
// value.
var codexFlags = map[string]bool{
	"--json": false, "--experimental-json": false, "-m": true, "--model": true, "-c": true, "--config": true,
	"-s": true, "--sandbox": true, "--full-auto": false, "--dangerously-bypass-approvals-and-sandbox": false, "--yolo": false,
	"--skip-git-repo-check": false, "-C": true, "--cd": true, "--add-dir": true, "-o": true, "--output-last-message": true,
	"--output-schema": true, "-i": true, "--image": true, "-p": true, "--profile": true, "--oss": false, "--local-provider": true,
	"--color": true, "--ephemeral": false, "--ignore-user-config": false, "--ignore-rules": false,
	"-h": false, "--help": false, "-V": false, "--version": false,
}

var (
	codexSandboxes = []string{"read-only", "workspace-write", "danger-full-access"}
	codexApprovals = []string{"untrusted", "on-failure", "on-request", "never"}
	codexEfforts   = []string{"none", "minimal", "low", "medium", "high", "xhigh"}
)

// parseCodex reads argv the way `codex` (clap) does, for the exec
// subcommand only.
func parseCodex(args []string) (options, error) {
	o := options{config: map[string]string{}}
	if len(args) > 0 && (args[0] == "--version" || args[0] == "-V") {
		return o, &usageError{"codex-cli " + fakeVersion(codexVersion), 0}
	}
	if len(args) == 0 || (args[0] != "exec" && args[0] != "e") {
		return o, &usageError{"fakeagent: only `codex exec` is supported", 2}
	}
	args = args[1:]
	if len(args) > 0 && (args[0] == "resume" || args[0] == "review") {
		return o, &usageError{fmt.Sprintf("fakeagent: `codex exec %s` is not supported", args[0]), 2}
	}
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			if i+1 < len(args) {
				o.prompt, o.hasPrompt = args[i+1], true
			}
			break
		}
		if a == "-" || !strings.HasPrefix(a, "-") {
			if o.hasPrompt {
				return o, &usageError{fmt.Sprintf("error: unexpected argument '%s' found\n\nUsage: codex exec [OPTIONS] [PROMPT]", a), 2}
			}
			o.prompt, o.hasPrompt = a, true
			continue
		}
		name, val, hasInline := strings.Cut(a, "=")
		takes, ok := codexFlags[name]
		if !ok {
			return o, &usageError{fmt.Sprintf("error: unexpected argument '%s' found\n\nUsage: codex exec [OPTIONS] [PROMPT]", name), 2}
		}
		if takes && !hasInline {
			if i+1 >= len(args) {
				return o, &usageError{fmt.Sprintf("error: a value is required for '%s <VALUE>' but none was supplied", name), 2}
			}
			i++
			val = args[i]
		}
		switch name {
		case "--json", "--experimental-json":
			o.json = true
		case "-m", "--model":
			o.model = val
		case "-c", "--config":
			k, v, ok := strings.Cut(val, "=")
			if !ok {
				return o, &usageError{fmt.Sprintf("error: invalid value '%s' for '--config <key=value>': missing '='", val), 2}
			}
			k, v = strings.TrimSpace(k), tomlValue(strings.TrimSpace(v))
			switch k {
			case "model_reasoning_effort":
				if !slices.Contains(codexEfforts, v) {
					return o, &usageError{fmt.Sprintf("Error loading config: unknown variant `%s` for model_reasoning_effort, expected one of %s", v, strings.Join(codexEfforts, ", ")), 1}
				}
			case "approval_policy":
				if !slices.Contains(codexApprovals, v) {
					return o, &usageError{fmt.Sprintf("Error loading config: unknown variant `%s` for approval_policy, expected one of %s", v, strings.Join(codexApprovals, ", ")), 1}
				}
			}
			o.config[k] = v
		case "-s", "--sandbox":
			if !slices.Contains(codexSandboxes, val) {
				return o, &usageError{fmt.Sprintf("error: invalid value '%s' for '--sandbox <SANDBOX_MODE>'\n  [possible values: %s]", val, strings.Join(codexSandboxes, ", ")), 2}
			}
			if o.sandbox != "" {
				return o, &usageError{"error: the argument '--sandbox <SANDBOX_MODE>' cannot be used multiple times", 2}
			}
			o.sandbox = val
		case "--full-auto":
			o.fullAuto = true
		case "--dangerously-bypass-approvals-and-sandbox", "--yolo":
			o.bypass = true
		case "--skip-git-repo-check":
			o.skipGitCheck = true
		case "-C", "--cd":
			o.cd = val
		case "-o", "--output-last-message":
			o.lastMessageFile = val
		case "-h", "--help":
			return o, &usageError{"Run Codex non-interactively (fake agent)\n\nUsage: codex exec [OPTIONS] [PROMPT]", 0}
		case "-V", "--version":
			return o, &usageError{"codex-cli " + fakeVersion(codexVersion), 0}
		}
	}
	if o.bypass && (o.fullAuto || o.sandbox != "") {
		return o, &usageError{"error: the argument '--dangerously-bypass-approvals-and-sandbox' cannot be used with '--sandbox <SANDBOX_MODE>' or '--full-auto'", 2}
	}
	return o, nil
}

// tomlValue reads a -c value as codex does: a TOML string literal is
// unquoted, anything that does not parse is taken as a bare string.
func tomlValue(v string) string {
	if len(v) >= 2 && (v[0] == '"' && v[len(v)-1] == '"') {
		if s, err := strconv.Unquote(v); err == nil {
			return s
		}
	}
	if len(v) >= 2 && v[0] == '\'' && v[len(v)-1] == '\'' {
		return v[1 : len(v)-1]
	}
	return v
}
