package sinks

import (
	"encoding/json"
	"log/slog"
	"time"
)

// Kind says what an Event reports, so that a sink can decide how to show it
// without parsing its message. The values double as the "type" field of the
// JSONL run log; where upstream looper had a name for the same thing
// (assistant_message, tool, command, summary) that name is kept, so existing
// log readers keep working.
type Kind string

// The kinds of event the stages and the agent runner emit.
const (
	// KindText is one line of text the agent said.
	KindText Kind = "assistant_message"
	// KindReasoning is one line of the agent's visible reasoning.
	KindReasoning Kind = "reasoning"
	// KindTool is a tool call the agent made (Tool names it, Message is a
	// compact rendering of its input).
	KindTool Kind = "tool"
	// KindToolResult is what a tool call returned, shown only at debug level.
	KindToolResult Kind = "tool_result"
	// KindCommand is a process started or finished by looper: an agent, a hook,
	// a verify command, git (Command holds the argv, ExitCode the result).
	KindCommand Kind = "command"
	// KindStderr is one line the agent wrote to its standard error.
	KindStderr Kind = "stderr"
	// KindRaw is one raw line of agent output, kept for --log-level debug and
	// the run log.
	KindRaw Kind = "raw"
	// KindStatus is a change of a task's status (Status, PrevStatus, Title).
	KindStatus Kind = "status"
	// KindAttempt is the classified result of one agent attempt.
	KindAttempt Kind = "attempt"
	// KindDecision is the vote over a task's attempts (Votes, Winner).
	KindDecision Kind = "decision"
	// KindOutcome is the final result of a task in this run, after merge.
	KindOutcome Kind = "outcome"
	// KindSummary carries the summary an agent returned (Summary holds it).
	KindSummary Kind = "summary"
	// KindWarning is something the user should know that did not stop work.
	KindWarning Kind = "warning"
	// KindError is a failure that the run reports.
	KindError Kind = "error"
	// KindInfo is a run-level message: start, review, stop.
	KindInfo Kind = "info"
	// KindStart marks the start of the run proper: its checks passed and
	// tasks are about to be dispatched (Total says how many may run). The
	// console sinks end with the result line only after it, so a run
	// refused before it (a dirty tree, a backlog another looper holds)
	// prints the refusal alone, not a "0 done" line first.
	KindStart Kind = "start"
	// KindWaiting names a task that did not run because a task it depends
	// on, directly or through others, is blocked: Message is the chain
	// ("T3 waits on T2, which waits on T1: blocked: need API key"),
	// Blockers the blocked task's reasons. The run emits one per such task
	// at its end, so every output mode and the run log can say what did
	// not run, and why.
	KindWaiting Kind = "waiting"
	// KindBudget reports a budget threshold crossed: 80% of a limit (a
	// warning) or the limit itself (Message says which, TaskID names the
	// task for a task's own budget).
	KindBudget Kind = "budget"
)

