package todo

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestParseSummary(t *testing.T) {
	t.Parallel()
	tests := []struct {
		data    string
		want    Summary
		wantErr string
	}{
		{data: `{"task_id":"T1","status":"done","summary":"ok","files":["a.go"],"blockers":[]}`,
			want: Summary{TaskID: "T1", Status: "done", Summary: "ok", Files: []string{"a.go"}, Blockers: []string{}}},
		{data: `{"task_id":null,"status":"skipped","summary":"nothing to do"}`,
			want: Summary{Status: "skipped", Summary: "nothing to do"}},
		{data: `{"task_id":"T1","status":"blocked","blockers":["no key"]}`,
			want: Summary{TaskID: "T1", Status: "blocked", Blockers: []string{"no key"}}},
		{data: `{"status":"done"}`, wantErr: `invalid summary: task_id: missing required field "task_id"`},
		{data: `{"task_id":"T1","status":"finished"}`, wantErr: `status: value must be one of 'done', 'blocked', 'skipped'`},
		{data: `{"task_id":1,"status":"done"}`, wantErr: `task_id: wrong type: got number, want null or string`},
		{data: `{"task_id":"T1","status":"done","notes":"x"}`, wantErr: `notes: unknown field "notes"`},
		{data: `{"task_id":"T1","status":"done","files":"a.go"}`, wantErr: `files: wrong type: got string, want array`},
		{data: `{"task_id":"T1","status":"done","status":"blocked"}`, wantErr: `status: duplicate key "status"`},
		{data: `{"task_id":"T1",`, wantErr: `invalid summary: line 1 column 17: malformed JSON`},
		{data: `["T1"]`, wantErr: `wrong type: got array, want object`},
	}
	for _, tt := range tests {
		got, err := ParseSummary([]byte(tt.data))
		if tt.wantErr != "" {
			var se *SummaryError
			if !errors.As(err, &se) || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseSummary(%s) = %v, want a *SummaryError containing %q", tt.data, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseSummary(%s): %v", tt.data, err)
			continue
		}
		if got.TaskID != tt.want.TaskID || got.Status != tt.want.Status || got.Summary != tt.want.Summary ||
			!slices.Equal(got.Files, tt.want.Files) || !slices.Equal(got.Blockers, tt.want.Blockers) {
			t.Errorf("ParseSummary(%s) = %+v, want %+v", tt.data, got, tt.want)
		}
	}
}

func TestParseReviewSummary(t *testing.T) {
	t.Parallel()
	got, err := ParseReviewSummary([]byte(`{"status":"reviewed","summary":"two gaps","added_tasks":2,"files":[".looper/todo.json"]}`))
	if err != nil || got.Status != "reviewed" || got.AddedTasks != 2 || got.Summary != "two gaps" || len(got.Files) != 1 {
		t.Errorf("ParseReviewSummary = %+v, %v", got, err)
	}
	for data, want := range map[string]string{
		`{"status":"done"}`:                       `status: value must be 'reviewed'`,
		`{"status":"reviewed","added_tasks":-1}`:  `added_tasks: must be at least 0, got -1`,
		`{"status":"reviewed","task_id":"T1"}`:    `task_id: unknown field`,
		`{"summary":"x"}`:                         `status: missing required field`,
		`{"status":"reviewed","added_tasks":1.5}`: `added_tasks: wrong type: got number, want integer`,
	} {
		if _, err := ParseReviewSummary([]byte(data)); err == nil || !strings.Contains(err.Error(), "invalid review summary: ") || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseReviewSummary(%s) = %v, want %q", data, err, want)
		}
	}
}

func FuzzParseSummary(f *testing.F) {
	f.Add([]byte(`{"task_id":"T1","status":"done","summary":"ok","files":["a.go"],"blockers":[]}`))
	f.Add([]byte(`{"task_id":null,"status":"skipped"}`))
	f.Add([]byte(`{"task_id":"T1","status":"done","status":"x"}`))
	f.Add([]byte(`{"task_id":"\u0054\u0031","status":"blocked","blockers":["a","b"]}`))
	f.Add([]byte(`{"task_id":"T1"`))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := ParseSummary(data)
		if err != nil {
			var se *SummaryError
			if !errors.As(err, &se) || len(se.Problems) == 0 {
				t.Fatalf("error %T without problems: %v", err, err)
			}
			return
		}
		switch s.Status {
		case SummaryDone, SummaryBlocked, SummarySkipped:
		default:
			t.Fatalf("accepted status %q", s.Status)
		}
		// An accepted summary applies cleanly to a backlog that has its task.
		id := s.TaskID
		if id == "" {
			id = "T1"
		}
		b := &Backlog{SchemaVersion: 1, Tasks: []Task{{ID: id, Title: "t", Priority: 1, Status: StatusDoing}}}
		if err := b.ApplySummary(s, testNow); err != nil {
			t.Fatalf("ApplySummary of an accepted summary: %v", err)
		}
	})
}
