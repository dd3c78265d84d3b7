package taskmaster

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/looper-go/looper/todo"
)

const tagged = `{
  "master": {
    "tasks": [
      {
        "id": 1,
        "title": "Set up the repo",
        "description": "Create the layout.",
        "details": "Use go modules.",
        "testStrategy": "go build passes.",
        "priority": "high",
        "dependencies": [],
        "status": "done",
        "subtasks": []
      },
      {
        "id": 2,
        "title": "Parser",
        "description": "Parse input.",
        "status": "pending",
        "dependencies": [1],
        "priority": "medium",
        "subtasks": [
          {"id": 1, "title": "Lexer", "status": "pending", "dependencies": []},
          {"id": 2, "title": "Grammar", "status": "in-progress", "dependencies": [1]}
        ]
      },
      {"id": 3, "title": "Later", "status": "deferred", "dependencies": [], "subtasks": [{"id": 1, "title": "Later part", "status": "pending"}]},
      {"id": 4, "title": "After later", "status": "pending", "dependencies": [3], "priority": "low"},
      {"id": 5, "title": "In review", "status": "review", "dependencies": []}
    ],
    "metadata": {"created": "2025-01-01T00:00:00.000Z", "updated": "2025-01-01T00:00:00.000Z", "description": "Tasks for master context"}
  },
  "feature-x": {
    "tasks": [{"id": 1, "title": "Other tag", "status": "pending"}]
  }
}
`

func ids(b *todo.Backlog) []string {
	var out []string
	for _, t := range b.Tasks {
		out = append(out, t.ID+":"+string(t.Status))
	}
	return out
}

func TestParseTagged(t *testing.T) {
	b, err := Format{}.Parse("tasks.json", []byte(tagged))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"1:done", "2:todo", "2.1:todo", "2.2:doing", "5:done"}
	if diff := cmp.Diff(want, ids(b)); diff != "" {
		t.Fatalf("tasks (-want +got):\n%s", diff)
	}
	two := b.Task("2")
	if diff := cmp.Diff([]string{"1", "2.1", "2.2"}, two.DependsOn); diff != "" {
		t.Errorf("parent waits for its dependencies and subtasks (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"1", "2.1"}, b.Task("2.2").DependsOn); diff != "" {
		t.Errorf("subtask deps (-want +got):\n%s", diff)
	}
	if b.Task("2.1").Priority != 3 || b.Task("1").Priority != 2 {
		t.Errorf("priorities: %d %d", b.Task("2.1").Priority, b.Task("1").Priority)
	}
	if d := b.Task("1").Description; !strings.Contains(d, "Create the layout.") || !strings.Contains(d, "Use go modules.") || !strings.Contains(d, "go build passes.") {
		t.Errorf("description %q lacks the description, details or test strategy", d)
	}
	other, err := Format{Tag: "feature-x"}.Parse("tasks.json", []byte(tagged))
	if err != nil || len(other.Tasks) != 1 || other.Tasks[0].Title != "Other tag" {
		t.Fatalf("tag feature-x: %v %v", other, err)
	}
	_, err = Format{Tag: "nope"}.Parse("tasks.json", []byte(tagged))
	if err == nil || !strings.Contains(err.Error(), "feature-x, master") {
		t.Fatalf("unknown tag: %v", err)
	}
}

func TestParseLegacy(t *testing.T) {
	legacy := `{"meta": {"projectName": "x"}, "tasks": [{"id": 1, "title": "A", "status": "pending"}, {"id": 2, "title": "B", "dependencies": ["1"], "status": "blocked"}]}`
	b, err := Format{}.Parse("tasks.json", []byte(legacy))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"1:todo", "2:blocked"}, ids(b)); diff != "" {
		t.Fatal(diff)
	}
	if _, err := (Format{Tag: "feat"}).Parse("tasks.json", []byte(legacy)); err == nil {
		t.Fatal("a tag on a legacy file is accepted")
	}
}

