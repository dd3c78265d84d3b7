package worktree

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// DiffStat summarizes what an attempt changed, for the run's report and for
// choosing between attempts.
type DiffStat struct {
	// Files is the number of paths changed (a rename counts as two: the old
	// path removed, the new one added).
	Files int
	// Added and Removed count text lines; binary files add to neither.
	Added, Removed int
	// Paths are the changed paths relative to Root, sorted.
	Paths []string
}

// DiffStat compares two commits (ids or branch names), usually an attempt's
// Base and its Branch, and counts what changed between their trees.
func (r *Repo) DiffStat(base, branch string) (DiffStat, error) {
	for _, rev := range []string{base, branch} {
		if rev == "" || strings.HasPrefix(rev, "-") {
			return DiffStat{}, fmt.Errorf("diff stat: %q is not a revision", rev)
		}
	}
	out, err := gitRead(context.Background(), r.root, "diff", "--numstat", "-z", "--no-renames", "--no-ext-diff", "--no-textconv", base, branch, "--")
	if err != nil {
		return DiffStat{}, fmt.Errorf("diff stat %s..%s: %w", base, branch, err)
	}
	ds, err := parseNumstat(out)
	if err != nil {
		return DiffStat{}, fmt.Errorf("diff stat %s..%s: git diff --numstat: %w", base, branch, err)
	}
	return ds, nil
}

// parseNumstat reads `git diff --numstat -z --no-renames`: one record
// "added<TAB>removed<TAB>path" per file, "-" for both counts on binary files.
// (With renames a record is "added<TAB>removed<TAB>" followed by two path
// records; that form is accepted too and counts the new path.)
func parseNumstat(out []byte) (DiffStat, error) {
	recs := splitNUL(out)
	var ds DiffStat
	for i := 0; i < len(recs); i++ {
		fields := strings.SplitN(recs[i], "\t", 3)
		if len(fields) != 3 {
			return DiffStat{}, fmt.Errorf("malformed record %q", recs[i])
		}
		added, err1 := numstatCount(fields[0])
		removed, err2 := numstatCount(fields[1])
		if err1 != nil || err2 != nil {
			return DiffStat{}, fmt.Errorf("malformed counts in record %q", recs[i])
		}
		path := fields[2]
		if path == "" {
			if i+2 >= len(recs) || recs[i+1] == "" || recs[i+2] == "" {
				return DiffStat{}, fmt.Errorf("rename record %q lacks its paths", recs[i])
			}
			path = recs[i+2]
			i += 2
		}
		ds.Files++
		ds.Added += added
		ds.Removed += removed
		ds.Paths = append(ds.Paths, path)
	}
	slices.Sort(ds.Paths)
	return ds, nil
}

// numstatCount parses one count column; "-" (binary) counts as 0.
func numstatCount(s string) (int, error) {
	if s == "-" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || s[0] == '+' {
		return 0, fmt.Errorf("bad count %q", s)
	}
	return n, nil
}
