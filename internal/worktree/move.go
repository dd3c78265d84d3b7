package worktree

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// errAskGit says that a worktree is not in the plain layout moveFiles
// handles, so git must do the move (and explain any refusal).
var errAskGit = errors.New("not in the layout looper moves itself")

// moveWorktree moves a linked worktree from one directory to another
// with the same grandparent (.looper/worktrees/<run>/<leaf> to another
// run's or the kept pool's directory), as git worktree move does: the directory is
// renamed and the path git keeps in the worktree's administrative
// directory (<common dir>/worktrees/<id>/gitdir) is rewritten. The pool
// moves a worktree twice per attempt (aside when released, back under the
// next attempt's name), so doing that without starting git matters; a
// worktree in any other layout (a relative link, a lock, submodules, a
// record that does not point back at it) is moved by git, which knows
// them all. The caller holds adminMu.
func (r *Repo) moveWorktree(ctx context.Context, from, to string) error {
	err := moveFiles(r.commonDir, from, to)
	if !errors.Is(err, errAskGit) {
		return err
	}
	if _, err := git(ctx, r.root, "worktree", "move", from, to); err != nil {
		return err
	}
	return nil
}

// moveFiles does moveWorktree's move itself, or returns errAskGit having
// changed nothing.
func moveFiles(commonDir, from, to string) error {
	if commonDir == "" || !filepath.IsAbs(from) || filepath.Dir(filepath.Dir(from)) != filepath.Dir(filepath.Dir(to)) || filepath.Base(to) == "." {
		return errAskGit
	}
	link, err := os.ReadFile(filepath.Join(from, ".git"))
	if err != nil {
		return errAskGit
	}
	admin, ok := strings.CutPrefix(string(link), "gitdir: ")
	admin, ok2 := strings.CutSuffix(admin, "\n")
	if !ok || !ok2 || !filepath.IsAbs(admin) || filepath.Dir(admin) != filepath.Join(commonDir, "worktrees") {
		return errAskGit
	}
	record := filepath.Join(admin, "gitdir")
	back, err := os.ReadFile(record)
	if err != nil || string(back) != filepath.Join(from, ".git")+"\n" {
		return errAskGit
	}
	for _, p := range []string{filepath.Join(admin, "locked"), filepath.Join(from, ".gitmodules"), to} {
		if _, err := os.Lstat(p); !errors.Is(err, fs.ErrNotExist) {
			return errAskGit // locked, submodules, or the destination taken: git refuses and says why
		}
	}
	if err := os.Rename(from, to); err != nil {
		return errAskGit
	}
	if err := writeLocked(record, []byte(filepath.Join(to, ".git")+"\n")); err != nil {
		if rerr := os.Rename(to, from); rerr != nil {
			return fmt.Errorf("move worktree %s to %s: record the new path: %w (and moving it back failed: %v)", from, to, err, rerr)
		}
		return fmt.Errorf("move worktree %s to %s: record the new path: %w", from, to, err)
	}
	return nil
}
