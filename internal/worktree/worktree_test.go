package worktree

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// assertGone checks that a failed Create left neither directory nor branch.
func assertGone(t *testing.T, r *Repo, run, task string, attempt int) {
	t.Helper()
	p := filepath.Join(r.Root(), ".looper", "worktrees", safeName(run), dirName(safeName(task), attempt))
	if _, err := os.Stat(p); !os.IsNotExist(err) {
		t.Errorf("%s left behind (stat err %v)", p, err)
	}
	b := branchName(safeName(run), safeName(task), attempt)
	if got := gitT(t, r.Root(), "branch", "--list", b); got != "" {
		t.Errorf("branch %s left behind", b)
	}
	list, err := r.List(run)
	if err != nil {
		t.Fatal(err)
	}
	for _, wt := range list {
		if wt.Path == p || wt.Branch == b {
			t.Errorf("worktree left behind: %v", wt)
		}
	}
}

func TestCreateExclude(t *testing.T) {
	t.Parallel()
	r := newRepo(t)
	exclude := filepath.Join(r.Root(), ".git", "info", "exclude")
	if err := os.WriteFile(exclude, []byte("# no newline at the end"), 0o644); err != nil {
		t.Fatal(err)
	}
	create(t, r, "x", "A", 1)
	create(t, r, "x", "B", 1)
	again, err := Open(r.Root()) // a second Repo must not add the line again
	if err != nil {
		t.Fatal(err)
	}
	create(t, again, "x", "C", 1)
	data := readFile(t, r.Root(), ".git/info/exclude")
	if n := strings.Count(data, "\n/.looper/worktrees/\n"); n != 1 {
		t.Errorf("exclude has the line %d times:\n%s", n, data)
	}
	if !strings.HasPrefix(data, "# no newline at the end\n") {
		t.Errorf("exclude's earlier content damaged:\n%s", data)
	}
	if d := mustDirty(t, r); len(d) != 0 {
		t.Errorf("worktrees show in the main worktree: %v", d)
	}
	if got := gitT(t, r.Root(), "status", "--porcelain", "--untracked-files=all"); got != "" {
		t.Errorf("git status in the main worktree: %q", got)
	}
}

func TestCreateCopy(t *testing.T) {
	t.Parallel()
	r := newRepo(t)
	root := r.Root()
	writeFile(t, root, "config/local/a.json", "{\"a\":1}\n")
	writeFile(t, root, "config/local/sub/b.json", "{\"b\":2}\n")
	writeFile(t, root, "README.md", "modified in main\n") // tracked: the checkout's copy wins
	if err := os.WriteFile(filepath.Join(root, ".env"), []byte("SECRET=1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("a.json", filepath.Join(root, "config/local/alias.json")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../..", filepath.Join(root, "config/local/up")); err != nil { // a directory symlink inside
		t.Fatal(err)
	}
	wt, err := r.Create(t.Context(), "cp", "T", 1, Options{Copy: []string{".env", "config/local", "missing.txt", "README.md", "./config/local/a.json"}})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{".env", "config/local/a.json", "config/local/alias.json", "config/local/sub/b.json"}
	if diff := cmp.Diff(want, wt.Copied); diff != "" {
		t.Errorf("Copied (-want +got):\n%s", diff)
	}
	if got := readFile(t, wt.Path, ".env"); got != "SECRET=1\n" {
		t.Errorf(".env = %q", got)
	}
	if info, err := os.Stat(filepath.Join(wt.Path, ".env")); err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf(".env mode %v, %v; want 0600", info.Mode(), err)
	}
	if got := readFile(t, wt.Path, "config/local/sub/b.json"); got != "{\"b\":2}\n" {
		t.Errorf("sub/b.json = %q", got)
	}
	if got := readFile(t, wt.Path, "README.md"); got != "# test\n" {
		t.Errorf("tracked README.md overwritten by the copy: %q", got)
	}
	if _, err := os.Lstat(filepath.Join(wt.Path, "config/local/up")); !os.IsNotExist(err) {
		t.Errorf("directory symlink copied (err %v)", err)
	}

	// CommitAll leaves the copied files out.
	writeFile(t, wt.Path, "work.txt", "done\n")
	if ok, err := r.CommitAll(wt, "work"); err != nil || !ok {
		t.Fatalf("CommitAll = %v, %v", ok, err)
	}
	if got := gitT(t, wt.Path, "ls-tree", "-r", "--name-only", "HEAD"); strings.Contains(got, ".env") || strings.Contains(got, "config/local") || !strings.Contains(got, "work.txt") {
		t.Errorf("committed tree:\n%s", got)
	}
}

