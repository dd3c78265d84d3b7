package prompts

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"text/template"
)

//go:embed templates/*.txt
var embedded embed.FS

// The prompts looper renders, by file name without the .txt extension.
const (
	Iteration         = "iteration"
	IterationParallel = "iteration-parallel"
	Review            = "review"
	Bootstrap         = "bootstrap"
	Repair            = "repair"
)

// Names lists every prompt, for documentation and for doctor.
func Names() []string {
	return []string{Iteration, IterationParallel, Review, Bootstrap, Repair}
}

// Task is the part of the selected task a prompt may show.
type Task struct {
	ID          string
	Title       string
	Status      string
	Description string
	Steps       []string
}

// Data holds every variable a prompt template can use. The names of
// upstream looper's variables are kept so that its users' custom prompts
// render unchanged.
type Data struct {
	TodoPath     string
	SchemaPath   string
	WorkDir      string
	SelectedTask Task
	Iteration    int
	// Schedule is the name of the agent the prompt goes to (upstream's name
	// for it).
	Schedule     string
	Now          string
	ErrorMessage string
	UserPrompt   string
	HasGH        bool
	// Parallel is true when other tasks run at the same time.
	Parallel bool
	// Branch is the git branch of the attempt's worktree, when it has one.
	Branch string
	// AgentID names the agent and slot, as "claude#2".
	AgentID string
	// Attempt counts the runs of this task in this looper run.
	Attempt int
	// EarlierWork, when set, tells the agent that its worktree starts from
	// the work an interrupted attempt at the task left, so it continues
	// rather than starts over.
	EarlierWork string
}

// required lists, per prompt, the variables that must be set for the
// rendered text to make sense.
var required = map[string][]string{
	Iteration:         {"TodoPath", "SchemaPath", "WorkDir", "Iteration", "Now", "SelectedTask.ID", "SelectedTask.Title"},
	IterationParallel: {"TodoPath", "WorkDir", "Iteration", "Now", "SelectedTask.ID", "SelectedTask.Title"},
	Review:            {"TodoPath", "SchemaPath", "WorkDir", "Now"},
	Bootstrap:         {"TodoPath", "SchemaPath", "WorkDir"},
	Repair:            {"TodoPath", "SchemaPath"},
}

// Store finds and renders prompt templates. Its zero value uses only the
// embedded templates.
type Store struct {
	// Dir is a project prompts directory whose files override the embedded
	// ones; "" means none.
	Dir string
}

// Source says where the named template comes from: the override file's path,
// or "embedded".
func (s Store) Source(name string) string {
	if p := s.overridePath(name); p != "" {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return "embedded"
}

func (s Store) overridePath(name string) string {
	if s.Dir == "" {
		return ""
	}
	return filepath.Join(s.Dir, name+".txt")
}

// Text returns the template text of a prompt, from the override directory
// when it has the file, else the embedded copy.
func (s Store) Text(name string) (string, error) {
	if _, ok := required[name]; !ok {
		panic(fmt.Sprintf("prompts: unknown prompt %q", name))
	}
	if p := s.overridePath(name); p != "" {
		b, err := os.ReadFile(p)
		if err == nil {
			return string(b), nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("read prompt %s: %w", p, err)
		}
	}
	b, err := embedded.ReadFile("templates/" + name + ".txt")
	if err != nil {
		panic(err) // every known name is embedded
	}
	return string(b), nil
}

// Render renders the named prompt with d. It fails, rather than returning a
// broken prompt, when the template does not parse, refers to an unknown
// variable, or a required variable is empty.
func (s Store) Render(name string, d Data) (string, error) {
	text, err := s.Text(name)
	if err != nil {
		return "", err
	}
	src := s.Source(name)
	if missing := missingRequired(name, d); len(missing) > 0 {
		return "", fmt.Errorf("prompt %s (%s): required variables are empty: %s", name, src, strings.Join(missing, ", "))
	}
	t, err := template.New(name).Option("missingkey=error").Parse(text)
	if err != nil {
		return "", fmt.Errorf("prompt %s (%s): %w", name, src, err)
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, d); err != nil {
		return "", fmt.Errorf("prompt %s (%s): %w", name, src, err)
	}
	return buf.String(), nil
}

func missingRequired(name string, d Data) []string {
	var missing []string
	for _, v := range required[name] {
		empty := false
		switch v {
		case "TodoPath":
			empty = d.TodoPath == ""
		case "SchemaPath":
			empty = d.SchemaPath == ""
		case "WorkDir":
			empty = d.WorkDir == ""
		case "Iteration":
			empty = d.Iteration <= 0
		case "Now":
			empty = d.Now == ""
		case "SelectedTask.ID":
			empty = d.SelectedTask.ID == ""
		case "SelectedTask.Title":
			empty = d.SelectedTask.Title == ""
		default:
			panic("prompts: no check for required variable " + v)
		}
		if empty {
			missing = append(missing, v)
		}
	}
	return missing
}
