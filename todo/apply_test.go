package todo

import (
	"slices"
	"strings"
	"testing"
	"time"
)

var testNow = time.Date(2026, 1, 25, 12, 56, 39, 31985113, time.FixedZone("CET", 3600))

const testStamp = Timestamp("2026-01-25T11:56:39.031985113Z")

func TestSetStatusAndBlockers(t *testing.T) {
	t.Parallel()
	b := backlogOf(task("T1", 1, StatusTodo))
	if err := b.SetStatus("T1", StatusDoing, testNow); err != nil {
		t.Fatal(err)
	}
	if tk := b.Task("T1"); tk.Status != StatusDoing || tk.UpdatedAt != testStamp {
		t.Errorf("after SetStatus: %s %s, want doing %s", tk.Status, tk.UpdatedAt, testStamp)
	}
	if err := b.SetStatus("T1", "finished", testNow); err == nil {
		t.Error("SetStatus accepted an invalid status")
	}
	if err := b.SetStatus("T9", StatusDone, testNow); err == nil || !strings.Contains(err.Error(), `"T9"`) {
		t.Errorf("SetStatus(unknown) = %v", err)
	}
	b.Task("T1").UpdatedAt = ""
	if err := b.AddBlockers("T1", []string{"timeout after 30m", "", "timeout after 30m", "exit 1"}, testNow); err != nil {
		t.Fatal(err)
	}
	if tk := b.Task("T1"); !slices.Equal(tk.Blockers, []string{"timeout after 30m", "exit 1"}) || tk.UpdatedAt != testStamp {
		t.Errorf("blockers %q stamped %q", tk.Blockers, tk.UpdatedAt)
	}
	if err := b.AddBlockers("T9", []string{"x"}, testNow); err == nil {
		t.Error("AddBlockers on an unknown id succeeded")
	}
}

func TestApplySummary(t *testing.T) {
	t.Parallel()
	base := func() Task {
		return Task{ID: "T1", Title: "t", Priority: 2, Status: StatusDoing, Details: "Earlier notes.",
			Files: []string{"a.go"}, Blockers: []string{"old blocker"}}
	}
	tests := []struct {
		name    string
		summary Summary
		want    Task
		wantErr string
	}{{
		name:    "done: status, details appended, files united, blockers cleared",
		summary: Summary{TaskID: "T1", Status: "done", Summary: "Implemented it.", Files: []string{"a.go", "b.go"}, Blockers: []string{"ignored"}},
		want: Task{ID: "T1", Title: "t", Priority: 2, Status: StatusDone, Details: "Earlier notes.\n\nImplemented it.",
			Files: []string{"a.go", "b.go"}, UpdatedAt: testStamp},
	}, {
		name:    "blocked: blockers united",
		summary: Summary{TaskID: "T1", Status: "blocked", Summary: "Needs a key.", Blockers: []string{"old blocker", "no API key"}},
		want: Task{ID: "T1", Title: "t", Priority: 2, Status: StatusBlocked, Details: "Earlier notes.\n\nNeeds a key.",
			Files: []string{"a.go"}, Blockers: []string{"old blocker", "no API key"}, UpdatedAt: testStamp},
	}, {
		name:    "skipped: status left to the caller",
		summary: Summary{TaskID: "T1", Status: "skipped", Summary: "Already done upstream."},
		want: Task{ID: "T1", Title: "t", Priority: 2, Status: StatusDoing, Details: "Earlier notes.\n\nAlready done upstream.",
			Files: []string{"a.go"}, Blockers: []string{"old blocker"}, UpdatedAt: testStamp},
	}, {
		name:    "the same summary twice is not repeated",
		summary: Summary{TaskID: "T1", Status: "done", Summary: "Earlier notes."},
		want: Task{ID: "T1", Title: "t", Priority: 2, Status: StatusDone, Details: "Earlier notes.",
			Files: []string{"a.go"}, UpdatedAt: testStamp},
	}, {
		name:    "null task id: nothing happens",
		summary: Summary{Status: "skipped", Summary: "nothing to do"},
		want:    base(),
	}, {
		name:    "unknown task",
		summary: Summary{TaskID: "T7", Status: "done"},
		want:    base(),
		wantErr: `summary names task "T7", which is not in the backlog`,
	}, {
		name:    "bad status",
		summary: Summary{TaskID: "T1", Status: "finished"},
		want:    base(),
		wantErr: `status "finished" is not done, blocked or skipped`,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := backlogOf(base())
			err := b.ApplySummary(tt.summary, testNow)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			got := b.Tasks[0]
			if got.ID != tt.want.ID || got.Status != tt.want.Status || got.Details != tt.want.Details ||
				!slices.Equal(got.Files, tt.want.Files) || !slices.Equal(got.Blockers, tt.want.Blockers) || got.UpdatedAt != tt.want.UpdatedAt {
				t.Errorf("task after ApplySummary:\n got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestApplySummaryEmptyDetails(t *testing.T) {
	t.Parallel()
	b := backlogOf(task("T1", 1, StatusDoing))
	b.ApplySummary(Summary{TaskID: "T1", Status: "done", Summary: "  First.  "}, testNow)
	b.ApplySummary(Summary{TaskID: "T1", Status: "done", Summary: ""}, testNow)
	b.ApplySummary(Summary{TaskID: "T1", Status: "done", Summary: "Second."}, testNow)
	b.ApplySummary(Summary{TaskID: "T1", Status: "done", Summary: "Second."}, testNow)
	if got := b.Tasks[0].Details; got != "First.\n\nSecond." {
		t.Errorf("details = %q", got)
	}
}

func TestProjectDone(t *testing.T) {
	t.Parallel()
	b := backlogOf(task("T1", 1, StatusDone))
	if b.ProjectDone() {
		t.Fatal("ProjectDone on a backlog without the marker")
	}
	b.AddProjectDone(testNow)
	b.AddProjectDone(testNow)
	if len(b.Tasks) != 2 || !b.ProjectDone() {
		t.Fatalf("AddProjectDone twice: %d tasks", len(b.Tasks))
	}
	m := b.Tasks[1]
	if m.ID != "PROJECT-DONE" || m.Title != "Project done: no new tasks" || m.Priority != 5 || m.Status != StatusDone ||
		!slices.Equal(m.Tags, []string{"project-done"}) || m.CreatedAt != testStamp || m.UpdatedAt != testStamp {
		t.Errorf("marker = %+v", m)
	}
	if err := b.Validate(); err != nil {
		t.Errorf("backlog with the marker is invalid: %v", err)
	}
	for _, marker := range []Task{{ID: "project-done"}, {ID: "T9", Tags: []string{"x", "Project-Done"}}} {
		if !(&Backlog{Tasks: []Task{marker}}).ProjectDone() {
			t.Errorf("marker %+v not recognised", marker)
		}
	}
}
