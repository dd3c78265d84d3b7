package sinks

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"
)

// StatusSchemaVersion is the version of the RunStatus JSON. Fields may be
// added within a version; none is renamed, retyped or removed without
// raising it, so scripts reading `looper status --json` keep working.
const StatusSchemaVersion = 1

// Run states, the values of RunStatus.State.
const (
	// StateRunning: the run is going on.
	StateRunning = "running"
	// StateStopping: the run was interrupted and is winding down.
	StateStopping = "stopping"
	// StateFinished: the run went to its end.
	StateFinished = "finished"
	// StateInterrupted: the run was stopped (Ctrl-C, SIGTERM) and ended.
	StateInterrupted = "interrupted"
	// StateVanished: the run's process is gone without having ended the
	// run (killed outright, a crash, a power cut); what it shows is as of
	// its last update.
	StateVanished = "vanished"
)

// RunStatus is a snapshot of one looper run: what the run keeps in its
// state file while it goes, and what `looper status --json` prints. It is a
// stable interface (see StatusSchemaVersion and README.md). Durations are
// in nanoseconds, as everywhere in looper's JSON; times are RFC 3339 in UTC.
type RunStatus struct {
	// SchemaVersion is StatusSchemaVersion.
	SchemaVersion int `json:"schema_version"`
	// RunID is the run's id, its log's base name.
	RunID string `json:"run_id"`
	// PID is the looper process running it.
	PID int `json:"pid"`
	// Project is the project root the run belongs to.
	Project string `json:"project"`
	// Backlog is the backlog file the run works through.
	Backlog string `json:"backlog"`
	// Log is the run's JSONL log.
	Log string `json:"log"`
	// State is StateRunning, StateStopping, StateFinished,
	// StateInterrupted or StateVanished.
	State string `json:"state"`
	// Running says a looper process is running it now, as its lock on
	// the run log shows (not merely what the file says).
	Running bool `json:"running"`
	// StartedAt is when the run began.
	StartedAt time.Time `json:"started_at"`
	// UpdatedAt is when the snapshot was taken.
	UpdatedAt time.Time `json:"updated_at"`
	// EndedAt is when the run ended; absent while it runs.
	EndedAt time.Time `json:"ended_at,omitzero"`
	// Elapsed is the run's wall time: until now while it runs, until its
	// end after.
	Elapsed time.Duration `json:"elapsed_ns"`
	// Counts counts the run's tasks by what happened to them.
	Counts StatusCounts `json:"counts"`
	// Tokens counts the tokens (input and output) of every attempt that
	// ended, discarded ones included.
	Tokens int64 `json:"tokens"`
	// CostUSD sums the cost of every attempt that ended.
	CostUSD float64 `json:"cost_usd"`
	// CostEstimated says part of CostUSD is looper's estimate (an agent
	// that reports tokens only).
	CostEstimated bool `json:"cost_estimated"`
	// RunningTasks lists the tasks at work, in the order they started.
	RunningTasks []RunningTask `json:"running_tasks"`
	// Queue lists the tasks still to run, in the order the run would
	// pick them if nothing changed.
	Queue []QueuedTask `json:"queue"`
	// RecentDecisions holds the newest decisions, oldest first (at most
	// recentDecisions).
	RecentDecisions []Decision `json:"recent_decisions"`
	// LastDecision is the newest decision, null before the first.
	LastDecision *Decision `json:"last_decision"`
	// Budget is the newest budget event's message, when there was one.
	Budget string `json:"budget,omitempty"`
	// Result is the run's result line once it ended ("looper: 9 done, 2
	// blocked in 3m12s"), the one its console printed; empty for a run
	// refused before it started (a dirty tree, a held backlog).
	Result string `json:"result,omitempty"`
}

// StatusCounts counts a run's tasks. Done, Blocked and Todo are tasks by
// the status their last outcome left them in, as the result line counts
// them.
type StatusCounts struct {
	// Total is how many tasks the run expects to finish.
	Total int `json:"total"`
	// Running counts the tasks at work now.
	Running int `json:"running"`
	// Queued counts the tasks still to run (the length of Queue when the
	// run reports its queue).
	Queued int `json:"queued"`
	// Done counts the tasks done.
	Done int `json:"done"`
	// Blocked counts the tasks that ended blocked (failed ones included).
	Blocked int `json:"blocked"`
	// Todo counts the tasks put back to todo (an interrupted run).
	Todo int `json:"todo"`
	// Waiting counts the tasks that cannot run because a dependency is
	// blocked (known when the run ends).
	Waiting int `json:"waiting"`
	// FailedAttempts counts the attempts that failed, apart from tasks.
	FailedAttempts int `json:"failed_attempts"`
	// Other counts tasks whose last outcome had another status.
	Other map[string]int `json:"other,omitempty"`
}

