package fakeagent

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
)

// Scenario is what the fake agent does in one run: a list of steps and how
// the process ends. See doc.go for the JSON shape.
type Scenario struct {
	// Builtin starts from a built-in scenario; the other fields, when set,
	// override it (Steps replaces its steps).
	Builtin string `json:"builtin,omitempty"`
	// Steps run in order.
	Steps []Step `json:"steps,omitempty"`
	// Exit is the exit status after the last step: default 0, or 1 after a
	// failure (fail, rate_limit, auth, max_turns).
	Exit *int `json:"exit,omitempty"`
	// OnSigterm is "exit" (default: exit 143 at once) or "ignore".
	OnSigterm string `json:"on_sigterm,omitempty"`
	// LineDelayMS pauses before every stdout line.
	LineDelayMS int `json:"line_delay_ms,omitempty"`
	// NoFinalNewline leaves the newline off the last stdout line.
	NoFinalNewline bool `json:"no_final_newline,omitempty"`
	// Model is reported in the stream (default: the --model/-m flag, else a
	// realistic model name).
	Model string `json:"model,omitempty"`
	// SessionID fixes the session (claude) or thread (codex) id.
	SessionID string `json:"session_id,omitempty"`
	// RefuseRoot makes claude refuse --dangerously-skip-permissions when
	// running as root without IS_SANDBOX=1, as the real CLI does (off by
	// default because test containers often run as root).
	RefuseRoot bool `json:"refuse_root,omitempty"`
	// Usage, when set, is the usage the run reports instead of figures
	// derived from the prompt, so that tests of budgets know each attempt's
	// cost and tokens exactly.
	Usage *UsageOverride `json:"usage,omitempty"`

	// dir is the directory of the scenario file, for relative replay paths.
	dir string
}

// UsageOverride is the usage a run reports: claude's result event carries
// all three (as modelUsage, cost as total_cost_usd), codex's
// turn.completed the tokens (codex reports no cost).
type UsageOverride struct {
	InputTokens  int     `json:"input_tokens"`
	OutputTokens int     `json:"output_tokens"`
	CostUSD      float64 `json:"cost_usd"`
}

// Step is one action. Exactly one field is set (NoNewline goes with Raw);
// doc.go shows each as JSON.
type Step struct {
	// SleepMS pauses (a signal still ends the run).
	SleepMS *int `json:"sleep_ms,omitempty"`
	// Text is an assistant message (codex: agent_message).
	Text *string `json:"text,omitempty"`
	// Reasoning is a thinking block (codex: reasoning item).
	Reasoning *string `json:"reasoning,omitempty"`
	// Tool is a tool call and its result.
	Tool *ToolStep `json:"tool,omitempty"`
	// Command is a shell command and its output, shown, not run.
	Command *CommandStep `json:"command,omitempty"`
	// WriteFile writes a file for real and shows the edit.
	WriteFile *WriteFileStep `json:"write_file,omitempty"`
	// GitCommit commits the working directory for real.
	GitCommit *GitCommitStep `json:"git_commit,omitempty"`
	// Shell runs a shell command for real in the working directory, so a
	// scenario can misuse git (or the main tree) the way a real agent can.
	Shell *string `json:"shell,omitempty"`
	// Daemon starts a process in a new session (setsid), out of the
	// agent's process group, as a dev server or watcher would be.
	Daemon *DaemonStep `json:"daemon,omitempty"`
	// AppendTasks appends these task objects to the backlog.
	AppendTasks []json.RawMessage `json:"append_tasks,omitempty"`
	// SetStatus changes a task's status in the backlog.
	SetStatus *SetStatusStep `json:"set_status,omitempty"`
	// Summary ends the turn with the contract's JSON object.
	Summary *SummaryStep `json:"summary,omitempty"`
	// Final ends the turn with this final message.
	Final *string `json:"final,omitempty"`
	// Fail ends the turn with an error.
	Fail *FailStep `json:"fail,omitempty"`
	// RateLimit ends the turn refused for a usage limit.
	RateLimit *RateLimitStep `json:"rate_limit,omitempty"`
	// Auth ends the turn with an authentication failure.
	Auth *AuthStep `json:"auth,omitempty"`
	// MaxTurns ends the turn at the turn limit (claude).
	MaxTurns *MaxTurnsStep `json:"max_turns,omitempty"`
	// Stderr writes a line to standard error.
	Stderr *string `json:"stderr,omitempty"`
	// Raw writes these bytes to stdout as one line.
	Raw *string `json:"raw,omitempty"`
	// NoNewline leaves the newline off a Raw line.
	NoNewline bool `json:"no_newline,omitempty"`
	// HugeLine writes one valid JSON line of about this many bytes.
	HugeLine *int `json:"huge_line,omitempty"`
	// Flood writes this many small text events.
	Flood *int `json:"flood,omitempty"`
	// Malformed writes a line of broken JSON.
	Malformed bool `json:"malformed,omitempty"`
	// Hang waits for a signal for ever.
	Hang bool `json:"hang,omitempty"`
	// Background starts this command and leaves it running in the group.
	Background []string `json:"background,omitempty"`
	// Exit ends the process now with this status.
	Exit *int `json:"exit,omitempty"`
	// Signal makes the process die by this signal (KILL, SEGV, TERM, ABRT).
	Signal string `json:"signal,omitempty"`
	// Replay copies a recorded transcript to stdout.
	Replay *ReplayStep `json:"replay,omitempty"`
}

// ToolStep shows a tool call and its result (claude tool_use/tool_result,
// codex mcp_tool_call). Nothing is executed.
type ToolStep struct {
	Name    string          `json:"name"`
	Input   json.RawMessage `json:"input,omitempty"`
	Output  string          `json:"output,omitempty"`
	IsError bool            `json:"is_error,omitempty"`
}

