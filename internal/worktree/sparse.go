package worktree

import (
	"context"
	"fmt"
	"path"
	"strings"
)

// setSparse limits a new worktree, before its files are checked out, to
// the directories dirs (cone mode); nothing when dirs is empty. A pooled
// worktree keeps the patterns it was given, which are the run's.
func setSparse(ctx context.Context, dir string, dirs []string) error {
	if len(dirs) == 0 {
		return nil
	}
	clean, err := sparseDirs(dirs)
	if err != nil {
		return err
	}
	args := append([]string{"sparse-checkout", "set", "--cone", "--"}, clean...)
	if _, err := git(ctx, dir, args...); err != nil {
		return fmt.Errorf("limit %s to %s: %w", dir, strings.Join(clean, ", "), err)
	}
	return nil
}

// sparseDirs checks and cleans the directories of a sparse checkout: each
// relative to the repository root, inside it, and not the root itself.
func sparseDirs(dirs []string) ([]string, error) {
	out := make([]string, 0, len(dirs))
	for _, d := range dirs {
		c := path.Clean(strings.ReplaceAll(strings.TrimSpace(d), `\`, "/"))
		switch {
		case d == "" || c == "." || c == "/":
			return nil, fmt.Errorf("sparse directory %q: name a directory below the repository root (the root is checked out anyway)", d)
		case path.IsAbs(c) || c == ".." || strings.HasPrefix(c, "../"):
			return nil, fmt.Errorf("sparse directory %q: must be relative to the repository root and inside it", d)
		case strings.HasPrefix(c, "-"):
			return nil, fmt.Errorf("sparse directory %q: must not start with '-'", d)
		}
		out = append(out, c)
	}
	return out, nil
}