// RunningTask is one task at work.
type RunningTask struct {
	// TaskID is the task's id.
	TaskID string `json:"task_id"`
	// Title is the task's title, when the run said it.
	Title string `json:"title,omitempty"`
	// StartedAt is when the task started in this run.
	StartedAt time.Time `json:"started_at"`
	// Elapsed is how long it has been at work.
	Elapsed time.Duration `json:"elapsed_ns"`
	// Attempts counts the task's attempts in this run, running ones
	// included.
	Attempts int `json:"attempts"`
	// Tokens counts the tokens its attempts reported so far. Agents
	// report them when an attempt ends, so a running attempt adds its
	// own when it ends.
	Tokens int64 `json:"tokens"`
	// CostUSD is the cost its attempts reported so far.
	CostUSD float64 `json:"cost_usd"`
	// Agents lists its running attempts.
	Agents []RunningAttempt `json:"agents"`
}

// RunningAttempt is one agent at work on a task.
type RunningAttempt struct {
	// AgentID names the agent and its slot, as "claude#2".
	AgentID string `json:"agent_id"`
	// Attempt counts the task's runs in this looper run, from 1.
	Attempt int `json:"attempt"`
	// StartedAt is when its first event arrived.
	StartedAt time.Time `json:"started_at"`
	// Elapsed is how long it has been at work.
	Elapsed time.Duration `json:"elapsed_ns"`
	// LastLine is the last line of output it showed (text, reasoning, a
	// tool call, stderr), on one line, clipped.
	LastLine string `json:"last_line,omitempty"`
}

// QueuedTask is one task still to run.
type QueuedTask struct {
	// TaskID is the task's id.
	TaskID string `json:"task_id"`
	// Title is its title.
	Title string `json:"title,omitempty"`
	// Ready says every dependency is done: it starts when a slot frees.
	// A task not ready waits on a dependency still to finish.
	Ready bool `json:"ready"`
}

// Decision is one vote over a task's attempts.
type Decision struct {
	// Time is when it was decided.
	Time time.Time `json:"time"`
	// TaskID is the task decided on.
	TaskID string `json:"task_id"`
	// Status is what was decided: done, blocked, ….
	Status string `json:"status,omitempty"`
	// Votes describes the vote, as "2/3 done".
	Votes string `json:"votes,omitempty"`
	// Winner is the agent whose attempt was chosen.
	Winner string `json:"winner,omitempty"`
	// Message is the decision as the console showed it.
	Message string `json:"message,omitempty"`
}

// StatePath returns the state file of the run whose log is at logPath:
// <run-id>.state.json beside it.
func StatePath(logPath string) string {
	return strings.TrimSuffix(logPath, ".jsonl") + ".state.json"
}

// ReadStatus reads a state file. It does not decide whether the run is
// still going: see RunStatus.Check.
func ReadStatus(path string) (*RunStatus, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var st RunStatus
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, fmt.Errorf("%s is not a looper state file: %w", path, err)
	}
	if st.SchemaVersion != StatusSchemaVersion {
		return nil, fmt.Errorf("%s has schema_version %d; this looper reads %d", path, st.SchemaVersion, StatusSchemaVersion)
	}
	return &st, nil
}

// Check sets Running from live (whether a looper process holds the run's
// log, see Run.Live) and brings a snapshot up to now: a live run's elapsed
// times count to now, and a run whose file says it is going but whose
// process is gone becomes StateVanished.
func (s *RunStatus) Check(live bool, now time.Time) {
	s.Running = live
	ended := s.State == StateFinished || s.State == StateInterrupted || s.State == StateVanished
	switch {
	case live && !ended:
		s.UpdatedAt = now.UTC()
		s.Elapsed = now.Sub(s.StartedAt)
		for i := range s.RunningTasks {
			t := &s.RunningTasks[i]
			t.Elapsed = now.Sub(t.StartedAt)
			for j := range t.Agents {
				t.Agents[j].Elapsed = now.Sub(t.Agents[j].StartedAt)
			}
		}
	case !live && !ended:
		s.State = StateVanished
	}
}
