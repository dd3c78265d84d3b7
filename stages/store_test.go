package stages

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/looper-go/looper/todo"
)

// TestOpenStoreRemovesTemporaries leaves the temporary file of a save that
// a crash cut short next to the backlog: the next store to take the lock
// removes it and says so, and leaves the backlog alone.
func TestOpenStoreRemovesTemporaries(t *testing.T) {
	dir := t.TempDir()
	path := writeBacklog(t, dir, task{id: "T1"})
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	stale := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".tmp-4242")
	if err := os.WriteFile(stale, before[:len(before)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	var warnings []string
	s, err := OpenStore(path, StoreOptions{Warn: func(msg string) { warnings = append(warnings, msg) }})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("the interrupted save's temporary file is still there: %v", err)
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], "removed 1 temporary file(s)") {
		t.Errorf("warnings = %q", warnings)
	}
	after, _ := os.ReadFile(path)
	if string(after) != string(before) {
		t.Error("the backlog changed")
	}
}

// The store keeps the backlog in memory: reads and writes of its own do
// not parse the file again, and an external edit (an agent's) is noticed
// and kept by the next write.
func TestStoreParsesOnlyExternalEdits(t *testing.T) {
	dir := t.TempDir()
	path := writeBacklog(t, dir, task{id: "T1"}, task{id: "T2"})
	s, err := OpenStore(path, StoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for range 3 {
		if _, err := s.Snapshot(); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.MarkDoing("T1"); err != nil {
		t.Fatal(err)
	}
	if err := s.Update(func(*todo.Backlog) error { return nil }); err != nil {
		t.Fatal(err)
	}
	b, err := s.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	if s.Reads() != 1 || s.Saves() != 1 || b.Task("T1").Status != todo.StatusDoing {
		t.Fatalf("after 5 reads and 2 writes: %d parses, %d saves, T1 %s; want 1 parse, 1 save, T1 doing", s.Reads(), s.Saves(), b.Task("T1").Status)
	}
	b.Task("T2").Title = "changed by the caller"
	if again, _ := s.Snapshot(); again.Task("T2").Title == "changed by the caller" {
		t.Fatal("a snapshot shares memory with the store")
	}

	// An agent edits the file: the next read parses it and the next write keeps the edit.
	edited := writeBacklog(t, t.TempDir(), task{id: "T1", status: todo.StatusDoing}, task{id: "T2"}, task{id: "T3"})
	data, err := os.ReadFile(edited)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	future := time.Now().Add(time.Hour)
	if err := os.Chtimes(path, future, future); err != nil {
		t.Fatal(err)
	}
	if err := s.Update(func(b *todo.Backlog) error { return b.SetStatus("T2", todo.StatusDone, time.Now()) }); err != nil {
		t.Fatal(err)
	}
	after, err := todo.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if after.Task("T3") == nil || after.Task("T2").Status != todo.StatusDone || s.Reads() != 2 {
		t.Errorf("after an external edit: T3 %v, T2 %s, %d parses; want T3 kept, T2 done, 2 parses", after.Task("T3"), after.Task("T2").Status, s.Reads())
	}
}
