package stages

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/looper-go/looper/source/beads"
	"github.com/looper-go/looper/source/taskmaster"
	"github.com/looper-go/looper/todo"
)

const tmFile = `{
    "master": {
        "tasks": [
            {"id": 1, "title": "One", "status": "pending", "priority": "high"},
            {"id": 2, "title": "Two", "status": "pending", "dependencies": [1]}
        ],
        "metadata": {"created": "2025-01-01T00:00:00Z", "updated": "2025-01-01T00:00:00Z"}
    }
}
`

// A Task Master file goes through the store as looper's own does: marked
// doing, outcomes applied, in-flight tasks restored, an external edit kept,
// each a minimal diff in Task Master's words under the store's lock.
func TestStoreWritesTaskMasterInItsOwnWords(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "tasks.json")
	if err := os.WriteFile(path, []byte(tmFile), 0o644); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 2, 3, 4, 5, 6, 0, time.UTC)
	s, err := OpenStore(path, StoreOptions{Format: taskmaster.Format{}, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := OpenStore(path, StoreOptions{Format: taskmaster.Format{}}); err == nil {
		t.Fatal("a second store took the lock")
	}
	if _, err := s.MarkDoing("1"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.MarkDoing("2"); err != nil {
		t.Fatal(err)
	}
	if err := s.Flush(); err != nil { // marks wait for a save to ride on; save them now
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	want := strings.NewReplacer(`"id": 1, "title": "One", "status": "pending"`, `"id": 1, "title": "One", "status": "in-progress"`,
		`"id": 2, "title": "Two", "status": "pending"`, `"id": 2, "title": "Two", "status": "in-progress"`,
		`"updated": "2025-01-01T00:00:00Z"`, `"updated": "2026-02-03T04:05:06Z"`).Replace(tmFile)
	if string(data) != want {
		t.Fatalf("after MarkDoing:\n%s\nwant\n%s", data, want)
	}
	err = s.Apply([]string{"1"}, func(b *todo.Backlog) error {
		return b.ApplySummary(todo.Summary{TaskID: "1", Status: todo.SummaryDone, Summary: "did one"}, now)
	})
	if err != nil {
		t.Fatal(err)
	}
	// Someone edits the file by hand meanwhile; the store keeps the edit.
	data, _ = os.ReadFile(path)
	edited := strings.Replace(string(data), `"title": "Two"`, `"title": "Two, renamed"`, 1)
	if err := os.WriteFile(path, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	restored, err := s.RestoreInFlight()
	if err != nil || len(restored) != 1 || restored[0] != "2" {
		t.Fatalf("restored %v, %v", restored, err)
	}
	data, _ = os.ReadFile(path)
	got := string(data)
	for _, w := range []string{`"id": 1, "title": "One", "status": "done", "priority": "high", "details": "did one"}`, `"id": 2, "title": "Two, renamed", "status": "pending"`} {
		if !strings.Contains(got, w) {
			t.Errorf("file lacks %s:\n%s", w, got)
		}
	}
}

func TestStoreWritesBeadsLines(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "issues.jsonl")
	in := "{\"id\":\"bd-1\",\"title\":\"A\",\"status\":\"open\",\"priority\":1}\n{\"id\":\"bd-2\",\"title\":\"B\",\"status\":\"open\",\"priority\":2}\n"
	if err := os.WriteFile(path, []byte(in), 0o644); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 2, 3, 4, 5, 6, 0, time.UTC)
	s, err := OpenStore(path, StoreOptions{Format: beads.Format{}, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	err = s.Apply([]string{"bd-2"}, func(b *todo.Backlog) error {
		if err := b.SetStatus("bd-2", todo.StatusBlocked, now); err != nil {
			return err
		}
		return b.AddBlockers("bd-2", []string{"tests fail"}, now)
	})
	if err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	want := "{\"id\":\"bd-1\",\"title\":\"A\",\"status\":\"open\",\"priority\":1}\n" +
		"{\"id\":\"bd-2\",\"title\":\"B\",\"status\":\"blocked\",\"priority\":2,\"notes\":\"Blocked: tests fail\",\"updated_at\":\"2026-02-03T04:05:06Z\"}\n"
	if string(data) != want {
		t.Fatalf("got\n%s\nwant\n%s", data, want)
	}
}

// fakeRemote is an in-memory tracker that records what it is told.
type fakeRemote struct {
	b       *todo.Backlog
	pushes  []string
	fetches int
	fail    error
}

func (f *fakeRemote) Name() string { return "fake" }
func (f *fakeRemote) Fetch(context.Context) (*todo.Backlog, error) {
	f.fetches++
	return f.b.Clone(), nil
}
func (f *fakeRemote) Push(_ context.Context, before, after *todo.Backlog) error {
	for _, t := range after.Tasks {
		if old := before.Task(t.ID); old != nil && old.Status != t.Status {
			f.pushes = append(f.pushes, t.ID+":"+string(t.Status))
		}
	}
	return f.fail
}

func TestStoreTellsARemote(t *testing.T) {
	dir := t.TempDir()
	r := &fakeRemote{b: &todo.Backlog{SchemaVersion: 1, Tasks: []todo.Task{{ID: "7", Title: "x", Priority: 3, Status: todo.StatusTodo}}}}
	var warnings []string
	s, err := OpenStore(filepath.Join(dir, ".looper", "github-o-r"), StoreOptions{Remote: r, Warn: func(m string) { warnings = append(warnings, m) }})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.MarkDoing("7"); err != nil {
		t.Fatal(err)
	}
	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}
	r.fail = errors.New("HTTP 403")
	if err := s.Apply([]string{"7"}, func(b *todo.Backlog) error { return b.SetStatus("7", todo.StatusDone, time.Now()) }); err != nil {
		t.Fatal(err)
	}
	b, err := s.Snapshot()
	if err != nil || b.Task("7").Status != todo.StatusDone {
		t.Fatalf("snapshot %v %v", b, err)
	}
	if r.fetches != 1 || strings.Join(r.pushes, " ") != "7:doing 7:done" {
		t.Fatalf("fetches %d, pushes %v", r.fetches, r.pushes)
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], "could not write back to fake: HTTP 403") {
		t.Fatalf("warnings %q", warnings)
	}
}
