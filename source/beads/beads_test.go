package beads

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/looper-go/looper/todo"
)

const issues = `{"id":"bd-1","title":"Schema","description":"Define it.","status":"closed","priority":1,"issue_type":"task","created_at":"2025-10-01T10:00:00Z","updated_at":"2025-10-02T10:00:00Z","closed_at":"2025-10-02T10:00:00Z"}
{"id":"bd-2","title":"Store","description":"Keep it.","design":"SQLite.","status":"open","priority":0,"issue_type":"task","created_at":"2025-10-01T10:00:00Z","updated_at":"2025-10-01T10:00:00Z","dependencies":[{"issue_id":"bd-2","depends_on_id":"bd-1","type":"blocks","created_at":"2025-10-01T10:00:00Z","created_by":"me"},{"issue_id":"bd-2","depends_on_id":"bd-5","type":"parent-child"}]}
{"id":"bd-3","title":"Later","status":"deferred","priority":3,"created_at":"2025-10-01T10:00:00Z","updated_at":"2025-10-01T10:00:00Z"}
{"id":"bd-4","title":"Needs later","status":"open","priority":2,"dependencies":[{"issue_id":"bd-4","depends_on_id":"bd-3","type":"blocks"},{"issue_id":"bd-4","depends_on_id":"bd-1","type":"related"}]}
{"id":"bd-5","title":"Epic","status":"open","priority":4,"issue_type":"epic"}
`

func view(b *todo.Backlog) []string {
	var out []string
	for _, t := range b.Tasks {
		out = append(out, t.ID+":"+string(t.Status)+":"+strings.Join(t.DependsOn, ","))
	}
	return out
}

func TestParse(t *testing.T) {
	b, err := Format{}.Parse("issues.jsonl", []byte(issues))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"bd-1:done:", "bd-2:todo:bd-1", "bd-5:todo:bd-2"}
	if diff := cmp.Diff(want, view(b)); diff != "" {
		t.Fatalf("(-want +got):\n%s", diff)
	}
	if p := b.Task("bd-2").Priority; p != 1 {
		t.Errorf("priority 0 is looper's %d, want 1", p)
	}
	if d := b.Task("bd-2").Description; d != "Keep it.\n\nDesign:\nSQLite." {
		t.Errorf("description %q", d)
	}
}

func TestParseErrorsAreLocated(t *testing.T) {
	bad := `{"id":"bd-1","title":"A","status":"todo"}

{"id":"bd-2","title":"","priority":7}
{"id":"bd-3","title":"C","dependencies":[{"depends_on_id":"bd-9","type":"blocks"}]}
not json
`
	_, err := Format{}.Parse("issues.jsonl", []byte(bad))
	var ve *todo.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("%v", err)
	}
	for _, want := range []string{
		`issues.jsonl:1:26: status: status "todo" is not one of open`,
		`issues.jsonl:3:14: title: title is missing`,
		`issues.jsonl:3:25: priority: priority 7 is not 0`,
		`issues.jsonl:5:2: malformed JSON`,
		`issues.jsonl:4:42: dependencies[0]: bd-3 depends on bd-9`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("errors lack %q:\n%v", want, err)
		}
	}
	cyc := "{\"id\":\"a\",\"title\":\"A\",\"dependencies\":[{\"depends_on_id\":\"b\",\"type\":\"blocks\"}]}\n{\"id\":\"b\",\"title\":\"B\",\"dependencies\":[{\"depends_on_id\":\"a\",\"type\":\"blocks\"}]}\n"
	if _, err := (Format{}).Parse("issues.jsonl", []byte(cyc)); err == nil || !strings.Contains(err.Error(), "issues.jsonl:1:") || !strings.Contains(err.Error(), "dependency cycle a -> b -> a") {
		t.Fatalf("cycle: %v", err)
	}
}