func TestCreateCopyRejects(t *testing.T) {
	t.Parallel()
	r := newRepo(t)
	outside := filepath.Join(t.TempDir(), "secret")
	writeFile(t, filepath.Dir(outside), "secret", "outside\n")
	if err := os.Symlink(outside, filepath.Join(r.Root(), "link-out")); err != nil {
		t.Fatal(err)
	}
	for i, entry := range []string{"/etc/passwd", "../x", "a/../../x", ".git/config", ".git", ".looper/worktrees/x", ".looper", "", ".", "link-out"} {
		_, err := r.Create(t.Context(), "rej", "T", i+1, Options{Copy: []string{entry}})
		if err == nil {
			t.Errorf("Copy %q: no error", entry)
			continue
		}
		if !strings.Contains(err.Error(), "copy") {
			t.Errorf("Copy %q: error %q does not mention the copy", entry, err)
		}
		assertGone(t, r, "rej", "T", i+1)
	}
}

func TestCreateSetup(t *testing.T) {
	t.Parallel()
	r := newRepo(t)

	t.Run("runs in the worktree", func(t *testing.T) {
		var out bytes.Buffer
		wt, err := r.Create(t.Context(), "s", "ok", 1, Options{
			Setup:       []string{"sh", "-c", `echo hello; echo "$LOOPER_WORKTREE $LOOPER_BRANCH $EXTRA" > setup-ran.txt; pwd; echo oops >&2`},
			SetupEnv:    []string{"EXTRA=extra"},
			SetupOutput: &out,
		})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := readFile(t, wt.Path, "setup-ran.txt"), wt.Path+" "+wt.Branch+" extra\n"; got != want {
			t.Errorf("setup-ran.txt = %q, want %q", got, want)
		}
		if got := out.String(); !strings.Contains(got, "hello\n") || !strings.Contains(got, "oops\n") || !strings.Contains(got, wt.Path) {
			t.Errorf("setup output = %q", got)
		}
	})

	t.Run("failure keeps the tail of the output and removes the worktree", func(t *testing.T) {
		_, err := r.Create(t.Context(), "s", "fail", 1, Options{
			Setup: []string{"sh", "-c", `i=1; while [ $i -le 3000 ]; do echo "line $i"; i=$((i+1)); done; echo boom >&2; exit 3`},
		})
		if err == nil {
			t.Fatal("no error")
		}
		msg := err.Error()
		for _, want := range []string{"exit status 3", "boom", "line 3000", "fix:", "sh -c"} {
			if !strings.Contains(msg, want) {
				t.Errorf("error lacks %q:\n%s", want, msg)
			}
		}
		if strings.Contains(msg, "line 1\n") || len(msg) > setupTailBytes+1000 {
			t.Errorf("error carries the whole output (%d bytes)", len(msg))
		}
		assertGone(t, r, "s", "fail", 1)
	})

	t.Run("not found", func(t *testing.T) {
		_, err := r.Create(t.Context(), "s", "nf", 1, Options{Setup: []string{"looper-no-such-program-xyz"}})
		if err == nil || !strings.Contains(err.Error(), "not found") || !strings.Contains(err.Error(), "not through a shell") {
			t.Errorf("err = %v", err)
		}
		assertGone(t, r, "s", "nf", 1)
	})

	t.Run("timeout kills the process group", func(t *testing.T) {
		pidFile := filepath.Join(t.TempDir(), "pid")
		_, err := r.Create(t.Context(), "s", "slow", 1, Options{
			Setup:        []string{"sh", "-c", `sleep 60 & echo $! > "$PIDFILE"; wait`},
			SetupEnv:     []string{"PIDFILE=" + pidFile},
			SetupTimeout: 300e6,
		})
		if err == nil || !strings.Contains(err.Error(), "timed out after 300ms") {
			t.Fatalf("err = %v", err)
		}
		assertNotRunning(t, pidFile)
		assertGone(t, r, "s", "slow", 1)
	})

	t.Run("background leftovers are killed when setup exits", func(t *testing.T) {
		pidFile := filepath.Join(t.TempDir(), "pid")
		_, err := r.Create(t.Context(), "s", "bg", 1, Options{
			Setup:    []string{"sh", "-c", `sleep 60 & echo $! > "$PIDFILE"; echo started`},
			SetupEnv: []string{"PIDFILE=" + pidFile},
		})
		if err != nil {
			t.Fatal(err)
		}
		assertNotRunning(t, pidFile)
	})

	t.Run("cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		if _, err := r.Create(ctx, "s", "cancel", 1, Options{Setup: []string{"true"}}); err == nil {
			t.Errorf("Create with a cancelled context: no error")
		}
		assertGone(t, r, "s", "cancel", 1)
	})
}

