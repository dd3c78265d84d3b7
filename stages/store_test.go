package stages

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
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