func TestParseErrorsAreLocated(t *testing.T) {
	bad := `{
  "tasks": [
    {"id": 1, "title": "A", "status": "todo"},
    {"id": "x", "title": "B"},
    {"id": 3, "title": "C", "dependencies": [9], "priority": "urgent"},
    {"id": 4, "title": "D", "dependencies": [5]},
    {"id": 5, "title": "E", "dependencies": [4]}
  ]
}`
	_, err := Format{}.Parse("tasks.json", []byte(bad))
	var ve *todo.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("got %v, want a ValidationError", err)
	}
	msg := err.Error()
	for _, want := range []string{
		`tasks.json:3:29: tasks[0].status: status "todo" is not one of pending`,
		`tasks.json:4:6: tasks[1].id: id x is not a non-negative integer`,
		`tasks.json:5:29: tasks[2].dependencies: task 3 depends on 9`,
		`tasks[2].priority: priority "urgent"`,
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("errors lack %q:\n%s", want, msg)
		}
	}
	_, err = Format{}.Parse("tasks.json", []byte(`{"tasks": [{"id": 4, "title": "D", "dependencies": [5]}, {"id": 5, "title": "E", "dependencies": [4]}]}`))
	if err == nil || !strings.Contains(err.Error(), "dependency cycle 4 -> 5 -> 4") || !strings.Contains(err.Error(), "tasks[0].dependencies") {
		t.Fatalf("cycle: %v", err)
	}
	_, err = Format{}.Parse("tasks.json", []byte("{\n  \"tasks\": [,]\n}"))
	if err == nil || !strings.Contains(err.Error(), "tasks.json:2:13: malformed JSON") {
		t.Fatalf("syntax: %v", err)
	}
}

func TestPatchIsAMinimalDiff(t *testing.T) {
	f := Format{}
	b, err := f.Parse("tasks.json", []byte(tagged))
	if err != nil {
		t.Fatal(err)
	}
	same, err := f.Patch([]byte(tagged), b, time.Now())
	if err != nil || string(same) != tagged {
		t.Fatalf("an unchanged backlog changed the file: %v\n%s", err, same)
	}
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	b.Task("2.1").Status = todo.StatusDone
	b.Task("2.1").Details = "Wrote the lexer."
	b.Task("2.2").Status = todo.StatusBlocked
	b.Task("2.2").Blockers = []string{"grammar undecided"}
	b.Tasks = append(b.Tasks, todo.Task{ID: todo.ProjectDoneID, Title: "x", Priority: 5, Status: todo.StatusDone})
	out, err := f.Patch([]byte(tagged), b, now)
	if err != nil {
		t.Fatal(err)
	}
	want := strings.NewReplacer(
		`{"id": 1, "title": "Lexer", "status": "pending", "dependencies": []}`,
		`{"id": 1, "title": "Lexer", "status": "done", "dependencies": [], "details": "Wrote the lexer."}`,
		`{"id": 2, "title": "Grammar", "status": "in-progress", "dependencies": [1]}`,
		`{"id": 2, "title": "Grammar", "status": "blocked", "dependencies": [1], "details": "Blocked: grammar undecided"}`,
		`"updated": "2025-01-01T00:00:00.000Z"`, `"updated": "2026-01-02T03:04:05Z"`,
	).Replace(tagged)
	if diff := cmp.Diff(want, string(out)); diff != "" {
		t.Fatalf("patched file (-want +got):\n%s", diff)
	}
	// Read back, the file says what looper wrote, and patching again with
	// the same backlog changes nothing.
	again, err := f.Parse("tasks.json", out)
	if err != nil {
		t.Fatal(err)
	}
	if again.Task("2.1").Status != todo.StatusDone || again.Task("2.2").Status != todo.StatusBlocked {
		t.Fatalf("read back: %v", ids(again))
	}
	out2, err := f.Patch(out, b, now.Add(time.Hour))
	if err != nil || string(out2) != string(out) {
		t.Fatalf("second patch changed the file: %v\n%s", err, out2)
	}
}

// FuzzParse checks that any input either parses into a valid backlog whose
// patch with itself changes nothing, or fails with located problems.
func FuzzParse(f *testing.F) {
	f.Add([]byte(tagged), "")
	f.Add([]byte(`{"tasks":[{"id":1,"title":"a","subtasks":[{"id":1,"title":"b","dependencies":["1.1"]}]}]}`), "")
	f.Add([]byte(`{"x":{"tasks":[{"id":"2","title":"a","status":"review"}]}}`), "x")
	f.Fuzz(func(t *testing.T, data []byte, tag string) {
		fm := Format{Tag: tag}
		b, err := fm.Parse("tasks.json", data)
		if err != nil {
			var ve *todo.ValidationError
			if !errors.As(err, &ve) || len(ve.Problems) == 0 {
				t.Fatalf("error %v is not a ValidationError with problems", err)
			}
			return
		}
		if err := b.Validate(); err != nil {
			t.Fatalf("parsed backlog is invalid: %v", err)
		}
		out, err := fm.Patch(data, b, time.Now())
		if err != nil || string(out) != string(data) {
			t.Fatalf("patch of an unchanged backlog changed the file: %v", err)
		}
	})
}
