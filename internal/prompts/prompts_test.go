package prompts

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func fullData() Data {
	return Data{
		TodoPath:   "/p/.looper/todo.json",
		SchemaPath: "/p/.looper/todo.schema.json",
		WorkDir:    "/p",
		SelectedTask: Task{
			ID: "T012", Title: "Add a flag", Status: "doing",
			Description: "The flag does X.", Steps: []string{"write it", "test it"},
		},
		Iteration: 3,
		Schedule:  "claude",
		Now:       "2026-11-27T10:00:00Z",
		Branch:    "looper/r1/T012/1",
	}
}

func TestEveryEmbeddedPromptRendersWithItsContextBlock(t *testing.T) {
	t.Parallel()
	var s Store
	for _, name := range Names() {
		got, err := s.Render(name, fullData())
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		mode := name
		if name == IterationParallel {
			mode = Iteration
		}
		if !strings.Contains(got, "\n- mode: "+mode+"\n") {
			t.Errorf("%s: no mode line in:\n%s", name, got)
		}
		if !strings.Contains(got, "- todo_path: /p/.looper/todo.json\n") {
			t.Errorf("%s: no todo_path line", name)
		}
		if strings.Contains(got, "<no value>") {
			t.Errorf("%s: renders <no value>:\n%s", name, got)
		}
	}
}

func TestIterationPromptsNameTheTaskAndItsSteps(t *testing.T) {
	t.Parallel()
	var s Store
	for _, name := range []string{Iteration, IterationParallel} {
		got, err := s.Render(name, fullData())
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"Task T012: Add a flag", "The flag does X.", "- write it", "- task_id: T012", `"task_id": "T012"`} {
			if !strings.Contains(got, want) {
				t.Errorf("%s lacks %q:\n%s", name, want, got)
			}
		}
	}
	par, _ := s.Render(IterationParallel, fullData())
	if !strings.Contains(par, "DO NOT edit the") || !strings.Contains(par, "looper/r1/T012/1") {
		t.Errorf("parallel prompt does not forbid backlog edits or name the branch:\n%s", par)
	}
}

func TestMissingRequiredVariablesAreAnErrorNotAPrompt(t *testing.T) {
	t.Parallel()
	d := fullData()
	d.SelectedTask.ID = ""
	d.Iteration = 0
	_, err := Store{}.Render(Iteration, d)
	if err == nil || !strings.Contains(err.Error(), "Iteration, SelectedTask.ID") {
		t.Fatalf("err = %v, want both missing variables named", err)
	}
}

func TestProjectDirectoryOverridesOnePrompt(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "review.txt"), []byte("custom review of {{.WorkDir}}"), 0o644); err != nil {
		t.Fatal(err)
	}
	s := Store{Dir: dir}
	got, err := s.Render(Review, fullData())
	if err != nil || got != "custom review of /p" {
		t.Fatalf("got %q, %v", got, err)
	}
	if s.Source(Review) != filepath.Join(dir, "review.txt") || s.Source(Iteration) != "embedded" {
		t.Errorf("sources: %s, %s", s.Source(Review), s.Source(Iteration))
	}
	if _, err := s.Render(Iteration, fullData()); err != nil {
		t.Errorf("non-overridden prompt: %v", err)
	}
}

func TestBrokenOverrideIsAnErrorNamingTheFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for name, text := range map[string]string{
		"iteration.txt": "{{.NoSuchVariable}}",
		"review.txt":    "{{if}}",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	s := Store{Dir: dir}
	for _, name := range []string{Iteration, Review} {
		out, err := s.Render(name, fullData())
		if err == nil || !strings.Contains(err.Error(), filepath.Join(dir, name+".txt")) {
			t.Errorf("%s: got %q, %v; want an error naming the file", name, out, err)
		}
	}
}

func TestBootstrapUsesTheUserIdeaWhenGiven(t *testing.T) {
	t.Parallel()
	d := fullData()
	d.UserPrompt = "a todo app in Go"
	got, err := Store{}.Render(Bootstrap, d)
	if err != nil || !strings.Contains(got, "a todo app in Go") || strings.Contains(got, "README, SPEC") {
		t.Fatalf("got %q, %v", got, err)
	}
	d.UserPrompt = ""
	got, _ = Store{}.Render(Bootstrap, d)
	if !strings.Contains(got, "README, SPEC") {
		t.Fatalf("without an idea the prompt should point at the docs:\n%s", got)
	}
}
