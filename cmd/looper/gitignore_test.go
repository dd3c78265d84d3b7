package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// ensureIgnored adds only what is missing, keeps what the file had, and
// is idempotent.
func TestEnsureIgnored(t *testing.T) {
	dir := filepath.Join(t.TempDir(), ".looper")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	ignore := filepath.Join(dir, ".gitignore")
	if err := os.WriteFile(ignore, []byte("secrets.env\n/todo.json.lock"), 0o644); err != nil {
		t.Fatal(err)
	}
	backlog := filepath.Join(dir, "todo.json")
	if _, wrote, err := ensureIgnored(backlog); err != nil || !wrote {
		t.Fatalf("first call: wrote %v, %v", wrote, err)
	}
	if _, wrote, err := ensureIgnored(backlog); err != nil || wrote {
		t.Fatalf("second call: wrote %v, %v; want nothing to add", wrote, err)
	}
	data, _ := os.ReadFile(ignore)
	got := string(data)
	want := "secrets.env\n/todo.json.lock\n" + gitignoreHeader + "\n/.todo.json.tmp-*\n/todo.json.broken-*\n/todo.json.invalid-*\n/worktrees/\n"
	if got != want {
		t.Errorf(".gitignore =\n%s\nwant\n%s", got, want)
	}
	if strings.Count(got, "/todo.json.lock") != 1 {
		t.Error("an existing pattern was added again")
	}
}
