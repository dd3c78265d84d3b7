package reliability

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/looper-go/looper/internal/shellquote"
	"github.com/looper-go/looper/todo"
)

// hostileIDs are task ids todo.CheckID accepts although they are full of
// shell metacharacters, glob and git ref syntax, quotes and format verbs.
// Each would run a command, or escape a directory, if looper ever passed an
// id through a shell or used it as a path unsanitized. The commands first
// cd to $HOME (inside the test's directory), so a file they made would
// outlive the worktree a shell ran them in.
var hostileIDs = []string{
	"$(cd;touch pwned-subst)",
	";cd;touch pwned-semicolon;",
	"`cd;touch pwned-backtick`",
	"a b|cd;touch pwned-pipe",
	"x&&cd;touch pwned-and",
	`'q"dq'`,
	"*?[glob]",
	"~root",
	"@{-1}",
	"T.lock",
	"ends.",
	"HEAD",
	"a:b^c",
	"Ωmega∑",
	"%s%n%x",
	".hidden",
	"$HOME",
	strings.Repeat("L", todo.MaxIDLength),
}

// TestHostileIDsRunEndToEnd runs a backlog of hostileIDs in parallel, each
// attempt in its own git worktree, with a hook and a verify command, the
// fake agent writing and committing a file named after its task: every
// task is done and merged; nothing the ids spell is executed (no
// pwned-* file anywhere); the hook and the verify command receive each id
// verbatim as data; worktrees, branches and log files have safe names
// inside their directories, and the run leaves no branch or worktree.
func TestHostileIDsRunEndToEnd(t *testing.T) {
	var tasks []task
	for _, id := range hostileIDs {
		if err := todo.CheckID(id); err != nil {
			t.Fatalf("%q is not a valid id: %v", id, err)
		}
		tasks = append(tasks, task{ID: id})
	}
	p := newProject(t, tasks, map[string]any{"default": "commit", "review": "review"}, nil)
	p.gitInit()
	hookLog := filepath.Join(p.root, "hook.log")
	verifyLog := filepath.Join(p.root, "verify.log")
	hook := filepath.Join(p.root, "bin", "hook")
	p.write(hook, fmt.Sprintf("#!/bin/sh\nprintf '%%s\\0' \"$#\" \"$@\" >>%s\n", shellquote.Quote(hookLog)), 0o755)
	verify := fmt.Sprintf(`printf '%%s\0' "$LOOPER_TASK_ID" >>%s`, shellquote.Quote(verifyLog))
	code, out := p.looper(5*time.Minute, "run", "--parallel", "--max-tasks", "6", "--isolation", "worktree",
		"--hook", hook, "--verify", verify)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, out)
	}
	st := statuses(p.backlog())
	for _, id := range hostileIDs {
		if st[id] != todo.StatusDone {
			t.Errorf("task %q is %s, want done", id, st[id])
		}
		// The agent's file was committed in the task's worktree and merged.
		if _, err := os.Stat(filepath.Join(p.dir, "fake-"+id+".txt")); err != nil {
			t.Errorf("task %q: its file did not land on main: %v", id, err)
		}
	}

	// Nothing the ids spell ran.
	for _, dir := range []string{p.root, os.TempDir(), mustGetwd(t)} {
		filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return nil
			}
			if strings.HasPrefix(d.Name(), "pwned-") {
				t.Errorf("%s exists: a task id was executed", path)
			}
			if d.IsDir() && path != dir && dir != p.root {
				return fs.SkipDir // only the top of shared directories
			}
			return nil
		})
	}

	// The hook and the verify command got every id verbatim, as one
	// argument or one variable.
	hookArgs := splitNUL(t, hookLog)
	var hooked []string
	for i := 0; i < len(hookArgs); {
		n, err := strconv.Atoi(hookArgs[i])
		if err != nil || i+1+n > len(hookArgs) {
			t.Fatalf("hook log is garbled at %d: %q", i, hookArgs[i:])
		}
		args := hookArgs[i+1 : i+1+n]
		i += 1 + n
		if len(args) != 4 {
			t.Errorf("the hook got %d arguments, want 4: %q", len(args), args)
			continue
		}
		if args[0] == "" {
			continue // the review's hook has no task
		}
		if args[1] != "done" {
			t.Errorf("hook for %q: status %q", args[0], args[1])
		}
		hooked = append(hooked, args[0])
	}
	want := slices.Sorted(slices.Values(hostileIDs))
	if slices.Sort(hooked); !slices.Equal(hooked, want) {
		t.Errorf("the hook got task ids %q, want %q", hooked, want)
	}
	verified := splitNUL(t, verifyLog)
	if slices.Sort(verified); !slices.Equal(verified, want) {
		t.Errorf("the verify command got LOOPER_TASK_ID %q, want %q", verified, want)
	}

	// Names looper made from the ids are safe, and nothing is left over.
	safe := regexp.MustCompile(`^[A-Za-z0-9._-]+$`)
	logs, _ := filepath.Glob(filepath.Join(p.logDir, "*", "*"))
	for _, f := range logs {
		if !safe.MatchString(filepath.Base(f)) {
			t.Errorf("log file %q has an unsafe name", f)
		}
	}
	if len(logs) < len(hostileIDs) {
		t.Errorf("%d files in the log directory, want a last-message file per attempt", len(logs))
	}
	if left := strings.TrimSpace(p.git("branch", "--list", "looper/*")); left != "" {
		t.Errorf("attempt branches left after every task merged:\n%s", left)
	}
	if wts := strings.Count(p.git("worktree", "list"), "\n"); wts != 1 {
		t.Errorf("worktrees left:\n%s", p.git("worktree", "list"))
	}
	if dirty := strings.TrimSpace(p.git("status", "--porcelain", "--untracked-files=no")); dirty != "" {
		t.Errorf("main tree has uncommitted changes after the run:\n%s", dirty)
	}
	for _, id := range hostileIDs {
		if !strings.Contains(p.git("log", "--format=%s", "main"), "looper: merge "+id+":") &&
			!strings.Contains(p.git("log", "--format=%s", "main"), "feat("+id+")") {
			t.Errorf("no commit of %q on main", id)
		}
	}
}