// CommandStep shows a shell command and its output (claude Bash, codex
// command_execution). Nothing is executed.
type CommandStep struct {
	Cmd      string `json:"cmd"`
	Output   string `json:"output,omitempty"`
	ExitCode int    `json:"exit_code,omitempty"`
}

// WriteFileStep writes a file (relative to the working directory) and shows
// the edit.
type WriteFileStep struct {
	Path    string `json:"path"`
	Content string `json:"content"`
}

// GitCommitStep runs `git add -A` and `git commit -m Message` for real in
// the working directory and shows it as a shell command.
type GitCommitStep struct {
	Message string `json:"message"`
}

// DaemonStep starts Argv with setsid, so that killing the agent's process
// group cannot reach it. With HoldStdout it keeps the agent's stdout open
// (looper's reader then sees no end of output until it dies); otherwise its
// output goes to /dev/null.
type DaemonStep struct {
	Argv       []string `json:"argv"`
	HoldStdout bool     `json:"hold_stdout,omitempty"`
}

// SetStatusStep edits the backlog (LOOPER_TODO or the prompt's todo_path)
// the way agents are told to: the task's status and updated_at.
type SetStatusStep struct {
	Task   string `json:"task"`
	Status string `json:"status"`
}

// SummaryStep ends the turn successfully with the contract's JSON object as
// the final message. Unset fields take defaults: in iteration mode
// {task_id: the task, status: done, summary, files: the files written,
// blockers: []}; in review mode {status: reviewed, summary, added_tasks:
// the tasks appended, files: []}; in bootstrap and repair mode a plain
// sentence.
type SummaryStep struct {
	TaskID     json.RawMessage `json:"task_id,omitempty"`
	Status     string          `json:"status,omitempty"`
	Summary    string          `json:"summary,omitempty"`
	Files      []string        `json:"files,omitempty"`
	Blockers   []string        `json:"blockers,omitempty"`
	AddedTasks *int            `json:"added_tasks,omitempty"`
	// Extra adds fields (to test the contract's rejection of unknown ones).
	Extra map[string]any `json:"extra,omitempty"`
	// Fenced wraps the object in a ```json fence.
	Fenced bool `json:"fenced,omitempty"`
	// Prose comes before the object.
	Prose string `json:"prose,omitempty"`
}

// FailStep ends the turn with an error (claude error result, codex
// turn.failed).
type FailStep struct {
	Message string `json:"message,omitempty"`
	// Subtype is claude's result subtype (default error_during_execution).
	Subtype string `json:"subtype,omitempty"`
}

// RateLimitStep ends the turn refused for a usage limit that resets after
// ResetsInS seconds (default 3600).
type RateLimitStep struct {
	ResetsInS int `json:"resets_in_s,omitempty"`
}

// AuthStep ends the turn with an authentication failure.
type AuthStep struct {
	Message string `json:"message,omitempty"`
}

// MaxTurnsStep ends the turn at the turn limit (claude only; codex has no
// turn limit).
type MaxTurnsStep struct {
	Turns int `json:"turns,omitempty"`
}

// ReplayStep copies a recorded transcript to stdout line by line. A
// relative path is resolved against the scenario file's directory (or the
// working directory). A replay counts as the turn's end: no result is
// added after it.
type ReplayStep struct {
	Path        string `json:"path"`
	LineDelayMS int    `json:"line_delay_ms,omitempty"`
}

// action names the one field set on s, or reports the mistake.
func (s Step) action() (string, error) {
	var set []string
	add := func(name string, ok bool) {
		if ok {
			set = append(set, name)
		}
	}
	add("sleep_ms", s.SleepMS != nil)
	add("text", s.Text != nil)
	add("reasoning", s.Reasoning != nil)
	add("tool", s.Tool != nil)
	add("command", s.Command != nil)
	add("write_file", s.WriteFile != nil)
	add("git_commit", s.GitCommit != nil)
	add("shell", s.Shell != nil)
	add("daemon", s.Daemon != nil && len(s.Daemon.Argv) > 0)
	add("append_tasks", len(s.AppendTasks) > 0)
	add("set_status", s.SetStatus != nil)
	add("summary", s.Summary != nil)
	add("final", s.Final != nil)
	add("fail", s.Fail != nil)
	add("rate_limit", s.RateLimit != nil)
	add("auth", s.Auth != nil)
	add("max_turns", s.MaxTurns != nil)
	add("stderr", s.Stderr != nil)
	add("raw", s.Raw != nil)
	add("huge_line", s.HugeLine != nil)
	add("flood", s.Flood != nil)
	add("malformed", s.Malformed)
	add("hang", s.Hang)
	add("background", len(s.Background) > 0)
	add("exit", s.Exit != nil)
	add("signal", s.Signal != "")
	add("replay", s.Replay != nil)
	switch len(set) {
	case 1:
		return set[0], nil
	case 0:
		return "", fmt.Errorf("step has no action")
	}
	return "", fmt.Errorf("step has several actions (%s); use one per step", strings.Join(set, ", "))
}

func (sc *Scenario) validate() error {
	if sc.OnSigterm != "" && sc.OnSigterm != "exit" && sc.OnSigterm != "ignore" {
		return fmt.Errorf("on_sigterm must be \"exit\" or \"ignore\", not %q", sc.OnSigterm)
	}
	for i, st := range sc.Steps {
		if _, err := st.action(); err != nil {
			return fmt.Errorf("step %d: %w", i+1, err)
		}
	}
	return nil
}

// markerRE finds a scenario chosen in the prompt: a line "FAKEAGENT: name"
// or "FAKEAGENT: {json}".
var markerRE = regexp.MustCompile(`(?m)^\s*FAKEAGENT:\s*(.+?)\s*$`)
