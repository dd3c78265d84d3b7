package worktree

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// preparingMarker names the file Create keeps in a worktree's
// administrative directory (<common dir>/worktrees/<id>/) while it makes the
// worktree ready for an attempt: checkout, copies, provisioning and setup.
// A worktree that still has it when looper stops was never handed to an
// agent, so what git reports as changed there is looper's own half-done
// preparation (files not yet checked out look deleted), not work; resuming
// from it would commit those "changes" and merge the deletions into the
// integration branch.
const preparingMarker = "looper-preparing"

// markPreparing sets the marker on the worktree at path.
func markPreparing(path string) error {
	admin := adminDir(path)
	if admin == "" {
		return fmt.Errorf("mark %s as being prepared: it has no .git file naming its git directory", path)
	}
	if err := os.WriteFile(filepath.Join(admin, preparingMarker), []byte("looper is preparing this worktree for an attempt\n"), 0o644); err != nil {
		return fmt.Errorf("mark %s as being prepared: %w", path, err)
	}
	return nil
}

// donePreparing removes the marker: from now on an agent may have worked
// in the worktree at path.
func donePreparing(path string) error {
	admin := adminDir(path)
	if admin == "" {
		return fmt.Errorf("mark %s as ready: it has no .git file naming its git directory", path)
	}
	if err := os.Remove(filepath.Join(admin, preparingMarker)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("mark %s as ready: %w", path, err)
	}
	return nil
}

// unprepared reports whether looper stopped preparing the worktree at path
// before any agent ran there: the marker is still set, or git never wrote
// the worktree's index (it was added with --no-checkout and stopped before
// the checkout, the moment before the marker is set). A worktree without a
// readable .git file is not judged here.
func unprepared(path string) bool {
	admin := adminDir(path)
	if admin == "" {
		return false
	}
	if _, err := os.Lstat(filepath.Join(admin, preparingMarker)); err == nil {
		return true
	}
	_, err := os.Lstat(filepath.Join(admin, "index"))
	return errors.Is(err, fs.ErrNotExist)
}
