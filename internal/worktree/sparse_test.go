package worktree

import (
	"path/filepath"
	"testing"
)

func TestSparseWorktreeHasOnlyItsDirectoriesAndItsWorkLands(t *testing.T) {
	r := newRepo(t)
	commitFiles(t, r.Root(), "monorepo", map[string]string{
		"services/api/api.go": "package api\n",
		"services/web/web.go": "package web\n",
		"libs/util/util.go":   "package util\n",
	})
	r.UsePool(1)
	opt := Options{Sparse: []string{"services/api/", "./libs/util"}}
	wt, err := r.Create(t.Context(), "run", "T1", 1, opt)
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]bool{"services/api/api.go": true, "libs/util/util.go": true, "README.md": true, "services/web/web.go": false} {
		if got := exists(filepath.Join(wt.Path, filepath.FromSlash(name))); got != want {
			t.Errorf("%s present = %v, want %v", name, got, want)
		}
	}
	writeFile(t, wt.Path, "services/api/new.go", "package api\n")
	if ok, err := r.CommitAll(wt, "work"); !ok || err != nil {
		t.Fatalf("CommitAll = %v, %v", ok, err)
	}
	if n, err := r.Commits(wt); n != 1 || err != nil {
		t.Fatalf("Commits = %d, %v", n, err)
	}
	mustMerge(t, r, wt.Branch, "merge")
	for _, f := range []string{"services/api/new.go", "services/web/web.go", "main.go"} {
		if readFile(t, r.Root(), f) == "<missing>" {
			t.Errorf("%s missing from the main tree after the merge", f)
		}
	}
	if err := r.Remove(wt, true); err != nil {
		t.Fatal(err)
	}
	again, err := r.Create(t.Context(), "run", "T2", 1, opt)
	if err != nil {
		t.Fatal(err)
	}
	if exists(filepath.Join(again.Path, "services", "web", "web.go")) || !exists(filepath.Join(again.Path, "services", "api", "new.go")) {
		t.Error("a reused worktree lost its sparse patterns or the merged work")
	}
	if _, err := r.ClosePool(); err != nil {
		t.Fatal(err)
	}
}

func TestSparseDirectoriesOutsideTheRepositoryAreRefused(t *testing.T) {
	r := newRepo(t)
	for _, d := range []string{"../x", "/etc", ".", "", "--cone"} {
		if wt, err := r.Create(t.Context(), "run", "T", 1, Options{Sparse: []string{d}}); err == nil {
			t.Errorf("Sparse %q accepted: %s", d, wt.Path)
		}
	}
	if left, _ := r.List(""); len(left) != 0 {
		t.Errorf("refused creates left worktrees: %v", left)
	}
}
