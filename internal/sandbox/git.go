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

// gitCommonDir is the repository's common git directory for a working
// directory (the main .git, also for a linked worktree, whose objects,
// refs and per-worktree state live there): an attempt's commits write it.
// "" outside a repository.
func gitCommonDir(dir string) string {
	ctx, cancel := context.WithTimeout(context.Background(), probeTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "git", "rev-parse", "--git-common-dir")
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		return ""
	}
	common := strings.TrimSpace(string(out))
	if common == "" {
		return ""
	}
	if !filepath.IsAbs(common) {
		common = filepath.Join(dir, common)
	}
	return realPath(common)
}
