package agent

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/looper-go/looper/todo"
)

// Limits that keep summary extraction linear on hostile text.
const (
	// extractWindow is how much of the end of a message is searched.
	extractWindow = 4 << 20
	// maxRescans bounds the extra scans started at line starts and fences.
	maxRescans = 64
	// maxObjectBytes bounds one rescanned object.
	maxObjectBytes = 1 << 20
	// maxCandidates bounds the objects tried per message.
	maxCandidates = 4096
)

// extraction is the outcome of searching an agent's messages for the
// contract's JSON object.
type extraction struct {
	// json is the object that fits (nil when none does).
	json    []byte
	summary *todo.Summary
	review  *todo.ReviewSummary
	// bad is the newest object that looked like a summary but broke the
	// contract, and err says how; set only when nothing fits.
	bad []byte
	err error
}

// extractSummary searches texts, newest last, for the contract's object:
// the last object (by position) of the newest text that fits wins; older
// texts are searched only when a newer one has none. An object "looks like"
// a summary when it has a status (or task_id / added_tasks) key; other JSON
// in the text, such as code the agent quoted, is ignored.
func extractSummary(texts []string, c Contract, taskID string) extraction {
	var ex extraction
	for i := len(texts) - 1; i >= 0; i-- {
		got := extractFrom(texts[i], c, taskID)
		if got.json != nil {
			return got
		}
		if got.err != nil && ex.err == nil {
			ex.bad, ex.err = got.bad, got.err
		}
	}
	return ex
}

func extractFrom(text string, c Contract, taskID string) extraction {
	var ex extraction
	if len(text) > extractWindow {
		text = text[len(text)-extractWindow:]
	}
	// A message that is itself a JSON string (escaped JSON inside) is
	// searched after unquoting.
	if t := strings.TrimSpace(text); len(t) > 1 && t[0] == '"' {
		var inner string
		if json.Unmarshal([]byte(t), &inner) == nil {
			text = inner
		}
	}
	// Spans come enclosing-first, by end descending, and brace pairs nest
	// or are disjoint; so a span inside an already judged JSON value
	// directly follows it, and checking the last such value is enough.
	covered := span{-1, -1}
	for _, sp := range objectSpans(text) {
		if covered.start <= sp.start && sp.end <= covered.end {
			continue // part of a larger JSON value already judged
		}
		obj := []byte(text[sp.start:sp.end])
		if !json.Valid(obj) {
			continue
		}
		covered = sp
		if !looksLikeSummary(obj, c) {
			continue
		}
		sum, rev, err := fitContract(obj, c, taskID)
		if err == nil {
			ex.json, ex.summary, ex.review = obj, sum, rev
			return ex
		}
		if ex.err == nil {
			ex.bad, ex.err = obj, err
		}
	}
	return ex
}

// fitContract validates one object against the contract (todo's schemas)
// and, for a task summary, the attempt's task id.
func fitContract(obj []byte, c Contract, taskID string) (*todo.Summary, *todo.ReviewSummary, error) {
	switch c {
	case ContractReview:
		r, err := todo.ParseReviewSummary(obj)
		if err != nil {
			return nil, nil, err
		}
		return nil, &r, nil
	default:
		s, err := todo.ParseSummary(obj)
		if err != nil {
			return nil, nil, err
		}
		if taskID != "" && s.TaskID != "" && s.TaskID != taskID {
			return nil, nil, fmt.Errorf("summary is for task %q, but this attempt was for task %q", s.TaskID, taskID)
		}
		return &s, nil, nil
	}
}

func looksLikeSummary(obj []byte, c Contract) bool {
	if !bytes.Contains(obj, []byte(`"status"`)) && !bytes.Contains(obj, []byte(`"task_id"`)) && !bytes.Contains(obj, []byte(`"added_tasks"`)) {
		return false // cheap test first; most quoted JSON is not a summary
	}
	var keys map[string]json.RawMessage
	if json.Unmarshal(obj, &keys) != nil {
		return false
	}
	if _, ok := keys["status"]; ok {
		return true
	}
	if c == ContractReview {
		_, ok := keys["added_tasks"]
		return ok
	}
	_, ok := keys["task_id"]
	return ok
}