func TestPatchChangesOnlyTheIssuesLines(t *testing.T) {
	f := Format{}
	b, err := f.Parse("issues.jsonl", []byte(issues))
	if err != nil {
		t.Fatal(err)
	}
	same, err := f.Patch([]byte(issues), b, time.Now())
	if err != nil || string(same) != issues {
		t.Fatalf("unchanged backlog changed the file: %v", err)
	}
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	b.Task("bd-2").Status = todo.StatusDone
	b.Task("bd-2").Details = "Stored it."
	b.Task("bd-5").Status = todo.StatusBlocked
	b.Task("bd-5").Blockers = []string{"agent crashed"}
	out, err := f.Patch([]byte(issues), b, now)
	if err != nil {
		t.Fatal(err)
	}
	in, got := strings.Split(issues, "\n"), strings.Split(string(out), "\n")
	for _, i := range []int{0, 2, 3, 5} {
		if in[i] != got[i] {
			t.Errorf("line %d changed:\n%s\n%s", i+1, in[i], got[i])
		}
	}
	want2 := strings.Replace(in[1], `"status":"open"`, `"status":"closed"`, 1)
	want2 = strings.Replace(want2, `"updated_at":"2025-10-01T10:00:00Z"`, `"updated_at":"2026-01-02T03:04:05Z"`, 1)
	want2 = strings.TrimSuffix(want2, "}") + `,"closed_at":"2026-01-02T03:04:05Z","notes":"Stored it."}`
	if diff := cmp.Diff(want2, got[1]); diff != "" {
		t.Errorf("bd-2 (-want +got):\n%s", diff)
	}
	want5 := `{"id":"bd-5","title":"Epic","status":"blocked","priority":4,"issue_type":"epic","notes":"Blocked: agent crashed","updated_at":"2026-01-02T03:04:05Z"}`
	if diff := cmp.Diff(want5, got[4]); diff != "" {
		t.Errorf("bd-5 (-want +got):\n%s", diff)
	}
	again, err := f.Parse("issues.jsonl", out)
	if err != nil {
		t.Fatal(err)
	}
	if again.Task("bd-2").Status != todo.StatusDone || again.Task("bd-5").Status != todo.StatusBlocked {
		t.Fatal(view(again))
	}
	if out2, err := f.Patch(out, b, now.Add(time.Hour)); err != nil || string(out2) != string(out) {
		t.Fatalf("second patch changed the file: %v", err)
	}
	// Reopening a closed issue clears closed_at.
	again.Task("bd-2").Status = todo.StatusTodo
	out3, err := f.Patch(out, again, now)
	if err != nil || !strings.Contains(strings.Split(string(out3), "\n")[1], `"closed_at":null`) {
		t.Fatalf("reopen: %v\n%s", err, out3)
	}
}

// FuzzParse checks that any input either parses into a valid backlog that
// patches onto itself unchanged, or fails with located problems.
func FuzzParse(f *testing.F) {
	f.Add([]byte(issues))
	f.Add([]byte("{\"id\":\"x\",\"title\":\"t\",\"status\":\"in_progress\"}\r\n\n"))
	f.Add([]byte(`{"id":"x","title":"t","dependencies":[{"depends_on_id":"x","type":"parent-child"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := Format{}.Parse("issues.jsonl", data)
		if err != nil {
			var ve *todo.ValidationError
			if !errors.As(err, &ve) || len(ve.Problems) == 0 {
				t.Fatalf("error %v is not a ValidationError with problems", err)
			}
			for _, p := range ve.Problems {
				if p.Line < 1 {
					t.Fatalf("problem without a line: %v", p)
				}
			}
			return
		}
		if err := b.Validate(); err != nil {
			t.Fatalf("parsed backlog is invalid: %v", err)
		}
		out, err := Format{}.Patch(data, b, time.Now())
		if err != nil || string(out) != string(data) {
			t.Fatalf("patch of an unchanged backlog changed the file: %v", err)
		}
	})
}
