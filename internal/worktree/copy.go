package worktree

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"slices"
	"strings"
)

// checkCopyPaths validates Options.Copy before anything is created: every
// entry must be relative, stay inside the repository and keep out of .git
// (copying into a worktree's .git file would break it) and of the attempt
// worktrees themselves.
func (r *Repo) checkCopyPaths(paths []string) ([]string, error) {
	out := make([]string, 0, len(paths))
	for _, p := range paths {
		if p == "" || strings.ContainsRune(p, 0) {
			return nil, fmt.Errorf("worktree copy entry %q: not a path; list files relative to the repository root, like \".env\"", p)
		}
		if path.IsAbs(p) || strings.HasPrefix(p, `\`) || (len(p) > 1 && p[1] == ':') {
			return nil, fmt.Errorf("worktree copy entry %q: absolute paths are not allowed; list files relative to the repository root, like \".env\"", p)
		}
		c := path.Clean(strings.ReplaceAll(p, `\`, "/"))
		if c == "." || c == ".." || strings.HasPrefix(c, "../") {
			return nil, fmt.Errorf("worktree copy entry %q: it leaves the repository; list files inside it, like \".env\"", p)
		}
		first, _, _ := strings.Cut(c, "/")
		if first == ".git" || under(c, worktreesDir) || under(worktreesDir, c) {
			return nil, fmt.Errorf("worktree copy entry %q: .git and %s cannot be copied into a worktree", p, worktreesDir)
		}
		out = append(out, c)
	}
	return out, nil
}

// copyInto copies the listed paths (already checked, relative to Root) from
// the main worktree into dir and returns the files copied, sorted. Missing
// sources are skipped; files already in dir are left as they are. Both sides
// are opened through os.Root, so a symlink can neither read from outside the
// repository nor write outside the worktree.
func (r *Repo) copyInto(dir string, paths []string) ([]string, error) {
	if len(paths) == 0 {
		return nil, nil
	}
	src, err := os.OpenRoot(r.root)
	if err != nil {
		return nil, fmt.Errorf("copy into %s: %w", dir, err)
	}
	defer src.Close()
	dst, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("copy into %s: %w", dir, err)
	}
	defer dst.Close()
	var copied []string
	for _, p := range paths {
		info, err := src.Stat(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("copy %s into %s: %w (symlinks in copied paths must stay inside the repository)", p, dir, err)
		}
		if !info.IsDir() {
			ok, err := copyFile(src, dst, p)
			if err != nil {
				return nil, err
			}
			if ok {
				copied = append(copied, p)
			}
			continue
		}
		err = fs.WalkDir(src.FS(), p, func(name string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				if name != p && (name == ".git" || path.Base(name) == ".git" || under(name, worktreesDir)) {
					return fs.SkipDir
				}
				return nil
			}
			if path.Base(name) == ".git" {
				return nil
			}
			ok, err := copyFile(src, dst, name)
			if ok {
				copied = append(copied, name)
			}
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("copy %s into %s: %w", p, dir, err)
		}
	}
	slices.Sort(copied)
	return slices.Compact(copied), nil
}

// copyFile copies one regular file (following symlinks inside the roots),
// keeping its permission bits. It reports false, without error, when the
// source is not a regular file (a symlink to a directory, a socket) or the
// destination already exists.
func copyFile(src, dst *os.Root, name string) (bool, error) {
	in, err := src.Open(name)
	if err != nil {
		return false, fmt.Errorf("copy %s: %w (symlinks in copied paths must stay inside the repository)", name, err)
	}
	defer in.Close()
	info, err := in.Stat()
	if err != nil {
		return false, fmt.Errorf("copy %s: %w", name, err)
	}
	if !info.Mode().IsRegular() {
		return false, nil
	}
	if parent := path.Dir(name); parent != "." {
		if err := dst.MkdirAll(parent, 0o755); err != nil {
			return false, fmt.Errorf("copy %s: %w", name, err)
		}
	}
	out, err := dst.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, info.Mode().Perm())
	if errors.Is(err, fs.ErrExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("copy %s: %w", name, err)
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return false, fmt.Errorf("copy %s: %w", name, err)
	}
	if err := out.Close(); err != nil {
		return false, fmt.Errorf("copy %s: %w", name, err)
	}
	return true, nil
}
