package sinks

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestListRuns groups logs and last-message files into runs, newest first,
// including a run id with a same-second suffix and an orphaned last-message
// file, and leaves other files out.
func TestListRuns(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	files := map[string]time.Duration{ // name → age
		"20250101-100000-1.jsonl":                    3 * time.Hour,
		"20250101-100000-1-iter-1.last.json":         3 * time.Hour,
		"20250101-100000-1-T2-claude_1-a1.last.json": 2 * time.Hour,
		"20250101-100000-1_2.jsonl":                  time.Hour,
		"20250101-100000-1_2-iter-1.last.json":       time.Hour,
		"20240101-090000-7-iter-3.last.json":         48 * time.Hour,
		"notes.txt":                                  0,
		"20250101-100000-12-review-1.last.json":      5 * time.Hour,
		"20250101-100000-12.jsonl":                   5 * time.Hour,
		"20250101-100000-12-T1-codex_2-a3.last.json": 5 * time.Hour,
	}
	now := time.Now()
	for name, age := range files {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte("12345"), 0o600); err != nil {
			t.Fatal(err)
		}
		os.Chtimes(p, now.Add(-age), now.Add(-age))
	}
	os.Mkdir(filepath.Join(dir, "sub.jsonl"), 0o700)

	runs, err := ListRuns(dir)
	if err != nil {
		t.Fatal(err)
	}
	type short struct {
		ID    string
		Log   string
		Files []string
		Size  int64
	}
	var got []short
	for _, r := range runs {
		var names []string
		for _, f := range r.Files {
			names = append(names, filepath.Base(f))
		}
		log := ""
		if r.Log != "" {
			log = filepath.Base(r.Log)
		}
		got = append(got, short{r.ID, log, names, r.Size})
	}
	want := []short{
		{"20250101-100000-1_2", "20250101-100000-1_2.jsonl", []string{"20250101-100000-1_2.jsonl", "20250101-100000-1_2-iter-1.last.json"}, 10},
		{"20250101-100000-1", "20250101-100000-1.jsonl", []string{"20250101-100000-1.jsonl", "20250101-100000-1-T2-claude_1-a1.last.json", "20250101-100000-1-iter-1.last.json"}, 15},
		{"20250101-100000-12", "20250101-100000-12.jsonl", []string{"20250101-100000-12.jsonl", "20250101-100000-12-T1-codex_2-a3.last.json", "20250101-100000-12-review-1.last.json"}, 15},
		{"20240101-090000-7", "", []string{"20240101-090000-7-iter-3.last.json"}, 5},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("runs (-want +got):\n%s", diff)
	}
	if d := runs[0].ModTime.Sub(now.Add(-time.Hour)).Abs(); d > time.Second {
		t.Errorf("ModTime = %v", runs[0].ModTime)
	}

	if runs, err := ListRuns(filepath.Join(dir, "missing")); err != nil || runs != nil {
		t.Errorf("missing dir: %v, %v", runs, err)
	}
}

// TestListRunsLive checks that the run of an open RunLog is live and that
// it stops being live when the log is closed.
func TestListRunsLive(t *testing.T) {
	t.Parallel()
	l, err := OpenRunLog(t.TempDir(), "/p", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	runs, err := ListRuns(l.Dir())
	if err != nil || len(runs) != 1 {
		t.Fatalf("ListRuns = %v, %v", runs, err)
	}
	if !runs[0].Live {
		t.Error("open run log not live")
	}
	l.Close()
	runs, _ = ListRuns(l.Dir())
	if runs[0].Live {
		t.Error("closed run log still live")
	}
}
