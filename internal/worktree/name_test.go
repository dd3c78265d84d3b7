package worktree

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func TestSafeName(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ id, want string }{
		{"T-12", "T-12"},
		{"task_1.2", "task_1.2"},
		{"a/b", "a_b_"},
		{"../x", "_._x_"},
		{"..", "_._"},
		{".", "__"},
		{"-rf", "_rf_"},
		{"$(touch pwned)", "__touch_pwned__"},
		{"a\x00b", "a_b_"},
		{"x.lock", "x.lock_"},
		{"end.", "end._"},
		{"a..b", "a._b_"},
		{"héllo", "h_llo_"},
		{"", "_"},
	} {
		got := safeName(tc.id)
		if tc.want == tc.id {
			if got != tc.want {
				t.Errorf("safeName(%q) = %q, want it unchanged", tc.id, got)
			}
			continue
		}
		// Changed names carry an 8-digit hash suffix.
		if !strings.HasPrefix(got, tc.want) || len(got) != len(tc.want)+8 {
			t.Errorf("safeName(%q) = %q, want %q followed by 8 hex digits", tc.id, got, tc.want)
		}
	}
	if safeName("a/b") == safeName("a_b") {
		t.Errorf("a/b and a_b collide")
	}
	long := strings.Repeat("x", 300)
	if got := safeName(long); len(got) != maxNameLen+9 {
		t.Errorf("safeName of 300 bytes has length %d, want %d", len(got), maxNameLen+9)
	}
}

// checkSafe asserts the properties every sanitized name has.
func checkSafe(t *testing.T, id, s string) {
	t.Helper()
	if s == "" || s == "." || s == ".." {
		t.Fatalf("safeName(%q) = %q", id, s)
	}
	for i := 0; i < len(s); i++ {
		if !allowedByte(s[i]) {
			t.Fatalf("safeName(%q) = %q has byte %q", id, s, s[i])
		}
	}
	if s[0] == '.' || s[0] == '-' {
		t.Fatalf("safeName(%q) = %q starts with %q", id, s, s[0])
	}
	if strings.Contains(s, "..") || strings.HasSuffix(s, ".") || strings.HasSuffix(s, ".lock") {
		t.Fatalf("safeName(%q) = %q is not a valid ref component", id, s)
	}
	if len(s) > maxNameLen+9 {
		t.Fatalf("safeName(%q) is %d bytes long", id, len(s))
	}
	if s != safeName(id) {
		t.Fatalf("safeName(%q) is not deterministic", id)
	}
}

func FuzzSafeName(f *testing.F) {
	for _, s := range []string{"T-1", "../x", "a/b", "-rf", "$(touch pwned)", "a\x00b", "..", ".", "", "x.lock", "@{u}", "~^:?*[\\", "refs/heads/main", strings.Repeat("é", 100)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, id string) {
		s := safeName(id)
		checkSafe(t, id, s)
		run, task, attempt, ok := parseBranch(branchName("run", s, 3))
		if !ok || run != "run" || task != s || attempt != 3 {
			t.Fatalf("parseBranch(branchName(%q)) = %q %q %d %v", s, run, task, attempt, ok)
		}
		run, task, attempt, ok = parseDir("run/" + dirName(s, 7))
		if !ok || run != "run" || task != s || attempt != 7 {
			t.Fatalf("parseDir(dirName(%q)) = %q %q %d %v", s, run, task, attempt, ok)
		}
	})
}

func FuzzParseNames(f *testing.F) {
	f.Add("looper/r/t/1")
	f.Add("looper/r/t/01")
	f.Add("looper//t/1")
	f.Add("r/t-1")
	f.Add("r/t-x-2")
	f.Add("r/-1")
	f.Fuzz(func(t *testing.T, s string) {
		if run, task, attempt, ok := parseBranch(s); ok {
			if branchName(run, task, attempt) != s {
				t.Errorf("parseBranch(%q) does not round-trip", s)
			}
		}
		if run, task, attempt, ok := parseDir(s); ok {
			if run+"/"+dirName(task, attempt) != s {
				t.Errorf("parseDir(%q) does not round-trip", s)
			}
		}
	})
}

// TestHostileIDs creates worktrees for ids meant to escape the worktrees
// directory, inject options or shell commands, and checks that each lands in
// its own directory right below the run's directory, on a well-formed
// branch, and that nothing ran.
func TestHostileIDs(t *testing.T) {
	t.Parallel()
	r := newRepo(t)
	cwd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	ids := []string{"../x", "a/b", "a_b", "-rf", "--force", "$(touch pwned)", "`touch pwned`", "a\x00b", "..", ".",
		"x.lock", "a..b", "@{u}", "~^:?*[\\", "refs/heads/main", " spaced out ", "héllo", "; touch pwned", strings.Repeat("L", 300)}
	runID := "../../run;$(touch pwned)"
	runDir := filepath.Join(r.Root(), ".looper", "worktrees", safeName(runID))
	seen := map[string]string{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, id := range ids {
		wg.Go(func() {
			wt, err := r.Create(context.Background(), runID, id, 1, Options{})
			if err != nil {
				t.Errorf("Create(%q): %v", id, err)
				return
			}
			if filepath.Dir(wt.Path) != runDir {
				t.Errorf("Create(%q).Path = %q, not directly below %q", id, wt.Path, runDir)
			}
			if _, err := os.Stat(filepath.Join(wt.Path, "README.md")); err != nil {
				t.Errorf("Create(%q): checkout missing: %v", id, err)
			}
			if _, err := git(context.Background(), r.Root(), "check-ref-format", "refs/heads/"+wt.Branch); err != nil {
				t.Errorf("Create(%q).Branch = %q: %v", id, wt.Branch, err)
			}
			if _, _, _, ok := parseBranch(wt.Branch); !ok {
				t.Errorf("Create(%q).Branch = %q does not have the looper/<run>/<task>/<attempt> shape", id, wt.Branch)
			}
			mu.Lock()
			defer mu.Unlock()
			if other, dup := seen[wt.Path]; dup {
				t.Errorf("ids %q and %q share %s", id, other, wt.Path)
			}
			seen[wt.Path] = id
		})
	}
	wg.Wait()
	for _, dir := range []string{r.Root(), cwd, filepath.Dir(r.Root()), runDir} {
		if _, err := os.Stat(filepath.Join(dir, "pwned")); err == nil {
			t.Errorf("a shell ran: %s/pwned exists", dir)
		}
	}
	if _, err := r.Create(t.Context(), runID, "", 1, Options{}); err == nil {
		t.Errorf("Create with an empty task id: no error")
	}
	// Nothing appeared outside .looper/worktrees.
	entries, err := os.ReadDir(r.Root())
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		switch e.Name() {
		case ".git", ".looper", ".gitignore", "README.md", "main.go":
		default:
			t.Errorf("unexpected entry %q in the repository root", e.Name())
		}
	}
	list, err := r.List(runID)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != len(ids) {
		t.Errorf("List(%q) found %d worktrees, want %d", runID, len(list), len(ids))
	}
	if d := mustDirty(t, r); len(d) != 0 {
		t.Errorf("main worktree dirty after creating worktrees: %v", d)
	}
}

func TestCreatePanicsOnAttemptZero(t *testing.T) {
	t.Parallel()
	r := &Repo{root: t.TempDir()}
	defer func() {
		if recover() == nil {
			t.Errorf("Create with attempt 0 did not panic")
		}
	}()
	_, _ = r.Create(t.Context(), "r", "t", 0, Options{})
}
