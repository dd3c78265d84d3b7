package fakeagent

import (
	"encoding/json"
	"slices"
)

// ptr returns a pointer to v, for the optional fields of literal steps.
func ptr[T any](v T) *T { return &v }

// Builtins lists the names of the built-in scenarios, for docs and errors.
func Builtins() []string {
	names := make([]string, 0, len(builtins)+len(misbehaviours))
	for n := range builtins {
		names = append(names, n)
	}
	for n := range misbehaviours {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// builtins are the named scenarios. Strings may use {task} and {mode}.
var builtins = map[string]Scenario{
	"success": {Steps: []Step{
		{Text: ptr("Working on {task}.")},
		{Command: &CommandStep{Cmd: "go test ./...", Output: "ok  \texample.com/fake\t0.012s"}},
		{Summary: &SummaryStep{}},
	}},
	"noop":    {Steps: []Step{{Summary: &SummaryStep{}}}},
	"blocked": {Steps: []Step{{Text: ptr("I cannot finish {task}.")}, {Summary: &SummaryStep{Status: "blocked", Blockers: []string{"the fake agent was told to block"}}}}},
	"delay":   {Steps: []Step{{SleepMS: ptr(500)}, {Summary: &SummaryStep{}}}},
	"fail": {Steps: []Step{
		{Text: ptr("Starting on {task}.")},
		{Stderr: ptr("fatal: the fake agent failed on purpose")},
		{Exit: ptr(3)},
	}},
	"hang":           {Steps: []Step{{Text: ptr("Thinking about {task}…")}, {Hang: true}}},
	"ignore-sigterm": {OnSigterm: "ignore", Steps: []Step{{Text: ptr("Thinking about {task}, deaf to SIGTERM…")}, {Hang: true}}},
	"huge-line":      {Steps: []Step{{HugeLine: ptr(17 << 20)}, {Summary: &SummaryStep{}}}},
	"flood":          {Steps: []Step{{Flood: ptr(20000)}, {Summary: &SummaryStep{}}}},
	"malformed": {Steps: []Step{
		{Malformed: true},
		{Raw: ptr("npm WARN deprecated fake-package@1.0.0")},
		{Summary: &SummaryStep{}},
	}},
	"partial-line": {NoFinalNewline: true, Steps: []Step{{Summary: &SummaryStep{}}}},
	"truncated": {Steps: []Step{
		{Text: ptr("Working on {task}.")},
		{Raw: ptr(`{"type":"resu`), NoNewline: true},
		{Exit: ptr(0)},
	}},
	"rate-limit": {Steps: []Step{{RateLimit: &RateLimitStep{ResetsInS: 3600}}}},
	"auth":       {Steps: []Step{{Auth: &AuthStep{}}}},
	"max-turns": {Steps: []Step{
		{Command: &CommandStep{Cmd: "ls", Output: "go.mod"}},
		{MaxTurns: &MaxTurnsStep{}},
	}},
	"edit": {Steps: []Step{
		{WriteFile: &WriteFileStep{Path: "fake-{task}.txt", Content: "edited by the fake agent for {task}\n"}},
		{Summary: &SummaryStep{}},
	}},
	"commit": {Steps: []Step{
		{WriteFile: &WriteFileStep{Path: "fake-{task}.txt", Content: "committed by the fake agent for {task}\n"}},
		{GitCommit: &GitCommitStep{Message: "feat({task}): fake change"}},
		{Summary: &SummaryStep{}},
	}},
	// try is what `looper run --agent fake` runs on a real project: no
	// model, a small file written and committed per task, saying so.
	"try": {Steps: []Step{
		{Text: ptr("looper's fake agent: no model is called; it writes and commits looper-fake/{task}.txt to show the loop working.")},
		{WriteFile: &WriteFileStep{Path: "looper-fake/{task}.txt", Content: "Written by looper's fake agent for task {task}; not real work. Delete this directory when you are done trying looper.\n"}},
		{GitCommit: &GitCommitStep{Message: "looper fake agent: {task} (not real work)"}},
		{Summary: &SummaryStep{Summary: "The fake agent wrote looper-fake/{task}.txt (not real work)."}},
	}},
	"review":          {Steps: []Step{{Text: ptr("Reviewing the backlog.")}, {Summary: &SummaryStep{}}}},
	"crash":           {Steps: []Step{{Text: ptr("Working on {task}.")}, {Signal: "KILL"}}},
	"orphan":          {Steps: []Step{{Background: []string{"sleep", "60"}}, {Summary: &SummaryStep{}}}},
	"no-summary":      {Steps: []Step{{Final: ptr("I did the work on {task} but forgot the JSON.")}}},
	"invalid-summary": {Steps: []Step{{Summary: &SummaryStep{Status: "finished"}}}},
	"wrong-task":      {Steps: []Step{{Summary: &SummaryStep{TaskID: json.RawMessage(`"SOMEONE-ELSE"`)}}}},
}

// defaultScenario is what runs when nothing selects a scenario: a short
// success for the mode (the summary step adapts to it).
func defaultScenario(mode string) Scenario {
	switch mode {
	case "review":
		return builtins["review"]
	case "bootstrap", "repair":
		return Scenario{Steps: []Step{{Text: ptr("Working on the {mode}.")}, {Summary: &SummaryStep{}}}}
	}
	return builtins["success"]
}
