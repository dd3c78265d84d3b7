package sandbox

import (
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// probeTimeout bounds each helper command the package runs (bwrap's
// probe, git rev-parse); they take milliseconds, so this only matters on
// a wedged machine.
const probeTimeout = 10 * time.Second

// gitDirs are a working directory's git directory and the repository's
// common git directory (the main .git, also for a linked worktree, whose
// objects, refs and per-worktree state live there): an attempt's commits
// write the common one. Both are "" outside a repository; they are equal
// in the main working tree.
func gitDirs(dir string) (gitDir, common string) {
	ctx, cancel := context.WithTimeout(context.Background(), probeTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "git", "rev-parse", "--git-dir", "--git-common-dir")
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		return "", ""
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != 2 {
		return "", ""
	}
	abs := func(p string) string {
		if !filepath.IsAbs(p) {
			p = filepath.Join(dir, p)
		}
		return realPath(p)
	}
	return abs(lines[0]), abs(lines[1])
}
