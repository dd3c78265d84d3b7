package agent

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestSpecArgv(t *testing.T) {
	t.Parallel()
	req := Request{Prompt: "do the thing", LastMessagePath: "/logs/run-iter-1-T1.last.json"}
	tests := []struct {
		name string
		spec Spec
		want []string
	}{
		{"claude with defaults bypasses permissions as upstream",
			Spec{Dialect: DialectClaude},
			[]string{"claude", "-p", "--output-format", "stream-json", "--verbose", "--dangerously-skip-permissions"}},
		{"claude with a model, a permission mode and extra args",
			Spec{Name: "claude", Binary: "/opt/claude", Model: "opus", PermissionMode: "acceptEdits", Args: []string{"--max-turns", "40"}},
			[]string{"/opt/claude", "-p", "--output-format", "stream-json", "--verbose", "--permission-mode", "acceptEdits", "--model", "opus", "--max-turns", "40"}},
		{"claude whose args choose the permission flag gets no default",
			Spec{Dialect: DialectClaude, Args: []string{"--permission-mode=plan"}},
			[]string{"claude", "-p", "--output-format", "stream-json", "--verbose", "--permission-mode=plan"}},
		{"codex with defaults sets a writable sandbox and no approvals",
			Spec{Dialect: DialectCodex},
			[]string{"codex", "exec", "--json", "--sandbox", "workspace-write", "-c", `approval_policy="never"`, "--skip-git-repo-check",
				"--output-last-message", "/logs/run-iter-1-T1.last.json", "-"}},
		{"codex with model, reasoning, sandbox, approval and args",
			Spec{Name: "codex", Model: "gpt-5-codex", Reasoning: "high", Sandbox: "danger-full-access", Approval: "on-failure", Args: []string{"--ephemeral"}},
			[]string{"codex", "exec", "--json", "-m", "gpt-5-codex", "-c", `model_reasoning_effort="high"`, "--sandbox", "danger-full-access",
				"-c", `approval_policy="on-failure"`, "--skip-git-repo-check", "--ephemeral",
				"--output-last-message", "/logs/run-iter-1-T1.last.json", "-"}},
		{"codex whose args bypass the sandbox gets neither default",
			Spec{Dialect: DialectCodex, Args: []string{"--yolo"}},
			[]string{"codex", "exec", "--json", "--skip-git-repo-check", "--yolo", "--output-last-message", "/logs/run-iter-1-T1.last.json", "-"}},
		{"codex whose args set the approval policy keeps it",
			Spec{Dialect: DialectCodex, Args: []string{"-c", "approval_policy=untrusted"}},
			[]string{"codex", "exec", "--json", "--sandbox", "workspace-write", "--skip-git-repo-check", "-c", "approval_policy=untrusted",
				"--output-last-message", "/logs/run-iter-1-T1.last.json", "-"}},
		{"generic with the prompt on stdin",
			Spec{Name: "amp", Binary: "amp", Args: []string{"--execute", "--stream-json"}, Format: FormatClaude},
			[]string{"amp", "--execute", "--stream-json"}},
		{"generic with the prompt as the last argument",
			Spec{Name: "gemini", Binary: "gemini", Args: []string{"-p"}, PromptArg: true},
			[]string{"gemini", "-p", "do the thing"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if err := tt.spec.Validate(); err != nil {
				t.Fatalf("Validate: %v", err)
			}
			if diff := cmp.Diff(tt.want, tt.spec.Argv(req)); diff != "" {
				t.Errorf("Argv (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCodexArgvWithoutLastMessagePath(t *testing.T) {
	t.Parallel()
	got := Spec{Dialect: DialectCodex}.Argv(Request{})
	if slices.Contains(got, "--output-last-message") || got[len(got)-1] != "-" {
		t.Errorf("Argv = %q, want no --output-last-message and a final -", got)
	}
}

// TestClaudeArgvFlagsExistInRealHelp checks every flag the runner passes
// against the real `claude --help` (2.1.4) kept in testdata, so a typo or
// a renamed flag cannot slip through.
func TestClaudeArgvFlagsExistInRealHelp(t *testing.T) {
	t.Parallel()
	help, err := os.ReadFile(filepath.Join("..", "..", "testdata", "transcripts", "claude-charlieyou-claude-agent-sdk-gleam-fixtures", "cli_help.txt"))
	if err != nil {
		t.Fatal(err)
	}
	specs := []Spec{{Dialect: DialectClaude, Model: "sonnet"}, {Dialect: DialectClaude, PermissionMode: "plan"}}
	for _, s := range specs {
		for _, a := range s.Argv(Request{})[1:] {
			if !strings.HasPrefix(a, "-") {
				continue
			}
			if !regexp.MustCompile(`(?m)^\s+(-\w, )?` + regexp.QuoteMeta(a) + `[ ,]`).Match(help) {
				t.Errorf("flag %s is not in claude --help", a)
			}
		}
	}
}

func TestSpecValidateRejectsOptionsThatCannotAct(t *testing.T) {
	t.Parallel()
	tests := []struct {
		spec Spec
		want string
	}{
		{Spec{Dialect: "gemini"}, `unknown dialect "gemini"`},
		{Spec{Name: "x", Binary: "x", Format: "yaml"}, `unknown format "yaml"`},
		{Spec{Dialect: DialectClaude, Format: FormatCodex}, `format "codex" does not apply to the claude dialect`},
		{Spec{Dialect: DialectGeneric}, "a generic agent needs a binary"},
		{Spec{Dialect: DialectCodex, PromptArg: true}, "applies to generic agents only"},
		{Spec{Dialect: DialectClaude, Reasoning: "high"}, "claude has no reasoning-effort flag"},
		{Spec{Dialect: DialectCodex, PermissionMode: "plan"}, "permission_mode applies to claude only"},
		{Spec{Dialect: DialectClaude, PermissionMode: "yolo"}, `permission_mode "yolo" is not one of`},
		{Spec{Dialect: DialectClaude, Sandbox: "read-only"}, "sandbox applies to codex only"},
		{Spec{Dialect: DialectCodex, Sandbox: "none"}, `sandbox "none" is not one of`},
		{Spec{Dialect: DialectCodex, Approval: "always"}, `approval "always" is not one of`},
		{Spec{Dialect: DialectGeneric, Binary: "x", Approval: "never"}, "approval applies to codex only"},
		{Spec{Dialect: DialectClaude, Env: []string{"NOEQUALS"}}, `env entry "NOEQUALS" is not KEY=VALUE`},
	}
	for _, tt := range tests {
		err := tt.spec.Validate()
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Validate(%+v) = %v, want an error containing %q", tt.spec, err, tt.want)
		}
	}
}

func TestSpecResolvedDefaults(t *testing.T) {
	t.Parallel()
	r := Spec{Name: "claude"}.resolved()
	want := Spec{Name: "claude", Dialect: DialectClaude, Binary: "claude", Format: FormatClaude,
		Timeout: DefaultTimeout, Grace: DefaultGrace, RetryTimeout: DefaultRetryTimeout, MaxLine: DefaultMaxLine}
	if diff := cmp.Diff(want, r); diff != "" {
		t.Errorf("resolved (-want +got):\n%s", diff)
	}
	if d := (Spec{Binary: "/usr/local/bin/codex"}).resolved().Dialect; d != DialectCodex {
		t.Errorf("dialect from binary = %q, want codex", d)
	}
	if d := (Spec{Name: "amp", Binary: "amp"}).resolved(); d.Dialect != DialectGeneric || d.Format != FormatText {
		t.Errorf("unknown agent resolved to %q/%q, want generic/text", d.Dialect, d.Format)
	}
	neg := Spec{Dialect: DialectClaude, Timeout: -1, IdleTimeout: -1, Grace: -1}.resolved()
	if neg.Timeout != 0 || neg.IdleTimeout != 0 || neg.Grace != 0 || (Spec{Dialect: DialectClaude, RetryTimeout: -1}).resolved().RetryTimeout != 0 {
		t.Errorf("negative limits resolved to %v/%v/%v, want all off", neg.Timeout, neg.IdleTimeout, neg.Grace)
	}
	if got := (Spec{Dialect: DialectClaude, Timeout: time.Minute}).resolved().Timeout; got != time.Minute {
		t.Errorf("explicit timeout resolved to %v", got)
	}
}

func TestChildEnvOrder(t *testing.T) {
	t.Setenv("LOOPER_TASK_ID", "from-parent")
	t.Setenv("KEEP_ME", "parent")
	spec := Spec{Dialect: DialectGeneric, Binary: "x", Model: "m1", Env: []string{"FROM_SPEC=1", "LOOPER_ATTEMPT=spec"}}.resolved()
	req := Request{TaskID: "T7", AgentID: "x#2", Attempt: 2, Iteration: 5, LastMessagePath: "/l/a.last.json", Env: []string{"LOOPER_MODE=review", "FROM_SPEC=2"}}
	got := lookupAll(childEnv(spec, req))
	want := map[string]string{
		"KEEP_ME": "parent", "LOOPER_TASK_ID": "T7", "LOOPER_AGENT_ID": "x#2", "LOOPER_ATTEMPT": "2", "LOOPER_ITERATION": "5",
		"LOOPER_LAST_MESSAGE": "/l/a.last.json", "LOOPER_MODE": "review", "FROM_SPEC": "2", "LOOPER_MODEL": "m1",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
}

// lookupAll applies exec's rule: the last entry for a key wins.
func lookupAll(env []string) map[string]string {
	m := map[string]string{}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		m[k] = v
	}
	return m
}

func TestTomlString(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"high": `"high"`, `a"b\c`: `"a\"b\\c"`, "x\ny": `"x\ny"`} {
		if got := tomlString(in); got != want {
			t.Errorf("tomlString(%q) = %s, want %s", in, got, want)
		}
	}
}
