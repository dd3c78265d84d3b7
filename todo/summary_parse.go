package todo

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// SummaryError says why an agent's summary was refused: the JSON does not
// parse or does not match the contract. Its message lists every problem with
// its JSON path, for the run log and the task's blockers.
type SummaryError struct {
	// Contract is "summary" or "review summary".
	Contract string
	Problems []Problem
}

// Error lists the problems on one line, for logs and blockers.
func (e *SummaryError) Error() string {
	parts := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		parts[i] = p.String()
		if p.Line > 0 {
			parts[i] = fmt.Sprintf("line %d column %d: %s", p.Line, p.Column, parts[i])
		}
	}
	return fmt.Sprintf("invalid %s: %s", e.Contract, strings.Join(parts, "; "))
}

// ParseSummary decodes the JSON object an agent returned after a task
// attempt (already extracted from its output) and checks it against
// SummarySchemaJSON: task_id a string or null, status done, blocked or
// skipped, optional summary, files and blockers, nothing else. A null
// task_id becomes "". Failures are a *SummaryError.
func ParseSummary(data []byte) (Summary, error) {
	var s Summary
	err := parseContract("summary", summarySchema(), data, &s)
	return s, err
}

// ParseReviewSummary decodes and checks the JSON object an agent returned
// from the review pass against ReviewSummarySchemaJSON: status "reviewed",
// optional summary, added_tasks (a count, at least 0) and files.
func ParseReviewSummary(data []byte) (ReviewSummary, error) {
	var s ReviewSummary
	err := parseContract("review summary", reviewSchema(), data, &s)
	return s, err
}

func parseContract(contract string, sch *jsonschema.Schema, data []byte, dst any) error {
	doc, problems, syntax := parseJSON(data)
	if syntax != nil {
		return &SummaryError{Contract: contract, Problems: []Problem{*syntax}}
	}
	problems = append(problems, schemaProblems(sch, doc, nil)...)
	if len(problems) > 0 {
		sortProblems(problems)
		return &SummaryError{Contract: contract, Problems: problems}
	}
	if err := json.Unmarshal(data, dst); err != nil {
		return &SummaryError{Contract: contract, Problems: []Problem{{Message: err.Error()}}}
	}
	return nil
}
