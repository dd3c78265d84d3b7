package source

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/looper-go/looper/source/taskmaster"
)

func write(t *testing.T, path, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestDetectPrefersTaskMasterThenBeads(t *testing.T) {
	dir := t.TempDir()
	if got := Detect(dir); got != "" {
		t.Fatalf("empty project: %q", got)
	}
	write(t, filepath.Join(dir, ".beads", "issues.jsonl"), "")
	if got := Detect(dir); got != "beads:"+filepath.Join(dir, ".beads", "issues.jsonl") {
		t.Fatalf("beads: %q", got)
	}
	write(t, filepath.Join(dir, ".taskmaster", "tasks", "tasks.json"), `{"tasks": []}`)
	if got := Detect(dir); !strings.HasPrefix(got, "taskmaster:") {
		t.Fatalf("taskmaster: %q", got)
	}
}

func TestOpenResolvesPathsAndTags(t *testing.T) {
	dir := t.TempDir()
	tasks := filepath.Join(dir, ".taskmaster", "tasks", "tasks.json")
	write(t, tasks, `{"master": {"tasks": []}, "feat": {"tasks": [{"id": 1, "title": "x"}]}}`)
	write(t, filepath.Join(dir, ".taskmaster", "state.json"), `{"currentTag": "feat"}`)
	for _, spec := range []string{"taskmaster:.", "taskmaster:.taskmaster", "taskmaster:.taskmaster/tasks", "taskmaster:" + tasks} {
		bk, err := Open(spec, dir, Options{})
		if err != nil || bk.Path != tasks {
			t.Errorf("Open(%q) = %v, %v; want %s", spec, bk, err, tasks)
			continue
		}
		if tag := bk.Format.(taskmaster.Format).Tag; tag != "feat" {
			t.Errorf("Open(%q): tag %q, want the current tag feat", spec, tag)
		}
		b, err := bk.Load(context.Background())
		if err != nil || len(b.Tasks) != 1 {
			t.Errorf("Load(%q) = %v, %v", spec, b, err)
		}
	}
	bk, err := Open("taskmaster:.", dir, Options{Tag: "master"})
	if err != nil || bk.Format.(taskmaster.Format).Tag != "master" {
		t.Fatalf("an explicit tag: %v %v", bk, err)
	}
	gh, err := Open("github:octo/app", dir, Options{Close: true})
	if err != nil || gh.Remote == nil || gh.String() != "github:octo/app" || gh.Path != filepath.Join(dir, ".looper", "github-octo-app") {
		t.Fatalf("github: %+v %v", gh, err)
	}
	for _, bad := range []string{"jira:x", "github:octo"} {
		if _, err := Open(bad, dir, Options{}); err == nil {
			t.Errorf("Open(%q) succeeded", bad)
		}
	}
	if bk, err := Open("to-do.json", dir, Options{}); err != nil || bk.Kind != KindTodo {
		t.Fatalf("a bare path: %v %v", bk, err)
	}
	if _, err := (&Backlog{Kind: KindBeads, Path: filepath.Join(dir, "none.jsonl"), Format: nil}).Load(context.Background()); !os.IsNotExist(err) {
		t.Fatalf("a missing file: %v", err)
	}
}

func TestNamed(t *testing.T) {
	for spec, want := range map[string]bool{"taskmaster:.": true, "beads:x": true, "github:o/r": true, "todo:x": true, "to-do.json": false, "C:/x.json": false, "taskmaster": false} {
		if Named(spec) != want {
			t.Errorf("Named(%q) = %v", spec, !want)
		}
	}
}
