package worktree

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestCreateProvisionsWhatWorktreeincludeNames checks that a new worktree
// gets copies of the untracked files .worktreeinclude names and links to
// the directories it marks "(symlink)", that what it excludes stays out,
// and that none of it is committed as the attempt's work.
func TestCreateProvisionsWhatWorktreeincludeNames(t *testing.T) {
	r := newRepo(t)
	root := r.Root()
	commitFiles(t, root, "include", map[string]string{
		".gitignore":       ".env*\nnode_modules/\nconfig/*.local\nbuild/\n",
		IncludeFile:        "# secrets and dependencies\n.env*\n!.env.example\nnode_modules/ (symlink)\n/config/*.local\n",
		"config/app.toml":  "tracked\n",
		"web/package.json": "{}\n",
	})
	writeFile(t, root, ".env", "SECRET=1\n")
	writeFile(t, root, ".env.example", "SECRET=\n")
	writeFile(t, root, "web/.env.local", "LOCAL=1\n")
	writeFile(t, root, "node_modules/left-pad/index.js", "module.exports = 1\n")
	writeFile(t, root, "web/node_modules/react/index.js", "react\n")
	writeFile(t, root, "config/db.local", "db\n")
	writeFile(t, root, "build/out.bin", "binary\n")

	wt, err := r.Create(context.Background(), "run1", "T1", 1, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{
		".env": "SECRET=1\n", "web/.env.local": "LOCAL=1\n", "config/db.local": "db\n",
		".env.example": "<missing>", "build/out.bin": "<missing>",
	} {
		if got := readFile(t, wt.Path, name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	for _, name := range []string{".env", "config/db.local"} {
		if fi, err := os.Lstat(filepath.Join(wt.Path, name)); err != nil || !fi.Mode().IsRegular() {
			t.Errorf("%s is not a copy: %v", name, err)
		}
	}
	for _, name := range []string{"node_modules", "web/node_modules"} {
		target, err := os.Readlink(filepath.Join(wt.Path, name))
		if err != nil || target != filepath.Join(root, name) {
			t.Errorf("%s links to %q (%v), want %s", name, target, err, filepath.Join(root, name))
		}
	}
	if got := readFile(t, wt.Path, "web/node_modules/react/index.js"); got != "react\n" {
		t.Errorf("through the link: %q", got)
	}
	want := []string{".env", "config/db.local", "node_modules", "web/.env.local", "web/node_modules"}
	got := slices.Clone(wt.Copied)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("Copied = %q, want %q", got, want)
	}
	// An agent's own "git add -A" does not take the links either.
	if out := gitT(t, wt.Path, "add", "--all", "--dry-run"); out != "" {
		t.Errorf("git add -A would add %q", out)
	}
	// None of it is work: committing the worktree commits nothing.
	committed, err := r.CommitAll(wt, "nothing")
	if err != nil || committed {
		t.Errorf("CommitAll committed %v (%v): provisioned files were staged", committed, err)
	}
	if out := gitT(t, wt.Path, "log", "--format=%s", "-1"); out != "include" {
		t.Errorf("last commit %q", out)
	}
}

// TestProvisionLooksOnlyWherePatternsReach checks that a walk does not go
// into untracked directories no pattern can reach inside: an anchored
// pattern list never lists a directory it does not name.
func TestProvisionLooksOnlyWherePatternsReach(t *testing.T) {
	r := newRepo(t)
	root := r.Root()
	writeFile(t, root, "big/a/b/c.txt", "x")
	writeFile(t, root, "keep/x.local", "x")
	inc := mustInclude(t, "/keep/*.local\n")
	if err := os.Chmod(filepath.Join(root, "big"), 0); err != nil {
		t.Fatal(err)
	}
	defer os.Chmod(filepath.Join(root, "big"), 0o755)
	copies, links, err := r.includePaths(context.Background(), inc)
	if err != nil {
		t.Fatalf("walked into a directory no pattern reaches: %v", err)
	}
	if !slices.Equal(copies, []string{"keep/x.local"}) || len(links) != 0 {
		t.Errorf("copies %q links %q", copies, links)
	}
}

func TestABadWorktreeincludeFailsCreateWithTheLine(t *testing.T) {
	r := newRepo(t)
	commitFiles(t, r.Root(), "bad", map[string]string{IncludeFile: ".env\n../outside\n"})
	_, err := r.Create(context.Background(), "run1", "T1", 1, Options{})
	if err == nil || !strings.Contains(err.Error(), IncludeFile+":2:") {
		t.Fatalf("err %v, want the line", err)
	}
	if list, _ := r.List(""); len(list) != 0 {
		t.Errorf("left %v behind", list)
	}
}