// TestUnsafeIDsAreRefused gives looper ids that would escape a directory
// or read as a flag ('/', '\', "..", ".", NUL, a newline, a leading '-'):
// `looper validate` names each with its line, and `looper run` refuses the
// backlog (after its repair agent, here a fake that changes nothing) and
// runs no task.
func TestUnsafeIDsAreRefused(t *testing.T) {
	for _, tc := range []struct{ id, want string }{
		{"../escape", `contains a path separator`},
		{"a/b", `contains a path separator`},
		{`a\b`, `contains a path separator`},
		{"..", `contains ".."`},
		{".", `names the current directory`},
		{"nul\x00byte", `control character U+0000`},
		{"new\nline", `control character U+000A`},
		{"-rf", `starts with '-'`},
	} {
		t.Run(strconv.Quote(tc.id), func(t *testing.T) {
			p := newProject(t, []task{{ID: "T1"}, {ID: tc.id}}, map[string]any{"default": "commit"}, nil)
			code, out := p.looper(time.Minute, "validate")
			if code != 1 || !strings.Contains(out, tc.want) || !strings.Contains(out, "todo.json:") {
				t.Errorf("validate: exit %d, want 1 and a message with %q and the file's line:\n%s", code, tc.want, out)
			}
			code, out = p.looper(time.Minute, "run", "--parallel")
			if code != 1 || !strings.Contains(out, tc.want) {
				t.Errorf("run: exit %d, want 1 and %q:\n%s", code, tc.want, out)
			}
			if n := len(starts(p.records())); n != 0 {
				t.Errorf("%d tasks ran from a backlog with an unsafe id", n)
			}
			entries, _ := os.ReadDir(p.root)
			for _, e := range entries {
				switch name := e.Name(); {
				case name == "project", name == "logs", name == "bin", name == "home", name == "record.jsonl", name == "scenarios.json",
					strings.HasPrefix(name, "looper-output-"):
				default:
					t.Errorf("unexpected file %s next to the project", name)
				}
			}
		})
	}
}

