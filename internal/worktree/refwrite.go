package worktree

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Changing refs in git's files, without a git process, where releasing a
// pooled worktree would otherwise start two (git checkout --detach and git
// branch --delete) for every attempt. Only the plain layout is handled, as
// for reading (refs.go), and under git's own locking protocol: a change
// holds <file>.lock, created exclusively, so a git process changing the
// same file at the same moment fails or waits instead of being overwritten.
// Anything else answers "don't know", and the caller asks git.

// writeLocked replaces the file at path with content the way git does:
// the new content goes into path.lock, created exclusively, which is then
// renamed over path, so no reader sees half of it and a git process
// changing the same file at the same moment is not overwritten. On an
// error (the lock is taken, a step fails) path is unchanged.
func writeLocked(path string, content []byte) error {
	lock := path + ".lock"
	f, err := os.OpenFile(lock, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	_, werr := f.Write(content)
	if cerr := f.Close(); werr != nil || cerr != nil {
		_ = os.Remove(lock)
		return errors.Join(werr, cerr)
	}
	if err := os.Rename(lock, path); err != nil {
		_ = os.Remove(lock)
		return err
	}
	return nil
}

// detachHead points the HEAD of the linked worktree at path at the commit
// its branch is at, as git checkout --detach does: the index and the files
// stay as they are, which is right when they are that commit's (CommitAll
// left nothing uncommitted). It returns the commit; ok is false, with
// nothing changed, when HEAD is not a plain symbolic ref to branch.
func (f refFiles) detachHead(path, branch string) (commit string, ok bool) {
	admin := adminDir(path)
	if admin == "" {
		return "", false
	}
	head := filepath.Join(admin, "HEAD")
	on, commit, ok := f.head(head)
	if !ok || on != branch {
		return "", false
	}
	return commit, writeLocked(head, []byte(commit+"\n")) == nil
}

// deleteBranch deletes branch when it is a loose ref file holding expect
// and git would have nothing else to remove: it is not in packed-refs and
// the config has no section for it. The ref file goes under git's lock,
// then its reflog, then the directories its name left empty, as git
// branch --delete does. It reports false, having changed nothing, in any
// other case.
func (f refFiles) deleteBranch(branch, expect string) bool {
	ref := "refs/heads/" + branch
	if f.dir == "" || !plainRefName(ref) || !isObjectID(expect) {
		return false
	}
	switch data, err := os.ReadFile(filepath.Join(f.dir, "packed-refs")); {
	case err == nil:
		if _, found, ok := findPackedRef(data, ref); found || !ok {
			return false
		}
	case !errors.Is(err, fs.ErrNotExist):
		return false
	}
	if cfg, err := os.ReadFile(filepath.Join(f.dir, "config")); err != nil || bytes.Contains(cfg, []byte(`"`+branch+`"]`)) {
		return false // git removes the branch's config section too
	}
	path := filepath.Join(f.dir, filepath.FromSlash(ref))
	lock := path + ".lock"
	l, err := os.OpenFile(lock, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return false
	}
	_ = l.Close()
	data, err := os.ReadFile(path)
	oid, plain := parseLooseRef(data)
	if err != nil || !plain || oid != expect || os.Remove(path) != nil {
		_ = os.Remove(lock)
		return false
	}
	_ = os.Remove(lock)
	_ = os.Remove(filepath.Join(f.dir, "logs", filepath.FromSlash(ref)))
	for _, top := range []string{filepath.Join(f.dir, "refs", "heads"), filepath.Join(f.dir, "logs", "refs", "heads")} {
		for dir := filepath.Dir(filepath.Join(top, filepath.FromSlash(branch))); strings.HasPrefix(dir, top+string(filepath.Separator)); dir = filepath.Dir(dir) {
			if os.Remove(dir) != nil {
				break // not empty (another branch lives there), or gone
			}
		}
	}
	return true
}
