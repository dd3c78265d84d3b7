package agent

import (
	"fmt"
	"strings"
	"syscall"
	"time"
)

// procOutcome is how the agent's process ended, as conclude needs it.
type procOutcome struct {
	stop       stopReason
	stopDetail string
	exitCode   int
	signal     syscall.Signal
	stderrTail string
	// lastMessage is what codex wrote to --output-last-message.
	lastMessage string
}

// conclude turns what an attempt produced into its Result: the final
// text, the class (doc.go's decision table) and, when the agent finished,
// the summary its answer holds. It is pure, so the transcripts can be
// replayed through it without a process.
func conclude(spec Spec, req Request, t *transcript, po procOutcome, now time.Time) Result {
	res := Result{
		SessionID:  t.sessionID,
		Usage:      estimateCost(spec, t.usage), // codex reports no cost: price.go estimates it
		ExitCode:   po.exitCode,
		StderrTail: po.stderrTail,
	}
	texts := t.texts
	switch spec.Format {
	case FormatClaude:
		res.Text = t.lastText()
		if t.hasFinal && strings.TrimSpace(t.final) != "" {
			res.Text = t.final
			if t.final != t.lastText() {
				texts = append(texts[:len(texts):len(texts)], t.final)
			}
		}
	case FormatCodex:
		if t.hasFinal {
			res.Text = t.final
		} else if strings.TrimSpace(po.lastMessage) != "" {
			res.Text = po.lastMessage
			texts = []string{po.lastMessage}
		}
	default:
		res.Text = t.final
	}
	res.Text = strings.TrimSpace(res.Text)

	v := classify(outcome{
		name: spec.Name, format: spec.Format, stop: po.stop, stopDetail: po.stopDetail,
		exitCode: po.exitCode, signal: po.signal, t: t, stderrTail: po.stderrTail,
		timeout: spec.Timeout, idle: spec.IdleTimeout, retry: spec.RetryTimeout, now: now,
		api: apiEndpoint(spec), version: spec.Version,
	})
	res.Class, res.Err, res.ResetAt = v.class, v.err, v.resetAt
	res.Denials = t.denials
	if res.Class != ClassOK || req.Contract == ContractNone {
		return res
	}
	ex := extractSummary(texts, req.Contract, req.TaskID)
	switch {
	case ex.json != nil:
		res.SummaryJSON, res.Summary, res.Review = ex.json, ex.summary, ex.review
	case ex.err != nil:
		res.Class, res.SummaryJSON = ClassInvalidSummary, ex.bad
		res.Err = fmt.Sprintf("%s returned a %s summary that breaks the contract: %v", spec.Name, req.Contract, ex.err)
	default:
		res.Class = ClassNoSummary
		res.Err = fmt.Sprintf("%s finished without a %s summary: its final message holds no JSON object with a \"status\"", spec.Name, req.Contract)
	}
	return res
}