// assertNotRunning checks that the process whose pid is in pidFile is gone
// or a zombie waiting to be reaped. SIGKILL takes effect when the kernel next
// schedules the process, so the check polls /proc for up to 2 minutes.
func assertNotRunning(t *testing.T, pidFile string) {
	t.Helper()
	data, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skipf("no /proc: %v", err)
	}
	state := ""
	for deadline := time.Now().Add(2 * time.Minute); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if err != nil {
			return // gone
		}
		f := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
		if len(f) == 0 || f[0] == "Z" || f[0] == "X" {
			return
		}
		state = f[0]
	}
	t.Errorf("setup's background process %d still runs (state %s)", pid, state)
}

func TestCommitAll(t *testing.T) {
	t.Parallel()
	r := newRepo(t)
	wt := create(t, r, "ca", "T", 1)
	if ok, err := r.CommitAll(wt, "nothing"); err != nil || ok {
		t.Errorf("CommitAll on a clean worktree = %v, %v; want false", ok, err)
	}
	writeFile(t, wt.Path, "main.go", "package main\n")
	writeFile(t, wt.Path, "new dir/new file.txt", "new\n")
	writeFile(t, wt.Path, "ignored.log", "log\n")
	if err := os.Remove(filepath.Join(wt.Path, "README.md")); err != nil {
		t.Fatal(err)
	}
	ok, err := r.CommitAll(wt, "agent work")
	if err != nil || !ok {
		t.Fatalf("CommitAll = %v, %v", ok, err)
	}
	if n, err := r.Commits(wt); err != nil || n != 1 {
		t.Errorf("Commits = %d, %v; want 1", n, err)
	}
	ds, err := r.DiffStat(wt.Base, wt.Branch)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"README.md", "main.go", "new dir/new file.txt"}, ds.Paths); diff != "" {
		t.Errorf("committed paths (-want +got):\n%s", diff)
	}
	if got := gitT(t, wt.Path, "log", "-1", "--format=%s"); got != "agent work" {
		t.Errorf("message %q", got)
	}
	if ok, err := r.CommitAll(wt, ""); err != nil || ok {
		t.Errorf("second CommitAll = %v, %v; want false", ok, err)
	}
	writeFile(t, wt.Path, "more.txt", "more\n")
	if ok, err := r.CommitAll(wt, ""); err != nil || !ok {
		t.Errorf("CommitAll with the default message = %v, %v", ok, err)
	}
	if got := gitT(t, wt.Path, "log", "-1", "--format=%s"); !strings.Contains(got, wt.Branch) {
		t.Errorf("default message %q does not name the branch", got)
	}
}