// TestOversizedInputs feeds looper inputs too large to hold: a backlog one
// byte over todo.MaxFileSize and a 100 MB single-line backlog are refused
// by run, validate and ls with a clear error, without reading them
// (looper's peak memory stays small); a valid backlog just under the limit
// (about 160,000 tasks) loads in bounded memory; an agent that prints a
// 100 MB line has it truncated and its task still done, in bounded memory.
func TestOversizedInputs(t *testing.T) {
	const mib = 1 << 20
	p := newProject(t, []task{{ID: "T1"}}, map[string]any{"T1": map[string]any{"steps": []any{
		map[string]any{"huge_line": 100_000_000}, map[string]any{"summary": map[string]any{}},
	}}, "review": "review"}, nil)
	valid, err := os.ReadFile(p.todoPath)
	if err != nil {
		t.Fatal(err)
	}

	refuse := func(what string, limit int64) {
		t.Helper()
		for _, args := range [][]string{{"run", "--parallel"}, {"validate"}, {"ls"}} {
			r := p.start(args...)
			code := r.wait(time.Minute)
			out := r.output()
			if code != 1 || !strings.Contains(out, "larger than the 50 MiB a backlog may be") {
				t.Errorf("%s: looper %v: exit %d, want 1 and the size error:\n%s", what, args, code, out)
			}
			if peak := r.peak.Load(); peak > limit {
				t.Errorf("%s: looper %v peaked at %d MiB", what, args, peak/mib)
			}
			t.Logf("%s: looper %v refused it, peak memory %d MiB", what, args, r.peak.Load()/mib)
		}
		if copies, _ := filepath.Glob(p.todoPath + ".*-*"); len(copies) != 0 {
			t.Errorf("%s: copies were made: %v", what, copies)
		}
		if n := len(p.records()); n != 0 {
			t.Errorf("%s: an agent ran", what)
		}
	}
	// One byte over the limit (sparse: the size alone must refuse it).
	if err := os.Truncate(p.todoPath, todo.MaxFileSize+1); err != nil {
		t.Fatal(err)
	}
	refuse("a backlog of 50 MiB + 1 byte", 64*mib)
	// A backlog that is one 100 MB line.
	f, err := os.Create(p.todoPath)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(`{"schema_version":1,"source_files":[],"tasks":[{"id":"T1","title":"`)
	chunk := bytes.Repeat([]byte("x"), mib)
	for written := 0; written < 100_000_000; written += len(chunk) {
		f.Write(chunk)
	}
	f.WriteString(`","priority":1,"status":"todo"}]}`)
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	refuse("a 100 MB line", 64*mib)

	// Just under the limit: about 160,000 tasks load in bounded memory.
	const bigTasks = 160_000
	var big bytes.Buffer
	big.WriteString(`{"schema_version": 1, "source_files": [], "tasks": [`)
	title := strings.Repeat("x", 236)
	for i := range bigTasks {
		if i > 0 {
			big.WriteByte(',')
		}
		big.WriteString("\n  {\"id\": \"T" + strconv.Itoa(i+1) + "\", \"title\": \"Task " + title + "\", \"priority\": 3, \"status\": \"done\"}")
	}
	big.WriteString("\n]}\n")
	if big.Len() > todo.MaxFileSize || big.Len() < 45*mib {
		t.Fatalf("the large backlog is %d MiB; want it just under the limit", big.Len()/mib)
	}
	if err := os.WriteFile(p.todoPath, big.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	r := p.start("validate")
	if code := r.wait(time.Minute); code != 0 {
		t.Errorf("validate of a %d MiB backlog: exit %d\n%s", big.Len()/mib, code, r.tail())
	}
	t.Logf("a valid %d MiB backlog (%d tasks) validates with a peak of %d MiB", big.Len()/mib, bigTasks, r.peak.Load()/mib)
	if peak := r.peak.Load(); peak > 1024*mib {
		t.Errorf("validating a %d MiB backlog peaked at %d MiB", big.Len()/mib, peak/mib)
	}

	// An agent's 100 MB line: truncated to max_line (16 MiB), skipped, and
	// the task done.
	p.write(p.todoPath, string(valid), 0o644)
	r = p.start("run", "--parallel")
	if code := r.wait(5 * time.Minute); code != 0 {
		t.Fatalf("run with a 100 MB agent line: exit %d\n%s", code, r.tail())
	}
	if !strings.Contains(r.output(), "printed a line of 100000") {
		t.Errorf("no warning about the long line:\n%s", r.tail())
	}
	t.Logf("an agent's 100 MB line: looper peaked at %d MiB", r.peak.Load()/mib)
	if peak := r.peak.Load(); peak > 256*mib {
		t.Errorf("looper peaked at %d MiB reading an agent's 100 MB line", peak/mib)
	}
}

func splitNUL(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSuffix(string(data), "\x00"), "\x00")
}

func mustGetwd(t *testing.T) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	return wd
}