// span is a brace-balanced {…} region of a text, end exclusive.
type span struct{ start, end int }

// objectSpans finds every brace-balanced region of s, ordered newest first:
// by end descending, and an enclosing region before the ones inside it.
// Braces inside JSON strings do not count. String state is tracked only
// inside braces, so an apostrophe or a stray quote in prose does not
// derail the scan; because a stray quote inside prose braces could, the
// scan is repeated (bounded) from the last line starts that open an object
// and from the last fenced code blocks.
func objectSpans(s string) []span {
	out := scanAll(s, maxCandidates)
	seen := make(map[span]bool, len(out))
	for _, sp := range out {
		seen[sp] = true
	}
	for _, start := range rescanStarts(s) {
		if end, ok := matchObject(s, start); ok && !seen[span{start, end}] {
			seen[span{start, end}] = true
			out = append(out, span{start, end})
		}
	}
	slices.SortFunc(out, func(a, b span) int {
		return cmp.Or(cmp.Compare(b.end, a.end), cmp.Compare(a.start, b.start))
	})
	if len(out) > maxCandidates {
		out = out[:maxCandidates]
	}
	return out
}

// stringState tracks whether a byte scan is inside a JSON string, so that
// braces in strings are not counted.
type stringState struct{ in, escaped bool }

// skip reports whether ch belongs to a string (its quotes included once
// open), updating the state; open says whether a '"' may open a string here.
func (st *stringState) skip(ch byte, open bool) bool {
	switch {
	case st.in && st.escaped:
		st.escaped = false
	case st.in && ch == '\\':
		st.escaped = true
	case st.in && ch == '"':
		st.in = false
	case st.in:
	case ch == '"' && open:
		st.in = true
	default:
		return false
	}
	return true
}

// scanAll walks s once with a stack of open braces and returns the balanced
// pairs, keeping only about the last keep of them (the ones closing last).
func scanAll(s string, keep int) []span {
	var out []span
	var stack []int
	var st stringState
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if st.skip(ch, len(stack) > 0) {
			continue
		}
		switch ch {
		case '{':
			stack = append(stack, i)
		case '}':
			if len(stack) > 0 {
				start := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				out = append(out, span{start, i + 1})
				if len(out) >= 2*keep {
					out = append(out[:0], out[keep:]...)
				}
			}
		}
	}
	return out
}

// matchObject returns the end of the object that opens at s[start], with
// fresh string state, giving up after maxObjectBytes.
func matchObject(s string, start int) (int, bool) {
	depth := 0
	var st stringState
	limit := min(len(s), start+maxObjectBytes)
	for i := start; i < limit; i++ {
		ch := s[i]
		if st.skip(ch, true) {
			continue
		}
		switch ch {
		case '{':
			depth++
		case '}':
			depth--
			if depth == 0 {
				return i + 1, true
			}
		}
	}
	return 0, false
}

// rescanStarts lists where a fresh scan should begin: the last few "{" that
// start a line (after indentation) and the first "{" of the last few fenced
// code blocks.
func rescanStarts(s string) []int {
	var starts []int
	// Walk lines backwards.
	end := len(s)
	for end > 0 && len(starts) < maxRescans {
		nl := strings.LastIndexByte(s[:end], '\n')
		line := s[nl+1 : end]
		trimmed := strings.TrimLeft(line, " \t")
		if strings.HasPrefix(trimmed, "{") {
			starts = append(starts, nl+1+len(line)-len(trimmed))
		}
		if strings.HasPrefix(trimmed, "```") {
			// The fence's content starts on the next line.
			if i := strings.IndexByte(s[end:], '{'); i >= 0 && len(starts) < maxRescans {
				starts = append(starts, end+i)
			}
		}
		if nl < 0 {
			break
		}
		end = nl
	}
	return slices.Compact(sortedInts(starts))
}

func sortedInts(xs []int) []int {
	slices.Sort(xs)
	return xs
}
