// Package benchrepo builds the large git repository that looper's
// benchmarks measure worktrees on: a copy of Go's own source tree
// ($(go env GOROOT)/src, about 11,500 files), committed in a temporary
// directory, so that no benchmark needs a large repository in this one.
package benchrepo

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// GoTree returns dir after building in it a repository on branch main
// whose one commit holds a copy of $(go env GOROOT)/src below src/ and a
// .gitignore that leaves .looper/ out. Its objects are packed, as they are
// in a clone: a checkout from 11,500 loose objects, as `git add` leaves
// them, opens a file per object and takes twice as long or more, which no
// user's repository of this size does. It skips tb when the go command or
// its GOROOT cannot be found, and fails it when git does.
func GoTree(tb testing.TB, dir string) string {
	tb.Helper()
	out, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		tb.Skipf("go env GOROOT: %v", err)
	}
	src := filepath.Join(strings.TrimSpace(string(out)), "src")
	if _, err := os.Stat(src); err != nil {
		tb.Skipf("Go's source tree: %v", err)
	}
	if out, err := exec.Command("cp", "-R", src, filepath.Join(dir, "src")).CombinedOutput(); err != nil {
		tb.Fatalf("copy %s: %v: %s", src, err, out)
	}
	if err := os.WriteFile(filepath.Join(dir, ".gitignore"), []byte(".looper/\n"), 0o644); err != nil {
		tb.Fatal(err)
	}
	for _, args := range [][]string{
		{"init", "-q", "-b", "main"},
		{"add", "-A"},
		{"-c", "user.name=bench", "-c", "user.email=bench@example.invalid", "-c", "commit.gpgsign=false", "commit", "-qm", "go source tree"},
		{"repack", "-a", "-d", "-q"},
	} {
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			tb.Fatalf("git %s: %v: %s", strings.Join(args, " "), err, out)
		}
	}
	return dir
}
