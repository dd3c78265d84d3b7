package agent

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/looper-go/looper/todo"
)

// parseTaskSummary checks one JSON object against the task summary
// contract: task_id a string or null, status done, blocked or skipped,
// optional summary, files and blockers, nothing else.
func parseTaskSummary(data []byte) (todo.Summary, error) {
	var s todo.Summary
	fields, err := objectFields(data)
	if err != nil {
		return s, err
	}
	var problems []string
	for k := range fields {
		if !slices.Contains([]string{"task_id", "status", "summary", "files", "blockers"}, k) {
			problems = append(problems, fmt.Sprintf("unknown field %q", k))
		}
	}
	if raw, ok := fields["task_id"]; !ok {
		problems = append(problems, "task_id is required (use null when no task was worked on)")
	} else if !isNull(raw) && !isString(raw) {
		problems = append(problems, "task_id must be a string or null")
	}
	if raw, ok := fields["status"]; !ok {
		problems = append(problems, "status is required")
	} else if st := jsonString(raw); !slices.Contains([]string{todo.SummaryDone, todo.SummaryBlocked, todo.SummarySkipped}, st) {
		problems = append(problems, fmt.Sprintf("status must be done, blocked or skipped, not %s", raw))
	}
	problems = append(problems, optionalString(fields, "summary")...)
	problems = append(problems, optionalStrings(fields, "files")...)
	problems = append(problems, optionalStrings(fields, "blockers")...)
	if len(problems) > 0 {
		slices.Sort(problems)
		return s, fmt.Errorf("invalid summary: %s", strings.Join(problems, "; "))
	}
	if err := json.Unmarshal(data, &s); err != nil {
		return s, fmt.Errorf("invalid summary: %w", err)
	}
	return s, nil
}

// parseReviewSummary checks one JSON object against the review contract:
// status "reviewed", optional summary, added_tasks (at least 0) and files,
// nothing else.
func parseReviewSummary(data []byte) (todo.ReviewSummary, error) {
	var s todo.ReviewSummary
	fields, err := objectFields(data)
	if err != nil {
		return s, err
	}
	var problems []string
	for k := range fields {
		if !slices.Contains([]string{"status", "summary", "added_tasks", "files"}, k) {
			problems = append(problems, fmt.Sprintf("unknown field %q", k))
		}
	}
	if raw, ok := fields["status"]; !ok {
		problems = append(problems, "status is required")
	} else if jsonString(raw) != "reviewed" {
		problems = append(problems, fmt.Sprintf(`status must be "reviewed", not %s`, raw))
	}
	if raw, ok := fields["added_tasks"]; ok {
		var n int
		if json.Unmarshal(raw, &n) != nil || n < 0 {
			problems = append(problems, "added_tasks must be a whole number, at least 0")
		}
	}
	problems = append(problems, optionalString(fields, "summary")...)
	problems = append(problems, optionalStrings(fields, "files")...)
	if len(problems) > 0 {
		slices.Sort(problems)
		return s, fmt.Errorf("invalid review summary: %s", strings.Join(problems, "; "))
	}
	if err := json.Unmarshal(data, &s); err != nil {
		return s, fmt.Errorf("invalid review summary: %w", err)
	}
	return s, nil
}

func objectFields(data []byte) (map[string]json.RawMessage, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(data, &fields); err != nil {
		return nil, fmt.Errorf("not a JSON object: %w", err)
	}
	if fields == nil {
		return nil, fmt.Errorf("not a JSON object: null")
	}
	return fields, nil
}

func isNull(raw json.RawMessage) bool { return bytes.Equal(bytes.TrimSpace(raw), []byte("null")) }

func isString(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	return len(raw) > 0 && raw[0] == '"'
}

func optionalString(fields map[string]json.RawMessage, key string) []string {
	if raw, ok := fields[key]; ok && !isString(raw) {
		return []string{key + " must be a string"}
	}
	return nil
}

func optionalStrings(fields map[string]json.RawMessage, key string) []string {
	raw, ok := fields[key]
	if !ok {
		return nil
	}
	var ss []string
	if bytes.HasPrefix(bytes.TrimSpace(raw), []byte("[")) && json.Unmarshal(raw, &ss) == nil {
		return nil
	}
	return []string{key + " must be an array of strings"}
}