func TestDiffStat(t *testing.T) {
	t.Parallel()
	r := newRepo(t)
	wt := create(t, r, "ds", "T", 1)
	writeFile(t, wt.Path, "three.txt", "1\n2\n3\n")                                            // +3
	writeFile(t, wt.Path, "main.go", "package main\n\nfunc main() {\n\tprintln(\"two\")\n}\n") // +1 -1
	writeFile(t, wt.Path, "bin.dat", "\x00\x01\x02binary\x00")                                 // binary
	gitT(t, wt.Path, "rm", "--quiet", "README.md")                                             // -1
	gitT(t, wt.Path, "add", "--all")
	gitT(t, wt.Path, "commit", "--quiet", "-m", "changes")
	ds, err := r.DiffStat(wt.Base, wt.Branch)
	if err != nil {
		t.Fatal(err)
	}
	want := DiffStat{Files: 4, Added: 4, Removed: 2, Paths: []string{"README.md", "bin.dat", "main.go", "three.txt"},
		From: wt.Base, To: strings.TrimSpace(gitT(t, wt.Path, "rev-parse", "HEAD")),
		Status: map[string]byte{"README.md": 'D', "bin.dat": 'A', "main.go": 'M', "three.txt": 'A'}}
	if diff := cmp.Diff(want, ds); diff != "" {
		t.Errorf("DiffStat (-want +got):\n%s", diff)
	}
	if ds, err := r.DiffStat(wt.Base, wt.Base); err != nil || ds.Files != 0 {
		t.Errorf("DiffStat of a commit with itself = %+v, %v", ds, err)
	}
	for _, bad := range [][2]string{{"", "x"}, {"-p", wt.Branch}, {wt.Base, "looper/none"}} {
		if _, err := r.DiffStat(bad[0], bad[1]); err == nil {
			t.Errorf("DiffStat(%q, %q): no error", bad[0], bad[1])
		}
	}
}

