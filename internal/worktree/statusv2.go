package worktree

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// porcelain is what one `git status --porcelain=v2 --branch` says about a
// worktree: its HEAD, its branch and every uncommitted change. One git
// command answers what would otherwise take four or five (rev-parse,
// symbolic-ref, ls-files --unmerged, ls-files --others, status), and git
// commands are what looper's time per task goes to.
type porcelain struct {
	// Head is the checked-out commit, "" when the branch has none yet.
	Head string
	// Branch is the checked-out branch, "" when HEAD is detached, and
	// Unsure is set when git printed a name in parentheses, which is
	// either one of its placeholders or a branch oddly named so: the
	// caller asks git about HEAD instead.
	Branch string
	Unsure bool
	// Entries are the changes in git's order.
	Entries []statusEntry
}

// statusEntry is one changed path.
type statusEntry struct {
	// Kind is '1' (changed), '2' (renamed or copied), 'u' (unmerged), '?'
	// (untracked) or '!' (ignored).
	Kind byte
	// XY is the two-letter code as porcelain v1 writes it ("M ", " D",
	// "UU", "??"): v2's '.' for "unchanged" is v1's ' '.
	XY string
	// Sub is v2's submodule field ("N..." for a path that is not one),
	// "" for untracked and ignored paths.
	Sub string
	// Path is the path relative to the worktree's top; Orig, for kind
	// '2', the path it was renamed or copied from.
	Path, Orig string
}

// statusArgs are the arguments of the one status command: every untracked
// file listed on its own, submodules included, no rename detection (a
// rename is a deletion and an addition, as Dirty reports it), and no
// ahead/behind count against an upstream, which can walk much history.
var statusArgs = []string{"status", "--porcelain=v2", "-z", "--branch", "--no-ahead-behind", "--untracked-files=all", "--ignore-submodules=none", "--no-renames"}

// readStatus runs the status command in dir. It takes no optional locks,
// for dir may be the user's checkout.
func readStatus(ctx context.Context, dir string) (porcelain, error) {
	out, err := gitRead(ctx, dir, statusArgs...)
	return statusResult(dir, out, err)
}

// readOwnStatus runs the status command in one of looper's worktrees,
// letting git write the index it refreshed. After a full checkout, files
// written in the same second as the index are "racily clean": every status
// that may not write the index hashes them again (0.25 s on Go's source
// tree), and so would the `git add` that follows. One written refresh
// settles them for the attempt's later commands.
func readOwnStatus(ctx context.Context, dir string) (porcelain, error) {
	out, err := git(ctx, dir, statusArgs...)
	return statusResult(dir, out, err)
}

// statusResult parses the output of the status command run in dir.
func statusResult(dir string, out []byte, err error) (porcelain, error) {
	if err != nil {
		return porcelain{}, fmt.Errorf("list uncommitted changes in %s: %w", dir, err)
	}
	st, err := parsePorcelain(out)
	if err != nil {
		return porcelain{}, fmt.Errorf("list uncommitted changes in %s: git status: %w", dir, err)
	}
	return st, nil
}

// parsePorcelain reads `git status --porcelain=v2 -z --branch`: header
// records "# branch.oid <id>|(initial)", "# branch.head <name>|(detached)"
// (other headers are skipped), then one record per changed path; a rename
// record is followed by a record holding the original path.
func parsePorcelain(out []byte) (porcelain, error) {
	var st porcelain
	recs := splitNUL(out)
	sawOid, sawHead := false, false
	for i := 0; i < len(recs); i++ {
		rec := recs[i]
		if rest, ok := strings.CutPrefix(rec, "# "); ok {
			key, val, _ := strings.Cut(rest, " ")
			switch key {
			case "branch.oid":
				if val != "(initial)" && !isObjectID(val) {
					return porcelain{}, fmt.Errorf("malformed header %q", rec)
				}
				if val != "(initial)" {
					st.Head = val
				}
				sawOid = true
			case "branch.head":
				if val == "" {
					return porcelain{}, fmt.Errorf("malformed header %q", rec)
				}
				if strings.HasPrefix(val, "(") {
					st.Unsure = val != "(detached)"
				} else {
					st.Branch = val
				}
				sawHead = true
			}
			continue
		}
		e, err := parseStatusEntry(rec)
		if err != nil {
			return porcelain{}, err
		}
		if e.Kind == '2' {
			i++
			if i >= len(recs) || recs[i] == "" {
				return porcelain{}, fmt.Errorf("rename record %q lacks its original path", rec)
			}
			e.Orig = recs[i]
		}
		st.Entries = append(st.Entries, e)
	}
	if !sawOid || !sawHead {
		return porcelain{}, fmt.Errorf("no branch headers in %q", out)
	}
	return st, nil
}

// statusFields is how many space-separated fields precede the path in each
// kind of record.
var statusFields = map[byte]int{'1': 8, '2': 9, 'u': 10, '?': 1, '!': 1}

// parseStatusEntry reads one change record.
func parseStatusEntry(rec string) (statusEntry, error) {
	if len(rec) < 3 || rec[1] != ' ' {
		return statusEntry{}, fmt.Errorf("malformed status record %q", rec)
	}
	n, ok := statusFields[rec[0]]
	if !ok {
		return statusEntry{}, fmt.Errorf("unknown status record %q", rec)
	}
	fields := strings.SplitN(rec, " ", n+1)
	if len(fields) != n+1 || fields[n] == "" {
		return statusEntry{}, fmt.Errorf("malformed status record %q", rec)
	}
	e := statusEntry{Kind: rec[0], Path: fields[n]}
	switch e.Kind {
	case '?':
		e.XY = "??"
		return e, nil
	case '!':
		e.XY = "!!"
		return e, nil
	}
	xy := []byte(fields[1])
	if len(xy) != 2 {
		return statusEntry{}, fmt.Errorf("malformed status record %q", rec)
	}
	for i, c := range xy {
		if c == '.' {
			xy[i] = ' '
		}
		if !statusCode(xy[i]) || xy[i] == '?' || xy[i] == '!' {
			return statusEntry{}, fmt.Errorf("unknown status %q in record %q", fields[1], rec)
		}
	}
	e.XY, e.Sub = string(xy), fields[2]
	if len(e.Sub) != 4 || (e.Sub[0] != 'N' && e.Sub[0] != 'S') {
		return statusEntry{}, fmt.Errorf("malformed submodule field in record %q", rec)
	}
	return e, nil
}

// codes maps each path (and each rename's original path) to its two-letter
// code, as CheckoutState.Status holds them.
func (st porcelain) codes() map[string]string {
	codes := make(map[string]string, len(st.Entries))
	for _, e := range st.Entries {
		codes[e.Path] = e.XY
		if e.Orig != "" {
			codes[e.Orig] = e.XY
		}
	}
	return codes
}

// paths returns every changed path (both sides of a rename), sorted and
// without duplicates, as parseStatus does for porcelain v1.
func (st porcelain) paths() []string {
	var out []string
	for _, e := range st.Entries {
		out = append(out, e.Path)
		if e.Orig != "" {
			out = append(out, e.Orig)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// unmerged lists the paths with unmerged index entries, sorted.
func (st porcelain) unmerged() []string {
	var out []string
	for _, e := range st.Entries {
		if e.Kind == 'u' {
			out = append(out, e.Path)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}
