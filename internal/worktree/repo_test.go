package worktree

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestOpen(t *testing.T) {
	t.Parallel()
	r := newRepo(t)
	root := r.Root()

	t.Run("subdirectory", func(t *testing.T) {
		sub := filepath.Join(root, "a", "b")
		if err := os.MkdirAll(sub, 0o755); err != nil {
			t.Fatal(err)
		}
		got, err := Open(sub)
		if err != nil {
			t.Fatal(err)
		}
		if got.Root() != root {
			t.Errorf("Root() = %q, want %q", got.Root(), root)
		}
	})

	t.Run("from inside a linked worktree", func(t *testing.T) {
		wt := create(t, r, "open", "t", 1)
		got, err := Open(filepath.Join(wt.Path, ".looper"))
		if err != nil {
			t.Fatal(err)
		}
		if got.Root() != root {
			t.Errorf("Root() from a worktree = %q, want the main worktree %q", got.Root(), root)
		}
	})

	t.Run("branch and head", func(t *testing.T) {
		b, err := r.Branch()
		if err != nil || b != "main" {
			t.Errorf("Branch() = %q, %v; want main", b, err)
		}
		h, err := r.Head()
		if err != nil {
			t.Fatal(err)
		}
		if want := gitT(t, root, "rev-parse", "main"); h != want {
			t.Errorf("Head() = %q, want %q", h, want)
		}
	})
}

func TestOpenNotRepo(t *testing.T) {
	t.Parallel()
	_, err := Open(t.TempDir())
	if !errors.Is(err, ErrNotRepo) {
		t.Fatalf("Open outside git: err = %v, want ErrNotRepo", err)
	}
	if !strings.Contains(err.Error(), "git init") {
		t.Errorf("error %q does not say how to fix it", err)
	}
	if _, err := Open(filepath.Join(t.TempDir(), "nope")); err == nil || errors.Is(err, ErrNotRepo) {
		t.Errorf("Open of a missing directory: err = %v, want a plain error", err)
	}
}

func TestOpenBare(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	gitT(t, dir, "init", "--quiet", "--bare", "-b", "main")
	_, err := Open(dir)
	if err == nil || !strings.Contains(err.Error(), "bare") {
		t.Fatalf("Open of a bare repository: err = %v, want one naming it bare", err)
	}
}

func TestDetachedAndEmpty(t *testing.T) {
	t.Parallel()
	r := newRepo(t)
	gitT(t, r.Root(), "switch", "--quiet", "--detach", "HEAD")
	_, err := r.Branch()
	if err == nil || !strings.Contains(err.Error(), "detached") || !strings.Contains(err.Error(), "git -C") {
		t.Errorf("Branch on a detached HEAD: err = %v, want one saying detached and how to fix it", err)
	}
	if _, err := r.Create(t.Context(), "r", "t", 1, Options{}); err == nil || !strings.Contains(err.Error(), "detached") {
		t.Errorf("Create on a detached HEAD: err = %v", err)
	}
	if _, err := r.Merge(t.Context(), "main", ""); err == nil || !strings.Contains(err.Error(), "detached") {
		t.Errorf("Merge on a detached HEAD: err = %v", err)
	}

	dir := t.TempDir()
	gitT(t, dir, "init", "--quiet", "-b", "main")
	empty, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := empty.Head(); err == nil || !strings.Contains(err.Error(), "no commits") {
		t.Errorf("Head of an empty repository: err = %v, want one saying there are no commits", err)
	}
	if _, err := empty.Create(t.Context(), "r", "t", 1, Options{}); err == nil || !strings.Contains(err.Error(), "no commits") {
		t.Errorf("Create in an empty repository: err = %v", err)
	}
}