func TestParseNumstat(t *testing.T) {
	t.Parallel()
	got, err := parseNumstat([]byte("3\t0\tb\x00-\t-\ta\x001\t1\t\x00old\x00new\x00"))
	if err != nil {
		t.Fatal(err)
	}
	want := DiffStat{Files: 3, Added: 4, Removed: 1, Paths: []string{"a", "b", "new"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("parseNumstat (-want +got):\n%s", diff)
	}
	for _, bad := range []string{"3\t0\x00", "x\t0\ta\x00", "1\t1\t\x00old\x00", "+1\t0\ta\x00", "-1\t0\ta\x00"} {
		if _, err := parseNumstat([]byte(bad)); err == nil {
			t.Errorf("parseNumstat(%q): no error", bad)
		}
	}
}

func FuzzParseNumstat(f *testing.F) {
	f.Add([]byte("3\t0\tb\x00-\t-\ta\x00"))
	f.Add([]byte("1\t1\t\x00old\x00new\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		ds, err := parseNumstat(data)
		if err != nil {
			return
		}
		if ds.Files != len(ds.Paths) || ds.Added < 0 || ds.Removed < 0 {
			t.Errorf("parseNumstat(%q) = %+v", data, ds)
		}
	})
}

func TestDropPaths(t *testing.T) {
	t.Parallel()
	r := newRepo(t)
	root := r.Root()
	wt := create(t, r, "dp", "T", 1)
	commitFiles(t, wt.Path, "agent edits the backlog", map[string]string{
		".looper/todo.json":  "{\"tasks\": [\"agent\"]}\n",
		".looper/notes.json": "{}\n",
	})
	commitFiles(t, wt.Path, "agent works", map[string]string{"main.go": "package main\n", "feature.txt": "f\n"})
	writeFile(t, wt.Path, ".looper/todo.json", "{\"uncommitted\": true}\n")

	ok, err := r.DropPaths(wt, "", filepath.Join(root, ".looper/todo.json"), ".looper/notes.json", "never-touched.txt")
	if err != nil || !ok {
		t.Fatalf("DropPaths = %v, %v", ok, err)
	}
	ds, err := r.DiffStat(wt.Base, wt.Branch)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"feature.txt", "main.go"}, ds.Paths); diff != "" {
		t.Errorf("branch changes after DropPaths (-want +got):\n%s", diff)
	}
	if got := readFile(t, wt.Path, ".looper/todo.json"); got != "{\"tasks\": []}\n" {
		t.Errorf("worktree backlog = %q, want the base version", got)
	}
	if got := readFile(t, wt.Path, ".looper/notes.json"); got != "<missing>" {
		t.Errorf("notes.json still there: %q", got)
	}
	if n, _ := r.Commits(wt); n != 3 {
		t.Errorf("Commits = %d, want 3 (two by the agent, one dropping)", n)
	}
	if ok, err := r.DropPaths(wt, wt.Base, ".looper/todo.json"); err != nil || ok {
		t.Errorf("second DropPaths = %v, %v; want false", ok, err)
	}
	// Only uncommitted edits: restored, but nothing to commit.
	writeFile(t, wt.Path, ".looper/todo.json", "scribble\n")
	if ok, err := r.DropPaths(wt, "", ".looper"); err != nil || ok {
		t.Errorf("DropPaths of uncommitted edits = %v, %v; want false", ok, err)
	}
	if got := readFile(t, wt.Path, ".looper/todo.json"); got != "{\"tasks\": []}\n" {
		t.Errorf("uncommitted edit not discarded: %q", got)
	}
	for _, bad := range []string{".", ""} {
		if _, err := r.DropPaths(wt, "", bad); err == nil {
			t.Errorf("DropPaths(%q): no error", bad)
		}
	}
	if ok, err := r.DropPaths(wt, "", "/elsewhere", "../x"); err != nil || ok {
		t.Errorf("DropPaths of paths outside the repository = %v, %v; want false, nil", ok, err)
	}

	// The merge now leaves the user's live backlog alone.
	live := "{\"tasks\": [\"looper is writing this\"]}\n"
	writeFile(t, root, ".looper/todo.json", live)
	mustMerge(t, r, wt.Branch, "")
	if got := readFile(t, root, ".looper/todo.json"); got != live {
		t.Errorf("backlog after merge = %q, want the live one", got)
	}
	if got := readFile(t, root, "feature.txt"); got != "f\n" {
		t.Errorf("feature.txt not merged")
	}
}

func TestRemoveRefuses(t *testing.T) {
	t.Parallel()
	r := newRepo(t)
	if err := r.Remove(&Worktree{Path: r.Root()}, false); err == nil {
		t.Errorf("Remove of the main worktree: no error")
	}
	if err := r.Remove(&Worktree{Path: filepath.Join(r.Root(), ".looper", "worktrees")}, false); err == nil {
		t.Errorf("Remove of the worktrees directory itself: no error")
	}
	if err := r.Remove(&Worktree{Path: filepath.Join(r.Root(), ".looper", "worktrees", "..", "..", "x")}, false); err == nil {
		t.Errorf("Remove of a path climbing out: no error")
	}
	if err := r.Remove(&Worktree{Branch: "main"}, true); err == nil {
		t.Errorf("Remove deleting branch main: no error")
	}
	if got := gitT(t, r.Root(), "branch", "--list", "main"); got == "" {
		t.Errorf("branch main deleted")
	}
	// Removing twice, or a worktree whose directory is gone, is fine.
	wt := create(t, r, "rm", "T", 1)
	if err := os.RemoveAll(wt.Path); err != nil {
		t.Fatal(err)
	}
	if err := r.Remove(wt, true); err != nil {
		t.Errorf("Remove of a missing directory: %v", err)
	}
	if err := r.Remove(wt, true); err != nil {
		t.Errorf("second Remove: %v", err)
	}
	// A locked worktree is refused, with git's explanation.
	locked := create(t, r, "rm", "L", 1)
	gitT(t, r.Root(), "worktree", "lock", "--reason", "keep me", locked.Path)
	if err := r.Remove(locked, true); err == nil || !strings.Contains(err.Error(), "locked") {
		t.Errorf("Remove of a locked worktree: %v", err)
	}
}
