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
	// From and To are the commits DiffStat compared, as object ids, and
	// Status maps each path to its git status letter (A added, D deleted,
	// M modified, T type changed). They are set only when DiffStat knew
	// both commits without asking git: a fast-forward from From to To
	// writes exactly these paths, so landing it needs no second diff.
	From, To string
	Status   map[string]byte
}

// writes returns the changes a move of a checkout from commit from to
// commit to makes, when ds measured exactly that (ok false otherwise).
func (ds DiffStat) writes(from, to string) (changes []change, ok bool) {
	if ds.Status == nil || ds.From == "" || ds.From != from || ds.To != to {
		return nil, false
	}
	changes = make([]change, 0, len(ds.Paths))
	for _, p := range ds.Paths {
		st, known := ds.Status[p]
		if !known {
			return nil, false
		}
		changes = append(changes, change{Status: st, Path: p})
	}
	return changes, true
}

// DiffStat compares two commits (ids or branch names), usually an attempt's
// Base and its Branch, and counts what changed between their trees.
func (r *Repo) DiffStat(base, branch string) (DiffStat, error) {
	for _, rev := range []string{base, branch} {
		if rev == "" || strings.HasPrefix(rev, "-") {
			return DiffStat{}, fmt.Errorf("diff stat: %q is not a revision", rev)
		}
	}
	// The branch's tip is read from its ref file when it can be, so the
	// diff is known to be of that commit.
	to := ""
	switch {
	case isObjectID(branch):
		to = branch
	case !strings.HasPrefix(branch, "refs/"):
		to, _ = r.refs.resolve("refs/heads/" + branch)
	}
	rev := branch
	if to != "" {
		rev = to
	}
	out, err := gitRead(context.Background(), r.root, "diff", "--raw", "--numstat", "-z", "--no-renames", "--no-ext-diff", "--no-textconv", base, rev, "--")
	if err != nil {
		return DiffStat{}, fmt.Errorf("diff stat %s..%s: %w", base, branch, err)
	}
	ds, err := parseRawNumstat(out)
	if err != nil {
		return DiffStat{}, fmt.Errorf("diff stat %s..%s: git diff --raw --numstat: %w", base, branch, err)
	}
	if isObjectID(base) && to != "" {
		ds.From, ds.To = base, to
	} else {
		ds.Status = nil
	}
	return ds, nil
}

// parseRawNumstat reads `git diff --raw --numstat -z --no-renames`: a raw
// record per file (":<old mode> <new mode> <old id> <new id> <status>",
// then the path), then the numstat records parseNumstat reads. Every path
// must have one status, and the two sections the same paths.
func parseRawNumstat(out []byte) (DiffStat, error) {
	recs := splitNUL(out)
	status := map[string]byte{}
	i := 0
	for ; i < len(recs) && strings.HasPrefix(recs[i], ":"); i += 2 {
		fields := strings.Fields(recs[i])
		if len(fields) != 5 || len(fields[4]) != 1 || strings.IndexByte("ADMTUX", fields[4][0]) < 0 {
			return DiffStat{}, fmt.Errorf("malformed raw record %q", recs[i])
		}
		if i+1 >= len(recs) || recs[i+1] == "" {
			return DiffStat{}, fmt.Errorf("raw record %q lacks its path", recs[i])
		}
		if _, dup := status[recs[i+1]]; dup {
			return DiffStat{}, fmt.Errorf("path %q listed twice", recs[i+1])
		}
		status[recs[i+1]] = fields[4][0]
	}
	ds, err := parseNumstatRecords(recs[i:])
	if err != nil {
		return DiffStat{}, err
	}
	if len(ds.Paths) != len(status) {
		return DiffStat{}, fmt.Errorf("%d raw records but %d numstat records", len(status), len(ds.Paths))
	}
	for _, p := range ds.Paths {
		if _, ok := status[p]; !ok {
			return DiffStat{}, fmt.Errorf("path %q has counts but no status", p)
		}
	}
	ds.Status = status
	return ds, nil
}

// parseNumstat reads `git diff --numstat -z --no-renames`: one record
// "added<TAB>removed<TAB>path" per file, "-" for both counts on binary files.
// (With renames a record is "added<TAB>removed<TAB>" followed by two path
// records; that form is accepted too and counts the new path.)
func parseNumstat(out []byte) (DiffStat, error) {
	return parseNumstatRecords(splitNUL(out))
}

// parseNumstatRecords is parseNumstat on the NUL-separated records.
func parseNumstatRecords(recs []string) (DiffStat, error) {
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
