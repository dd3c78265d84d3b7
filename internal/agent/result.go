package agent

import (
	"time"

	"github.com/looper-go/looper/sinks"
	"github.com/looper-go/looper/todo"
)

// Contract says which JSON object the agent must end its answer with, so
// the runner knows what to extract and validate.
type Contract int

// The contracts of looper's prompts.
const (
	// ContractTask expects a task summary (todo.Summary): iteration prompts.
	ContractTask Contract = iota
	// ContractReview expects a review summary (todo.ReviewSummary).
	ContractReview
	// ContractNone expects only text: bootstrap and repair prompts.
	ContractNone
)

// String names the contract in errors and logs.
func (c Contract) String() string {
	switch c {
	case ContractTask:
		return "task"
	case ContractReview:
		return "review"
	case ContractNone:
		return "none"
	}
	return "contract(?)"
}

// Request is one attempt: what to tell the agent, where to run it, which
// contract its answer must meet, and the identity stamped on every event.
type Request struct {
	// Prompt is the full prompt text.
	Prompt string
	// Dir is the working directory (the project root or the attempt's
	// worktree); empty means looper's own.
	Dir string
	// LastMessagePath is where the runner writes the final message (the
	// summary JSON, else {"raw": text}); empty writes none.
	LastMessagePath string
	// Contract selects the summary the answer must contain.
	Contract Contract
	// TaskID is the task the attempt works on ("" for review, bootstrap,
	// repair). A task summary naming another task does not fit.
	TaskID string
	// AgentID names the agent and its slot, as "claude#2".
	AgentID string
	// Attempt counts runs of this task in this looper run, from 1.
	Attempt int
	// Iteration counts dispatched tasks across the run, from 1.
	Iteration int
	// Stage is the pipeline stage, stamped on events.
	Stage string
	// Env holds extra KEY=VALUE pairs for the child, applied last (the run
	// loop adds LOOPER_TODO and LOOPER_MODE here).
	Env []string
	// Events is the stream of the run the attempt belongs to: its events
	// (the command, the agent's output as it comes, warnings) are sent
	// there, in order, while it runs. The stages always set it; nil sends
	// them to the Runner's Emit instead.
	Events *sinks.Stream
}

// Class is the verdict on one attempt. The stages decide from it alone
// whether a task is done, blocked, retried later or the run must stop, so
// every way an agent can fail maps to exactly one class (see doc.go).
type Class string

// The classes of an attempt's result.
const (
	// ClassOK: the agent finished and its answer meets the contract.
	ClassOK Class = "ok"
	// ClassNoSummary: the agent finished but its answer holds no summary.
	ClassNoSummary Class = "no-summary"
	// ClassInvalidSummary: the answer holds a summary that breaks the
	// contract (bad status, unknown field, another task's id).
	ClassInvalidSummary Class = "invalid-summary"
	// ClassAgentError: the agent reported a failure (an error result, a
	// failed turn, a non-zero exit of a text agent) that is none of the
	// more specific classes.
	ClassAgentError Class = "agent-error"
	// ClassRateLimited: the provider refused for a usage or rate limit;
	// ResetAt says when it lifts, if the output said.
	ClassRateLimited Class = "rate-limited"
	// ClassAuth: the agent cannot authenticate (invalid key, not logged in).
	// It is a problem of the agent, not of the task: the run stops using
	// that agent and leaves the task as it was.
	ClassAuth Class = "auth"
	// ClassUnreachable: the agent's model API did not answer (no network,
	// connection refused, a server failing on every retry) for the agent's
	// retry timeout. Like ClassAuth, it stops that agent, not the task.
	ClassUnreachable Class = "unreachable"
	// ClassOverloaded: the provider said it is overloaded (HTTP 529 or
	// 503). Like a rate limit, it pauses the agent and re-queues the task.
	ClassOverloaded Class = "overloaded"
	// ClassMaxTurns: the agent stopped at its turn limit.
	ClassMaxTurns Class = "max-turns"
	// ClassTimeout: the attempt ran longer than Spec.Timeout.
	ClassTimeout Class = "timeout"
	// ClassIdleTimeout: the agent printed nothing for Spec.IdleTimeout.
	ClassIdleTimeout Class = "idle-timeout"
	// ClassKilled: looper stopped the agent (context cancelled, KillAll).
	ClassKilled Class = "killed"
	// ClassCrashed: the agent could not start, died from a signal looper did
	// not send, or exited non-zero without reporting why.
	ClassCrashed Class = "crashed"
	// ClassLost: the place the attempt ran in failed (an ssh host dropped
	// its connection, a container engine died): the attempt says nothing
	// about the task or the agent, and abstains from the vote.
	ClassLost Class = "lost"
)

// Classes lists every class, in the order doc.go's decision table first
// reaches them, so tools and docs can enumerate them.
func Classes() []Class {
	return []Class{ClassCrashed, ClassKilled, ClassTimeout, ClassIdleTimeout, ClassAuth, ClassUnreachable, ClassMaxTurns,
		ClassRateLimited, ClassOverloaded, ClassAgentError, ClassOK, ClassInvalidSummary, ClassNoSummary, ClassLost}
}

// Abstains reports a class whose attempt does not vote on its task: the
// agent cannot work at all (Unusable), or the place it ran in was lost.
// A task whose every attempt abstains is left as it was, for a later run.
func (c Class) Abstains() bool { return c.Unusable() || c == ClassLost }

// Unusable reports a class that says the agent itself cannot work (bad
// credentials, a model API that does not answer): every task would fail
// the same way, so the run stops using the agent instead of blocking tasks.
func (c Class) Unusable() bool { return c == ClassAuth || c == ClassUnreachable }

// Limited reports a class that a pause heals (a rate limit, an overloaded
// provider): the agent is paused and the task re-queued, not failed.
func (c Class) Limited() bool { return c == ClassRateLimited || c == ClassOverloaded }

// Result is everything one attempt produced, classified. It is a value: an
// agent that crashes, hangs or lies still yields one.
type Result struct {
	// Class is the verdict.
	Class Class
	// Err explains a Class other than ok, in words a user can act on.
	Err string
	// Summary is the validated task summary (ContractTask, class ok).
	Summary *todo.Summary
	// Review is the validated review summary (ContractReview, class ok).
	Review *todo.ReviewSummary
	// SummaryJSON is the summary object as the agent wrote it, when one was
	// found (also for invalid-summary, so it can be logged).
	SummaryJSON []byte
	// Text is the agent's final message: claude's result (else its last
	// text), codex's last agent_message (else the last-message file), a
	// text agent's whole output.
	Text string
	// SessionID is the agent's session or thread id, for resuming.
	SessionID string
	// Usage is the token and cost accounting the agent reported.
	Usage sinks.Usage
	// Duration is the attempt's wall time, from starting the agent until
	// its process group was gone and all its output read.
	Duration time.Duration
	// ExitCode is the process exit status; -1 when it died from a signal
	// or never started.
	ExitCode int
	// ResetAt is when a rate limit lifts (zero when unknown).
	ResetAt time.Time
	// StderrTail is the end of the agent's standard error, for diagnosis.
	StderrTail string
	// Denials lists the tool calls the agent was refused (permission
	// denials, commands its sandbox stopped), one line each, so the
	// attempt's line can say why work was left undone or uncommitted.
	Denials []string
}
