package main

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/looper-go/looper/internal/atomicfile"
)

// gitignoreHeader introduces the lines init adds, so a reader knows where
// they came from.
const gitignoreHeader = "# looper's run-time files (added by looper init)"

// runtimeIgnores are the patterns, relative to the backlog's directory, of
// the files looper writes there while it runs: the lock, the temporary files
// of an atomic save, the copies of a broken backlog, and (in .looper/) the
// attempt worktrees. An agent's `git add -A` must not commit them.
func runtimeIgnores(backlog string) []string {
	base := filepath.Base(backlog)
	patterns := []string{"/" + base + ".lock", "/." + base + ".tmp-*", "/" + base + ".broken-*", "/" + base + ".invalid-*"}
	if filepath.Base(filepath.Dir(backlog)) == ".looper" {
		patterns = append(patterns, "/worktrees/")
	}
	return patterns
}

// ensureIgnored appends to the .gitignore beside the backlog the runtime
// patterns it does not list yet, and reports whether it wrote anything.
func ensureIgnored(backlog string) (string, bool, error) {
	path := filepath.Join(filepath.Dir(backlog), ".gitignore")
	current, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return path, false, err
	}
	have := map[string]bool{}
	for line := range strings.Lines(string(current)) {
		have[strings.TrimSpace(line)] = true
	}
	var missing []string
	for _, p := range runtimeIgnores(backlog) {
		if !have[p] {
			missing = append(missing, p)
		}
	}
	if len(missing) == 0 {
		return path, false, nil
	}
	out := bytes.Clone(current)
	if len(out) > 0 && !bytes.HasSuffix(out, []byte("\n")) {
		out = append(out, '\n')
	}
	if !have[gitignoreHeader] {
		out = append(out, gitignoreHeader+"\n"...)
	}
	out = append(out, strings.Join(missing, "\n")+"\n"...)
	return path, true, atomicfile.Write(path, out, 0o644)
}
