package worktree

import (
	"context"
	"fmt"
	"slices"
)

// seen is what Check found of an attempt's uncommitted changes, kept with
// its Worktree for the CommitAll that follows on the same files: the agent
// has exited and nothing else works in an attempt's worktree. CommitAll
// uses it once.
type seen struct {
	uncommitted []statusEntry // git status's entries: what CommitAll would stage
}

// changes lists, for Check's marker scan, the tracked paths that differ
// from the attempt's base in the worktree (committed or not) and the
// untracked files that are not ignored: git status (st) says it when HEAD
// is still the base, so that its changes are changes from the base, and a
// diff against the base is asked otherwise.
func changes(ctx context.Context, wt *Worktree, head string, st porcelain) (changed, untracked []string, err error) {
	for _, e := range st.Entries {
		switch e.Kind {
		case '?':
			untracked = append(untracked, e.Path)
		case '!':
		default:
			changed = append(changed, e.Path)
			if e.Orig != "" {
				changed = append(changed, e.Orig)
			}
		}
	}
	if head != wt.Base {
		out, err := gitRead(ctx, wt.Path, "diff", "--name-only", "-z", "--no-renames", wt.Base, "--")
		if err != nil {
			return nil, nil, fmt.Errorf("list changed files: %w", err)
		}
		changed = append(changed, splitNUL(out)...)
	}
	slices.Sort(changed)
	slices.Sort(untracked)
	return slices.Compact(changed), untracked, nil
}

// pending says what committing everything but the paths in skip would
// find to commit.
type pending int

const (
	pendingNone    pending = iota // nothing: every change is in skip
	pendingSome                   // something, for sure
	pendingUnknown                // maybe: git must be asked
)

// pending reads the status entries: an untracked file, or a change on one
// side only of the index (HEAD → index, or index → files), is sure to be
// committed; a change on both sides may cancel out, and a submodule's
// state or an unmerged path is not judged here.
func (s *seen) pending(skip []string) pending {
	out := pendingNone
	for _, e := range s.uncommitted {
		if underAny(e.Path, skip) && (e.Orig == "" || underAny(e.Orig, skip)) {
			continue
		}
		switch {
		case e.Kind == '?':
			return pendingSome
		case e.Kind == '!':
		case (e.Kind == '1' || e.Kind == '2') && e.Sub == "N..." && (e.XY[0] == ' ') != (e.XY[1] == ' '):
			return pendingSome
		default:
			out = pendingUnknown
		}
	}
	return out
}
