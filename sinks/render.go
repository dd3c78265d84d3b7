package sinks

import (
	"encoding/json"
	"log/slog"
	"strings"
	"time"
)

// render returns how an event reads: a head put before its first line, the
// body (split into lines by the caller) and trailing attributes.
func render(e Event) (head, body string, attrs []slog.Attr) {
	switch e.Kind {
	case KindText:
		return "", e.Message, nil
	case KindReasoning:
		return "thinking: ", e.Message, nil
	case KindStderr:
		return "stderr: ", e.Message, nil
	case KindRaw:
		if e.Raw != "" {
			return "raw: ", e.Raw, nil
		}
		return "raw: ", e.Message, nil
	case KindToolResult:
		if e.Tool != "" {
			return "→ " + e.Tool + ": ", e.Message, nil
		}
		return "→ ", e.Message, nil
	case KindTool:
		return toolHead(e.Tool, e.Message), e.Message, nil
	case KindCommand:
		return renderCommand(e)
	case KindStatus:
		return "", renderStatus(e), nil
	case KindAttempt:
		return renderAttempt(e)
	case KindDecision:
		return renderDecision(e), "", nil
	case KindOutcome:
		return renderOutcome(e)
	case KindSummary:
		return renderSummary(e)
	case KindWaiting:
		return "not run: ", e.Message, nil
	}
	if e.Path != "" {
		attrs = append(attrs, slog.String("path", e.Path))
	}
	return "", e.Message, attrs
}

// toolHead is how a tool call starts: "$ " for shell tools, else the tool
// name, so `Read file.go` and `$ go test ./...` read as what they did.
func toolHead(tool, input string) string {
	switch strings.ToLower(tool) {
	case "bash", "shell", "local_shell", "exec_command", "command_execution":
		return "$ "
	case "":
		return "tool: "
	}
	if input == "" {
		return tool
	}
	return tool + " "
}

func renderCommand(e Event) (string, string, []slog.Attr) {
	var attrs []slog.Attr
	if e.ExitCode != 0 {
		attrs = append(attrs, slog.Int("exit", e.ExitCode))
	}
	if e.Duration != 0 {
		attrs = append(attrs, slog.String("took", fmtDuration(e.Duration)))
	}
	if len(e.Command) == 0 {
		return "", e.Message, attrs // an agent's exit: its command was shown when it started
	}
	line := shortCommand(e.Command)
	if e.Message != "" {
		line += " (" + e.Message + ")"
	}
	return "$ " + line, "", attrs
}

func renderStatus(e Event) string {
	s := "status " + e.Status
	switch e.PrevStatus {
	case "":
	case e.Status: // picked up as it was left: "doing again"
		s = e.Status + " again (left " + e.Status + " by an earlier run)"
	default:
		s = e.PrevStatus + " → " + e.Status
	}
	if e.Title != "" {
		s += ": " + e.Title
	}
	return s
}

func renderAttempt(e Event) (string, string, []slog.Attr) {
	s := attemptHead(e.Class, e.Status)
	if e.Message != "" {
		s += ": " + e.Message
	}
	var attrs []slog.Attr
	if e.Duration != 0 {
		attrs = append(attrs, slog.String("took", fmtDuration(e.Duration)))
	}
	if e.Usage != nil {
		if n := e.Usage.InputTokens + e.Usage.OutputTokens; n != 0 {
			attrs = append(attrs, slog.Int64("tokens", n))
		}
		if e.Usage.CostUSD != 0 {
			if e.Usage.CostEstimated {
				// "est_cost=~$0.0123": looper's estimate, not the agent's figure.
				attrs = append(attrs, slog.String("est_cost", strings.TrimSuffix(fmtCostOf(e.Usage.CostUSD, true), " (est.)")))
			} else {
				attrs = append(attrs, slog.String("cost", fmtCost(e.Usage.CostUSD)))
			}
		}
	}
	if e.ExitCode != 0 {
		attrs = append(attrs, slog.Int("exit", e.ExitCode))
	}
	return s, "", attrs
}

// renderDecision is the one-line account of a vote:
// "decided done: 2/3 verified, winner codex#2, +41 -3 lines".
func renderDecision(e Event) string {
	var parts []string
	for _, p := range []string{e.Votes, prefixed("winner ", e.Winner), e.Message} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	s := "decided"
	if e.Status != "" {
		s += " " + e.Status
	}
	if len(parts) > 0 {
		s += ": " + strings.Join(parts, ", ")
	}
	return s
}

func renderOutcome(e Event) (string, string, []slog.Attr) {
	s := e.Status
	switch s {
	case "":
		s = "finished"
	case outcomeFailed:
		s = outcomeBlocked // as the backlog has it; the blockers say what failed
	}
	if e.Title != "" {
		s += ": " + e.Title
	}
	if len(e.Blockers) > 0 {
		s += " [" + strings.Join(e.Blockers, "; ") + "]"
	}
	if e.Message != "" {
		s += " (" + e.Message + ")"
	}
	var attrs []slog.Attr
	if e.Duration != 0 {
		attrs = append(attrs, slog.String("took", fmtDuration(e.Duration)))
	}
	return s, "", attrs
}

// renderSummary shows an agent's summary as "summary done: what it did",
// reading the upstream summary contract out of the raw JSON.
func renderSummary(e Event) (string, string, []slog.Attr) {
	var s struct {
		Status     string   `json:"status"`
		Summary    string   `json:"summary"`
		Files      []string `json:"files"`
		AddedTasks int      `json:"added_tasks"`
	}
	var attrs []slog.Attr
	if len(e.Summary) == 0 || json.Unmarshal(e.Summary, &s) != nil {
		if len(e.Summary) > 0 {
			return "summary: ", string(e.Summary), nil
		}
		return "summary: ", e.Message, nil
	}
	if n := max(len(s.Files), len(e.Files)); n > 0 {
		attrs = append(attrs, slog.Int("files", n))
	}
	if s.AddedTasks > 0 {
		attrs = append(attrs, slog.Int("added_tasks", s.AddedTasks))
	}
	head := "summary"
	if s.Status != "" {
		head += " " + s.Status
	}
	return head + ": ", s.Summary, attrs
}

func prefixed(p, s string) string {
	if s == "" {
		return ""
	}
	return p + s
}

// fmtDuration rounds a duration to what a person reads: whole seconds from
// one second up, milliseconds below.
func fmtDuration(d time.Duration) string {
	if d >= time.Second || d <= -time.Second {
		return d.Round(time.Second).String()
	}
	return d.Round(time.Millisecond).String()
}