// Event is the one record every stage, the agent runner and the run loop
// emit. Output modes and the JSONL run log consume the same stream, so what
// a person reads on the terminal and what a machine reads from the log can
// never disagree. Every event that concerns an attempt carries TaskID,
// AgentID, Attempt and Iteration, so parallel output can always be
// attributed. Optional fields are zero when they do not apply and are then
// left out of the run log.
type Event struct {
	// Time is when the event happened.
	Time time.Time `json:"timestamp"`
	// Level is the event's severity; debug events are hidden by default.
	Level slog.Level `json:"level"`
	// Kind says what the event reports.
	Kind Kind `json:"type"`
	// TaskID is the backlog task the event concerns, if any.
	TaskID string `json:"task_id,omitempty"`
	// AgentID names the agent and its slot for the task, as "claude#2".
	AgentID string `json:"agent_id,omitempty"`
	// Attempt counts the runs of this task in this looper run, from 1.
	Attempt int `json:"attempt,omitempty"`
	// Iteration counts dispatched tasks across the run, from 1.
	Iteration int `json:"iteration,omitempty"`
	// Stage is the pipeline stage that emitted the event.
	Stage string `json:"stage,omitempty"`
	// Message is the human-readable content.
	Message string `json:"content,omitempty"`

	// Tool names the tool of a KindTool or KindToolResult event.
	Tool string `json:"tool,omitempty"`
	// Command is the argv of a KindCommand event.
	Command []string `json:"command,omitempty"`
	// ExitCode is a finished command's exit status (left out when 0, as
	// upstream did).
	ExitCode int `json:"exit_code,omitempty"`
	// Title is the task's title, on status and outcome events.
	Title string `json:"title,omitempty"`
	// Status is a task status (status, outcome) or the status an agent
	// reported (attempt, decision).
	Status string `json:"status,omitempty"`
	// PrevStatus is the status a KindStatus event changed from.
	PrevStatus string `json:"prev_status,omitempty"`
	// Class is an attempt's error class ("ok", "timeout", "rate-limited", …).
	Class string `json:"class,omitempty"`
	// Duration is how long the attempt, task or run took.
	Duration time.Duration `json:"duration_ns,omitempty"`
	// Usage is the token and cost accounting of an attempt.
	Usage *Usage `json:"usage,omitempty"`
	// Votes describes a decision, as "2/3 done".
	Votes string `json:"votes,omitempty"`
	// Winner is the AgentID whose attempt a decision chose.
	Winner string `json:"winner,omitempty"`
	// Files lists files an attempt or decision touched.
	Files []string `json:"files,omitempty"`
	// Blockers lists why a task is blocked.
	Blockers []string `json:"blockers,omitempty"`
	// Path is a file the event refers to, such as a last-message file.
	Path string `json:"path,omitempty"`
	// Summary is the raw JSON summary an agent returned. It is a
	// json.RawMessage (assignable from and to []byte) so that the run log
	// embeds it as an object, as upstream's log did; bytes that are not valid
	// JSON are logged as a string instead.
	Summary json.RawMessage `json:"summary,omitempty"`
	// Raw is a raw output line, for KindRaw (or a command's output tail).
	Raw string `json:"raw,omitempty"`
	// Format is, on a KindRaw line of an agent's stdout, the stream format
	// it was parsed in (claude, codex, text), so that a reader of the run
	// log can derive again the events the line stood for: the log keeps
	// each line once and leaves out what was derived from it.
	Format string `json:"format,omitempty"`
	// RawJSON says Raw is exactly one valid JSON value on one line, as
	// the agent runner checked, so the run log embeds it as a JSON value
	// instead of escaping it into a string (one copy of the line, not a
	// bigger one). Whoever sets it vouches for the check.
	RawJSON bool `json:"-"`
	// Derived marks an event the agent runner derived from a stdout line
	// that the run log keeps (a KindRaw with Format): the run log leaves
	// it out, and Tail derives it again from the line. The console shows
	// it like any other event.
	Derived bool `json:"-"`
	// Total is, on a KindStart or KindInfo event, how many tasks the run now expects to
	// finish (sent when the run starts and again when a review adds tasks),
	// so the progress line can show done/total. Zero leaves it unchanged.
	Total int `json:"total,omitempty"`
}

// Usage is the token and cost accounting one attempt reported. Zero fields
// mean the agent did not report them.
type Usage struct {
	// InputTokens counts prompt tokens, cached ones included.
	InputTokens int64 `json:"input_tokens,omitempty"`
	// OutputTokens counts generated tokens.
	OutputTokens int64 `json:"output_tokens,omitempty"`
	// CacheReadTokens counts prompt tokens served from the cache.
	CacheReadTokens int64 `json:"cache_read_tokens,omitempty"`
	// CostUSD is the cost in US dollars: as the agent reported it, or
	// estimated by looper when CostEstimated is set.
	CostUSD float64 `json:"cost_usd,omitempty"`
	// CostEstimated says CostUSD is looper's estimate (tokens times the
	// model's [prices] entry) because the agent reports no cost (codex),
	// so that outputs can mark it as such.
	CostEstimated bool `json:"cost_estimated,omitempty"`
}
