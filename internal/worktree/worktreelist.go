package worktree

import (
	"fmt"
	"strings"
)

// worktreeRecord is one entry of `git worktree list --porcelain -z`.
type worktreeRecord struct {
	Path     string // absolute directory
	Head     string // commit checked out ("" for a bare entry)
	Branch   string // short branch name; "" when detached
	Bare     bool
	Detached bool
	Locked   bool
	Prunable bool // the directory is gone
}

// parseWorktreeList reads `git worktree list --porcelain -z`: entries of
// NUL-terminated attribute records ("worktree <path>", "HEAD <id>",
// "branch refs/heads/<name>", "bare", "detached", "locked[ <reason>]",
// "prunable[ <reason>]"), each entry ended by an empty record. Unknown
// attributes, which newer git versions may add, are skipped.
func parseWorktreeList(out []byte) ([]worktreeRecord, error) {
	var list []worktreeRecord
	var cur *worktreeRecord
	s := string(out)
	for len(s) > 0 {
		rec, rest, ok := strings.Cut(s, "\x00")
		if !ok {
			return nil, fmt.Errorf("record %q is not NUL-terminated", rec)
		}
		s = rest
		if rec == "" {
			if cur == nil {
				return nil, fmt.Errorf("empty entry")
			}
			list = append(list, *cur)
			cur = nil
			continue
		}
		key, val, _ := strings.Cut(rec, " ")
		if key == "worktree" {
			if cur != nil {
				return nil, fmt.Errorf("entry for %q is not terminated", cur.Path)
			}
			if val == "" {
				return nil, fmt.Errorf("worktree record without a path")
			}
			cur = &worktreeRecord{Path: val}
			continue
		}
		if cur == nil {
			return nil, fmt.Errorf("attribute %q outside an entry", rec)
		}
		switch key {
		case "HEAD":
			cur.Head = val
		case "branch":
			name, ok := strings.CutPrefix(val, "refs/heads/")
			if !ok || name == "" {
				return nil, fmt.Errorf("branch %q of worktree %q is not a local branch", val, cur.Path)
			}
			cur.Branch = name
		case "bare":
			cur.Bare = true
		case "detached":
			cur.Detached = true
		case "locked":
			cur.Locked = true
		case "prunable":
			cur.Prunable = true
		}
	}
	if cur != nil {
		return nil, fmt.Errorf("entry for %q is not terminated", cur.Path)
	}
	return list, nil
}
