package worktree

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestMain gives every git command in the tests (the package's own and the
// helpers') an identity and shields them from the machine's git config, so
// commits work without global configuration and results do not depend on it.
func TestMain(m *testing.M) {
	for k, v := range map[string]string{
		"GIT_AUTHOR_NAME":         "Looper Test",
		"GIT_AUTHOR_EMAIL":        "looper@example.com",
		"GIT_COMMITTER_NAME":      "Looper Test",
		"GIT_COMMITTER_EMAIL":     "looper@example.com",
		"GIT_CONFIG_GLOBAL":       os.DevNull,
		"GIT_CONFIG_NOSYSTEM":     "1",
		"GIT_CEILING_DIRECTORIES": filepath.Clean(os.TempDir()),
	} {
		os.Setenv(k, v)
	}
	os.Exit(m.Run())
}

// gitT runs git in dir for test setup and checks, failing the test on error.
func gitT(t testing.TB, dir string, args ...string) string {
	t.Helper()
	out, err := git(context.Background(), dir, args...)
	if err != nil {
		t.Fatalf("%v", err)
	}
	return strings.TrimSpace(string(out))
}

// writeFile writes content to dir/name, creating parent directories.
func writeFile(t testing.TB, dir, name, content string) {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// readFile returns dir/name's content, or "<missing>".
func readFile(t testing.TB, dir, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(name)))
	if os.IsNotExist(err) {
		return "<missing>"
	}
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// commitFiles writes files (name → content) in dir and commits them.
func commitFiles(t testing.TB, dir, msg string, files map[string]string) string {
	t.Helper()
	for name, content := range files {
		writeFile(t, dir, name, content)
	}
	gitT(t, dir, "add", "--all")
	gitT(t, dir, "commit", "--quiet", "-m", msg)
	return gitT(t, dir, "rev-parse", "HEAD")
}

// newRepo makes a repository on branch main with a first commit holding a
// README, a backlog file and a code file, and opens it.
func newRepo(t testing.TB) *Repo {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "repo")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	gitT(t, dir, "init", "--quiet", "-b", "main")
	commitFiles(t, dir, "initial", map[string]string{
		"README.md":         "# test\n",
		".looper/todo.json": "{\"tasks\": []}\n",
		"main.go":           "package main\n\nfunc main() {\n\tprintln(\"one\")\n}\n",
		".gitignore":        "*.log\n/build/\n",
	})
	r, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// create is Create with a test context, failing the test on error.
func create(t testing.TB, r *Repo, run, task string, attempt int) *Worktree {
	t.Helper()
	wt, err := r.Create(context.Background(), run, task, attempt, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return wt
}

// mustDirty returns the main worktree's uncommitted changes.
func mustDirty(t testing.TB, r *Repo, ignore ...string) []string {
	t.Helper()
	d, err := r.Dirty(ignore...)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// logGit puts a git first on PATH that logs its arguments, a line per
// command, and returns what it logged so far. The test must not be
// parallel (it sets PATH).
func logGit(t *testing.T) (commands func() string) {
	t.Helper()
	bin := t.TempDir()
	log := filepath.Join(bin, "log")
	real := strings.TrimSpace(gitT(t, bin, "--exec-path"))
	wrapper := "#!/bin/sh\necho \"$*\" >>" + log + "\nexec " + filepath.Join(real, "git") + " \"$@\"\n"
	if err := os.WriteFile(filepath.Join(bin, "git"), []byte(wrapper), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	return func() string {
		data, _ := os.ReadFile(log)
		return string(data)
	}
}
