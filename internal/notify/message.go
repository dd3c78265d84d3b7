// Package notify tells a person when an unattended run needs them: a task
// ended blocked or failed, an agent hit its usage limit, a budget was
// reached, the run finished. Each such event becomes a Message, sent as a
// JSON POST to a webhook (retried with exponential backoff) and as JSON on
// the standard input of a command (ntfy, notify-send, a script). Delivery
// happens on a goroutine of its own behind a bounded queue: a slow, failing
// or hanging receiver never blocks or fails the run; what cannot be sent is
// dropped with a warning, and the run's end waits for the queue only up to
// a bound.
package notify

import (
	"fmt"
	"strings"
	"time"

	"github.com/looper-go/looper/sinks"
)

// The events a Notifier can send, the values of [notify] on.
const (
	// EventBlocked: a task ended blocked (its agents said so, or a vote
	// found no done).
	EventBlocked = "blocked"
	// EventFailed: a task's attempts failed (crash, timeout, no summary).
	EventFailed = "failed"
	// EventRateLimited: an agent hit its usage limit.
	EventRateLimited = "rate_limited"
	// EventFinished: the run ended, with its result.
	EventFinished = "finished"
	// EventBudget: a budget reached its warning level or its limit.
	EventBudget = "budget"
)

// Message is what a webhook receives as its JSON body and a command on its
// standard input. Its fields are documented in README.md and stable.
type Message struct {
	// Event is one of the Event* names.
	Event string `json:"event"`
	// Time is when it happened, in UTC.
	Time time.Time `json:"time"`
	// Project is the project root of the run.
	Project string `json:"project"`
	// RunID is the run's id (its log's base name).
	RunID string `json:"run_id"`
	// Text is one sentence for a person, fit for a phone notification.
	Text string `json:"text"`
	// TaskID is the task concerned, if any.
	TaskID string `json:"task_id,omitempty"`
	// Title is the task's title, when known.
	Title string `json:"title,omitempty"`
	// AgentID is the agent concerned (rate_limited), as "claude#1".
	AgentID string `json:"agent_id,omitempty"`
	// Attempt is the attempt concerned (rate_limited).
	Attempt int `json:"attempt,omitempty"`
	// Blockers are a blocked task's reasons.
	Blockers []string `json:"blockers,omitempty"`
	// Result is, on finished, the run's result line.
	Result string `json:"result,omitempty"`
	// Counts is, on finished, the run's task counts (as looper status
	// --json gives them).
	Counts *sinks.StatusCounts `json:"counts,omitempty"`
	// Interrupted is, on finished, set when the run was stopped.
	Interrupted bool `json:"interrupted,omitempty"`
}

// classRateLimited is the Class of an attempt that hit a usage limit
// (internal/agent's ClassRateLimited).
const classRateLimited = "rate-limited"

// fromEvent returns the message an event stands for, and false when it
// stands for none.
func fromEvent(e sinks.Event) (Message, bool) {
	m := Message{Time: e.Time.UTC(), TaskID: e.TaskID, Title: e.Title}
	task := e.TaskID
	if e.Title != "" {
		task += fmt.Sprintf(" (%s)", e.Title)
	}
	switch {
	case e.Kind == sinks.KindOutcome && e.Status == "blocked":
		m.Event, m.Blockers = EventBlocked, e.Blockers
		m.Text = task + " ended blocked"
		if len(e.Blockers) > 0 {
			m.Text += ": " + strings.Join(e.Blockers, "; ")
		}
	case e.Kind == sinks.KindOutcome && e.Status == "failed":
		m.Event, m.Blockers = EventFailed, e.Blockers
		m.Text = task + " failed"
		if why := firstNonEmpty(strings.Join(e.Blockers, "; "), e.Class); why != "" {
			m.Text += ": " + why
		}
	case e.Kind == sinks.KindAttempt && e.Class == classRateLimited:
		m.Event, m.AgentID, m.Attempt = EventRateLimited, e.AgentID, e.Attempt
		m.Text = e.AgentID + " hit its usage limit"
		if e.TaskID != "" {
			m.Text += " on " + e.TaskID
		}
		if e.Message != "" {
			m.Text += ": " + e.Message
		}
	case e.Kind == sinks.KindBudget:
		m.Event, m.Text = EventBudget, firstNonEmpty(e.Message, "a budget was reached")
	default:
		return Message{}, false
	}
	m.Text = clip(m.Text, 500)
	return m, true
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

// clip keeps at most n runes of s on one line.
func clip(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