func TestDirty(t *testing.T) {
	t.Parallel()
	r := newRepo(t)
	root := r.Root()
	if d := mustDirty(t, r); len(d) != 0 {
		t.Fatalf("fresh repository is dirty: %v", d)
	}
	commitFiles(t, root, "more", map[string]string{"old name.txt": "x\n", "staged.txt": "s\n"})
	writeFile(t, root, "README.md", "changed\n")                 // modified
	writeFile(t, root, "staged.txt", "staged change\n")          // staged
	gitT(t, root, "add", "staged.txt")                           //
	writeFile(t, root, "new dir/untracked file.txt", "u\n")      // untracked, in a new directory
	writeFile(t, root, "debug.log", "ignored\n")                 // ignored by .gitignore
	writeFile(t, root, "build/out.bin", "ignored\n")             // ignored directory
	writeFile(t, root, ".looper/todo.json", "{\"tasks\":[1]}\n") // the backlog
	writeFile(t, root, "tab\tand\nnewline.txt", "odd\n")         // a name that needs -z
	gitT(t, root, "mv", "old name.txt", "new name.txt")          // staged rename
	if err := os.Remove(filepath.Join(root, "main.go")); err != nil {
		t.Fatal(err)
	}
	wt := create(t, r, "dirty", "t", 1) // must not show up
	writeFile(t, wt.Path, "inside.txt", "attempt work\n")

	all := []string{".looper/todo.json", "README.md", "main.go", "new dir/untracked file.txt", "new name.txt", "old name.txt", "staged.txt", "tab\tand\nnewline.txt"}
	if diff := cmp.Diff(all, mustDirty(t, r)); diff != "" {
		t.Errorf("Dirty() (-want +got):\n%s", diff)
	}
	want := slices.DeleteFunc(slices.Clone(all), func(p string) bool {
		return p == ".looper/todo.json" || p == "README.md" || strings.HasPrefix(p, "new dir/")
	})
	got := mustDirty(t, r, ".looper", filepath.Join(root, "README.md"), "new dir/")
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Dirty(ignoring .looper, absolute README.md, new dir/) (-want +got):\n%s", diff)
	}
	if got := mustDirty(t, r, "READ"); !slices.Contains(got, "README.md") {
		t.Errorf("ignore entry READ must not hide README.md (prefixes match whole path components)")
	}
	if diff := cmp.Diff(all, mustDirty(t, r, "/elsewhere/file", "../x", filepath.Join(root, "..", "x"))); diff != "" {
		t.Errorf("ignore entries outside the repository changed the result (-want +got):\n%s", diff)
	}
	if _, err := r.Dirty(""); err == nil {
		t.Errorf("Dirty with an empty ignore entry: no error")
	}
	tracked := slices.DeleteFunc(slices.Clone(all), func(p string) bool {
		return strings.HasPrefix(p, "new dir/") || strings.HasPrefix(p, "tab")
	})
	modified, err := r.Modified()
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(tracked, modified); diff != "" {
		t.Errorf("Modified() lists only tracked changes (-want +got):\n%s", diff)
	}
}

func TestParseStatus(t *testing.T) {
	t.Parallel()
	got, err := parseStatus([]byte(" M b\x00R  new\x00old\x00?? a\x00A  c\x00"))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"a", "b", "c", "new", "old"}, got); diff != "" {
		t.Errorf("parseStatus (-want +got):\n%s", diff)
	}
	for _, bad := range []string{"M\x00", "ZZ x\x00", " Mx\x00", "R  new\x00"} {
		if _, err := parseStatus([]byte(bad)); err == nil {
			t.Errorf("parseStatus(%q): no error", bad)
		}
	}
}

func FuzzParseStatus(f *testing.F) {
	f.Add([]byte(" M b\x00R  new\x00old\x00?? a\x00"))
	f.Add([]byte("UU conflict\x00!! ignored\x00"))
	f.Add([]byte(""))
	f.Add([]byte("C  x\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		paths, err := parseStatus(data)
		if err != nil {
			return
		}
		if !slices.IsSorted(paths) {
			t.Errorf("paths not sorted: %q", paths)
		}
		for _, p := range paths {
			if p == "" {
				t.Errorf("empty path from %q", data)
			}
		}
	})
}

func TestParseGitVersion(t *testing.T) {
	t.Parallel()
	for in, want := range map[string][2]int{
		"git version 2.39.5\n":             {2, 39},
		"git version 2.45.1.windows.1":     {2, 45},
		"git version 3.0":                  {3, 0},
		"git version 2.38.0-rc1 (Apple)":   {2, 38},
		"git version 2.50.1 (Apple Git-1)": {2, 50},
	} {
		if got, ok := parseGitVersion(in); !ok || got != want {
			t.Errorf("parseGitVersion(%q) = %v, %v; want %v", in, got, ok, want)
		}
	}
	for _, bad := range []string{"", "git version", "git version x.y", "hg version 2.39", "git version 2", "git version 99999999.1"} {
		if _, ok := parseGitVersion(bad); ok {
			t.Errorf("parseGitVersion(%q) accepted", bad)
		}
	}
}

func FuzzParseGitVersion(f *testing.F) {
	f.Add("git version 2.39.5")
	f.Add("git version 2.45.1.windows.1")
	f.Fuzz(func(t *testing.T, s string) {
		v, ok := parseGitVersion(s)
		if ok && (v[0] < 0 || v[1] < 0 || v[0] > 999999 || v[1] > 999999) {
			t.Errorf("parseGitVersion(%q) = %v", s, v)
		}
	})
}
