package worktree

import (
	"context"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParsePorcelain(t *testing.T) {
	t.Parallel()
	h := strings.Repeat("1", 40)
	z := strings.Repeat("0", 40)
	out := "# branch.oid " + h + "\x00# branch.head main\x00# branch.upstream origin/main\x00# branch.ab +0 -0\x00" +
		"1 .M N... 100644 100644 100644 " + h + " " + h + " a file.txt\x00" +
		"1 D. N... 100644 000000 000000 " + h + " " + z + " gone\x00" +
		"2 R. N... 100644 100644 100644 " + h + " " + h + " R100 new\x00old\x00" +
		"u UU N... 100644 100644 100644 100644 " + h + " " + h + " " + h + " both\x00" +
		"1 .M SC.. 160000 160000 160000 " + h + " " + h + " sub\x00" +
		"? new dir/x\x00! build/out\x00"
	st, err := parsePorcelain([]byte(out))
	if err != nil {
		t.Fatal(err)
	}
	if st.Head != h || st.Branch != "main" || st.Unsure {
		t.Errorf("headers: %+v", st)
	}
	want := map[string]string{"a file.txt": " M", "gone": "D ", "new": "R ", "old": "R ", "both": "UU", "sub": " M", "new dir/x": "??", "build/out": "!!"}
	if diff := cmp.Diff(want, st.codes()); diff != "" {
		t.Errorf("codes (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"both"}, st.unmerged()); diff != "" {
		t.Errorf("unmerged (-want +got):\n%s", diff)
	}
	for _, c := range []struct {
		out, branch string
		head        string
		unsure      bool
	}{
		{"# branch.oid (initial)\x00# branch.head main\x00", "main", "", false},
		{"# branch.oid " + h + "\x00# branch.head (detached)\x00", "", h, false},
		{"# branch.oid " + h + "\x00# branch.head (null)\x00", "", h, true},
	} {
		st, err := parsePorcelain([]byte(c.out))
		if err != nil || st.Branch != c.branch || st.Head != c.head || st.Unsure != c.unsure {
			t.Errorf("parsePorcelain(%q) = %+v, %v", c.out, st, err)
		}
	}
	for _, bad := range []string{
		"",                       // no headers
		"# branch.head main\x00", // no oid
		"# branch.oid xyz\x00# branch.head main\x00",
		"# branch.oid " + h + "\x00# branch.head \x00",
		"# branch.oid " + h + "\x00# branch.head main\x00? \x00",
		"# branch.oid " + h + "\x00# branch.head main\x001 .M N... 100644 x\x00",
		"# branch.oid " + h + "\x00# branch.head main\x002 R. N... 1 1 1 " + h + " " + h + " R100 new\x00",
		"# branch.oid " + h + "\x00# branch.head main\x001 .Z N... 100644 100644 100644 " + h + " " + h + " p\x00",
		"# branch.oid " + h + "\x00# branch.head main\x001 .M X... 100644 100644 100644 " + h + " " + h + " p\x00",
		"# branch.oid " + h + "\x00# branch.head main\x00x y\x00",
	} {
		if st, err := parsePorcelain([]byte(bad)); err == nil {
			t.Errorf("parsePorcelain(%q) = %+v, want an error", bad, st)
		}
	}
}

func FuzzParsePorcelain(f *testing.F) {
	h := strings.Repeat("1", 40)
	f.Add([]byte("# branch.oid " + h + "\x00# branch.head main\x00? a\x00"))
	f.Add([]byte("# branch.oid (initial)\x00# branch.head (detached)\x002 R. N... 1 1 1 " + h + " " + h + " R100 new\x00old\x00"))
	f.Add([]byte("# branch.oid " + h + "\x00# branch.head main\x00u UU N... 1 1 1 1 " + h + " " + h + " " + h + " c\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		st, err := parsePorcelain(data)
		if err != nil {
			return
		}
		if st.Head != "" && !isObjectID(st.Head) {
			t.Errorf("head %q", st.Head)
		}
		if strings.HasPrefix(st.Branch, "(") {
			t.Errorf("branch %q is a placeholder", st.Branch)
		}
		for _, e := range st.Entries {
			if e.Path == "" || len(e.XY) != 2 || (e.Kind == '2') != (e.Orig != "") {
				t.Errorf("entry %+v from %q", e, data)
			}
		}
		paths := st.paths()
		if !slices.IsSorted(paths) {
			t.Errorf("paths not sorted: %q", paths)
		}
		if len(st.codes()) != len(paths) {
			t.Errorf("codes %v and paths %q disagree", st.codes(), paths)
		}
	})
}

// TestPorcelainAgreesWithV1 makes every kind of change git status reports
// (and an unmerged path) and checks that the one v2 command says what the
// v1 status, rev-parse, symbolic-ref and ls-files --unmerged say.
func TestPorcelainAgreesWithV1(t *testing.T) {
	t.Parallel()
	r := newRepo(t)
	dir := r.Root()
	commitFiles(t, dir, "more", map[string]string{"del.txt": "d\n", "staged.txt": "s\n", "conflict.txt": "base\n", "sp ace.txt": "x\n"})
	gitT(t, dir, "checkout", "-q", "-b", "other")
	commitFiles(t, dir, "theirs", map[string]string{"conflict.txt": "theirs\n"})
	gitT(t, dir, "checkout", "-q", "main")
	commitFiles(t, dir, "ours", map[string]string{"conflict.txt": "ours\n"})
	if _, err := gitRead(context.Background(), dir, "merge", "other"); err == nil {
		t.Fatal("the merge did not conflict")
	}
	writeFile(t, dir, "README.md", "changed\n")
	writeFile(t, dir, "staged.txt", "changed and staged\n")
	gitT(t, dir, "add", "staged.txt")
	writeFile(t, dir, "staged.txt", "changed again\n")
	if err := os.Remove(filepath.Join(dir, "del.txt")); err != nil {
		t.Fatal(err)
	}
	gitT(t, dir, "mv", "sp ace.txt", "moved.txt")
	writeFile(t, dir, "new/deep/file.txt", "n\n")
	writeFile(t, dir, "x.log", "ignored\n")
	for _, detach := range []bool{false, true} {
		if detach {
			gitT(t, dir, "update-ref", "--no-deref", "HEAD", "HEAD")
		}
		st, err := readStatus(context.Background(), dir)
		if err != nil {
			t.Fatal(err)
		}
		v1, err := gitRead(context.Background(), dir, "status", "--porcelain=v1", "-z", "--untracked-files=all", "--ignore-submodules=none", "--no-renames")
		if err != nil {
			t.Fatal(err)
		}
		paths, err := parseStatus(v1)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(paths, st.paths()); diff != "" {
			t.Errorf("paths (-v1 +v2):\n%s", diff)
		}
		codes := map[string]string{}
		recs := splitNUL(v1)
		for _, rec := range recs {
			codes[rec[3:]] = rec[:2]
		}
		if diff := cmp.Diff(codes, st.codes()); diff != "" {
			t.Errorf("codes (-v1 +v2):\n%s", diff)
		}
		if diff := cmp.Diff([]string{"conflict.txt"}, st.unmerged()); diff != "" {
			t.Errorf("unmerged (-want +got):\n%s", diff)
		}
		if head := gitT(t, dir, "rev-parse", "HEAD"); st.Head != head {
			t.Errorf("head %s, want %s", st.Head, head)
		}
		wantBranch := "main"
		if detach {
			wantBranch = ""
		}
		if st.Branch != wantBranch || st.Unsure {
			t.Errorf("branch %q (unsure %v), want %q", st.Branch, st.Unsure, wantBranch)
		}
		if !slices.Contains(slices.Collect(maps.Keys(st.codes())), "new/deep/file.txt") {
			t.Error("an untracked file in a new directory is not listed on its own")
		}
	}
}
