package worktree

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// gitCheckedOut is what git says checkedOut should return: the branch, HEAD
// and the commit of rev, ok false when git cannot say (detached, unborn).
func gitCheckedOut(t *testing.T, r *Repo, rev string) (branch, head, commit string, ok bool) {
	t.Helper()
	ctx := context.Background()
	out, err := gitRead(ctx, r.Root(), "symbolic-ref", "--quiet", "--short", "HEAD")
	if err != nil {
		return "", "", "", false
	}
	branch = firstLine(out)
	if out, err = gitRead(ctx, r.Root(), "rev-parse", "--verify", "--quiet", "HEAD^{commit}"); err != nil {
		return "", "", "", false
	}
	head = firstLine(out)
	if out, err = gitRead(ctx, r.Root(), "rev-parse", "--verify", "--quiet", rev+"^{commit}"); err != nil {
		return "", "", "", false
	}
	return branch, head, firstLine(out), true
}

// TestRefFilesAgreeWithGit puts the refs in each layout git writes (and a
// few it does not) and checks that reading them without git either agrees
// with git or declines, and that checkedOut, which falls back to git, is
// right every time.
func TestRefFilesAgreeWithGit(t *testing.T) {
	t.Parallel()
	r := newRepo(t)
	root := r.Root()
	gitDir := filepath.Join(root, ".git")
	wt := create(t, r, "refs", "T", 1)
	commitFiles(t, wt.Path, "work", map[string]string{"w.txt": "w\n"})
	const branchRef = "refs/heads/looper/refs/T/1"
	write := func(rel, content string) {
		t.Helper()
		p := filepath.Join(gitDir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	steps := []struct {
		name     string
		do       func()
		declines bool // the files are not read; git is asked
	}{
		{"loose", func() {}, false},
		{"packed", func() { gitT(t, root, "pack-refs", "--all", "--prune") }, false},
		{"packed, then a loose ref newer than the packed one", func() {
			commitFiles(t, root, "after packing", map[string]string{"p.txt": "p\n"})
		}, false},
		{"packed with a peeled tag", func() {
			gitT(t, root, "tag", "-a", "-m", "annotated", "v1")
			gitT(t, root, "pack-refs", "--all", "--prune")
		}, false},
		{"a symbolic branch", func() {
			gitT(t, root, "symbolic-ref", "refs/heads/alias", "refs/heads/main")
			gitT(t, root, "symbolic-ref", "HEAD", "refs/heads/alias")
		}, true},
		{"back on main", func() { gitT(t, root, "symbolic-ref", "HEAD", "refs/heads/main") }, false},
		{"a loose ref without its newline", func() {
			write("refs/heads/main", gitT(t, root, "rev-parse", "HEAD"))
		}, true},
		{"a loose ref that is not an object id", func() {
			head := gitT(t, root, "rev-parse", "HEAD")
			write("refs/heads/main", head[:20]+"\n")
		}, true},
		{"detached", func() {
			write("refs/heads/main", gitT(t, root, "rev-parse", "v1^{commit}")+"\n")
			gitT(t, root, "checkout", "-q", "--detach")
		}, true},
		{"unborn branch", func() { gitT(t, root, "symbolic-ref", "HEAD", "refs/heads/nothing-yet") }, true},
		{"main again", func() { gitT(t, root, "symbolic-ref", "HEAD", "refs/heads/main") }, false},
		{"packed-refs not in git's form", func() {
			gitT(t, root, "pack-refs", "--all", "--prune")
			data, err := os.ReadFile(filepath.Join(gitDir, "packed-refs"))
			if err != nil {
				t.Fatal(err)
			}
			write("packed-refs", strings.ReplaceAll(string(data), " refs/", "\trefs/"))
		}, true},
	}
	for _, s := range steps {
		s.do()
		wantBranch, wantHead, wantTip, gitOK := gitCheckedOut(t, r, branchRef)
		branch, head, tips, ok := r.checkedOutFiles([]string{branchRef})
		switch {
		case ok && s.declines:
			t.Errorf("%s: read the files (%s %s %v), want git asked", s.name, branch, head, tips)
		case !ok && !s.declines:
			t.Errorf("%s: declined to read the files", s.name)
		case ok && (branch != wantBranch || head != wantHead || tips[0] != wantTip):
			t.Errorf("%s: files say %s %s %s, git says %s %s %s", s.name, branch, head, tips[0], wantBranch, wantHead, wantTip)
		}
		gb, gh, gtips, err := r.checkedOut(context.Background(), branchRef)
		switch {
		case gitOK && err != nil:
			t.Errorf("%s: checkedOut: %v", s.name, err)
		case gitOK && (gb != wantBranch || gh != wantHead || gtips[0] != wantTip):
			t.Errorf("%s: checkedOut says %s %s %s, git says %s %s %s", s.name, gb, gh, gtips[0], wantBranch, wantHead, wantTip)
		case !gitOK && err == nil:
			t.Errorf("%s: checkedOut = %s %s %v, want the error git gives", s.name, gb, gh, gtips)
		}
	}
}

// TestRefFilesDeclineAReftable: a repository whose refs live in a reftable
// is never read from files, whatever they hold.
func TestRefFilesDeclineAReftable(t *testing.T) {
	t.Parallel()
	r := newRepo(t)
	if _, _, ok := newRefFiles(filepath.Join(r.Root(), ".git")).head(filepath.Join(r.Root(), ".git", "HEAD")); !ok {
		t.Fatal("a plain repository is not read")
	}
	if err := os.Mkdir(filepath.Join(r.Root(), ".git", "reftable"), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, _, ok := newRefFiles(filepath.Join(r.Root(), ".git")).head(filepath.Join(r.Root(), ".git", "HEAD")); ok {
		t.Error("read the files of a repository with a reftable")
	}
	if _, _, ok := (refFiles{}).head(filepath.Join(r.Root(), ".git", "HEAD")); ok {
		t.Error("the zero refFiles read something")
	}
}

func TestFindPackedRef(t *testing.T) {
	t.Parallel()
	a, b := strings.Repeat("a", 40), strings.Repeat("b", 40)
	data := "# pack-refs with: peeled fully-peeled sorted \n" + a + " refs/heads/main\n" + b + " refs/tags/v1\n^" + a + "\n"
	for _, c := range []struct {
		data, ref, want string
		found, ok       bool
	}{
		{data, "refs/heads/main", a, true, true},
		{data, "refs/tags/v1", b, true, true},
		{data, "refs/heads/other", "", false, true},
		{"", "refs/heads/main", "", false, true},
		{a + " refs/heads/main", "refs/heads/main", "", false, false},                           // no final newline
		{"^" + a + "\n" + a + " refs/heads/main\n", "refs/heads/main", "", false, false},        // peeled line first
		{a + " refs/heads/main\n^" + a + "\n^" + a + "\n", "refs/heads/main", "", false, false}, // two peeled lines
		{"# pack-refs with: peeled\n^" + a + "\n", "refs/heads/main", "", false, false},         // peeled after the header
		{a + "  refs/heads/main\n", "refs/heads/main", "", false, false},                        // two spaces
		{a[:39] + " refs/heads/main\n", "refs/heads/main", "", false, false},                    // short id
	} {
		oid, found, ok := findPackedRef([]byte(c.data), c.ref)
		if ok != c.ok || found != c.found || oid != c.want {
			t.Errorf("findPackedRef(%q, %s) = %q, %v, %v; want %q, %v, %v", c.data, c.ref, oid, found, ok, c.want, c.found, c.ok)
		}
	}
}

// FuzzFindPackedRef: whatever the file holds, a ref found is listed in it
// with a well-formed id, and a line git writes is always found.
func FuzzFindPackedRef(f *testing.F) {
	a := strings.Repeat("a", 40)
	f.Add([]byte("# pack-refs with: peeled fully-peeled sorted \n"+a+" refs/heads/main\n^"+a+"\n"), "refs/heads/main")
	f.Add([]byte(a+" refs/heads/x\n"), "refs/heads/x")
	f.Add([]byte(""), "refs/heads/main")
	f.Fuzz(func(t *testing.T, data []byte, ref string) {
		oid, found, ok := findPackedRef(data, ref)
		if !ok {
			return
		}
		if found && (!isObjectID(oid) || !strings.Contains("\n"+string(data), "\n"+oid+" "+ref+"\n")) {
			t.Fatalf("found %q for %q in %q", oid, ref, data)
		}
		if !plainRefName(ref) || strings.ContainsAny(ref, " \n") {
			return
		}
		more := append(append([]byte{}, data...), []byte(a+" "+ref+"\n")...)
		if oid2, found2, ok2 := findPackedRef(more, ref); !ok2 || !found2 || (found && oid2 != oid) || (!found && oid2 != a) {
			t.Fatalf("after adding a line for %s: %q, %v, %v", ref, oid2, found2, ok2)
		}
	})
}

// FuzzRefFile: the loose and symbolic ref parsers accept exactly what git
// writes: an id and a newline, "ref: " a plain ref name and a newline.
func FuzzRefFile(f *testing.F) {
	f.Add([]byte("ref: refs/heads/main\n"))
	f.Add([]byte(strings.Repeat("0", 40) + "\n"))
	f.Add([]byte("ref: refs/heads/../x\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if oid, ok := parseLooseRef(data); ok && (string(data) != oid+"\n" || !isObjectID(oid)) {
			t.Fatalf("parseLooseRef(%q) = %q", data, oid)
		}
		name, ok := parseSymref(data)
		if !ok {
			return
		}
		if string(data) != "ref: "+name+"\n" || !plainRefName(name) {
			t.Fatalf("parseSymref(%q) = %q", data, name)
		}
		for comp := range strings.SplitSeq(name, "/") {
			if comp == "" || comp == "." || comp == ".." || strings.ContainsAny(comp, "\\\x00") {
				t.Fatalf("parseSymref(%q) = %q: component %q could leave the ref directory", data, name, comp)
			}
		}
	})
}
