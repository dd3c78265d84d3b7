package worktree

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
)

// errOutside marks a path that lies outside the repository.
var errOutside = errors.New("outside the repository")

// relPath converts an absolute path under Root, or a relative one, into a
// clean slash-separated path relative to Root; a path outside Root is an
// error wrapping errOutside.
func (r *Repo) relPath(p string) (string, error) {
	if p == "" {
		return "", errors.New("empty path")
	}
	if filepath.IsAbs(p) {
		rel, err := filepath.Rel(r.root, p)
		if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			// The path may reach Root through a symlink (a temp dir, /private on macOS).
			resolved, rerr := evalExisting(p)
			if rerr == nil {
				rel, err = filepath.Rel(r.root, resolved)
			}
			if rerr != nil || err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
				return "", fmt.Errorf("%s: %w %s", p, errOutside, r.root)
			}
		}
		return filepath.ToSlash(rel), nil
	}
	c := filepath.ToSlash(filepath.Clean(p))
	if c == ".." || strings.HasPrefix(c, "../") {
		return "", fmt.Errorf("%s: %w %s", p, errOutside, r.root)
	}
	return c, nil
}

// evalExisting resolves symlinks in the longest existing prefix of p, so that
// a path to a file that does not exist yet still resolves.
func evalExisting(p string) (string, error) {
	dir, rest := p, ""
	for {
		resolved, err := filepath.EvalSymlinks(dir)
		if err == nil {
			return filepath.Join(resolved, rest), nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", err
		}
		rest = filepath.Join(filepath.Base(dir), rest)
		dir = parent
	}
}

// underAny reports whether path equals one of prefixes or lies below one.
func underAny(path string, prefixes []string) bool {
	for _, p := range prefixes {
		if under(path, p) {
			return true
		}
	}
	return false
}

// under reports whether path equals prefix or lies below it
// (slash-separated, relative paths).
func under(path, prefix string) bool {
	prefix = strings.TrimSuffix(prefix, "/")
	return path == prefix || strings.HasPrefix(path, prefix+"/")
}
