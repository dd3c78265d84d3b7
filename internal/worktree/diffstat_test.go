package worktree

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseRawNumstat(t *testing.T) {
	t.Parallel()
	out := ":100644 100644 7898192 9ad2ebb M\x00a\x00:100644 000000 6178079 0000000 D\x00b\x00:000000 100644 0000000 f2ad6c7 A\x00c\x00" +
		"1\t0\ta\x000\t1\tb\x00-\t-\tc\x00"
	got, err := parseRawNumstat([]byte(out))
	if err != nil {
		t.Fatal(err)
	}
	want := DiffStat{Files: 3, Added: 1, Removed: 1, Paths: []string{"a", "b", "c"}, Status: map[string]byte{"a": 'M', "b": 'D', "c": 'A'}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("parseRawNumstat (-want +got):\n%s", diff)
	}
	if got, err := parseRawNumstat(nil); err != nil || got.Files != 0 || len(got.Status) != 0 {
		t.Errorf("parseRawNumstat(empty) = %+v, %v", got, err)
	}
	for _, bad := range []string{
		":100644 100644 1 2 M\x00a\x00",            // a status without counts
		"1\t0\ta\x00",                              // counts without a status
		":100644 100644 1 2 M\x00a\x001\t0\tb\x00", // different paths
		":100644 100644 1 2 Q\x00a\x001\t0\ta\x00", // unknown status
		":100644 100644 1 2 M\x00",                 // no path
		":100644 100644 1 2 M\x00a\x00:1 2 3 4 M\x00a\x00" + // a path twice
			"1\t0\ta\x001\t0\ta\x00",
	} {
		if _, err := parseRawNumstat([]byte(bad)); err == nil {
			t.Errorf("parseRawNumstat(%q): no error", bad)
		}
	}
}

func FuzzParseRawNumstat(f *testing.F) {
	f.Add([]byte(":100644 100644 7898192 9ad2ebb M\x00a\x00:000000 100644 0000000 f2ad6c7 A\x00c\x001\t0\ta\x00-\t-\tc\x00"))
	f.Add([]byte("1\t1\t\x00old\x00new\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		ds, err := parseRawNumstat(data)
		if err != nil {
			return
		}
		if ds.Files != len(ds.Paths) || len(ds.Status) != len(ds.Paths) || ds.Added < 0 || ds.Removed < 0 {
			t.Fatalf("parseRawNumstat(%q) = %+v", data, ds)
		}
		if _, ok := ds.writes("a", "b"); ok {
			t.Fatalf("a diff without From and To claims to know a move")
		}
		ds.From, ds.To = "a", "b"
		changes, ok := ds.writes("a", "b")
		if !ok || len(changes) != len(ds.Paths) {
			t.Fatalf("writes = %v, %v for %+v", changes, ok, ds)
		}
	})
}

// TestFastForwardUsesTheAttemptsDiff: landing a branch as a fast-forward
// with the DiffStat measured of exactly base..tip runs no git diff of its
// own, and still refuses to overwrite the user's change to a path the
// branch writes, or the user's file where it adds one.
func TestFastForwardUsesTheAttemptsDiff(t *testing.T) {
	r := newRepo(t)
	ctx := context.Background()
	wt := create(t, r, "ff", "T", 1)
	commitFiles(t, wt.Path, "work", map[string]string{"main.go": "package main\n", "docs/new.txt": "x\n"})
	diff, err := r.DiffStat(wt.Base, wt.Branch)
	if err != nil {
		t.Fatal(err)
	}

	commands := logGit(t)

	l := Landing{Branch: wt.Branch, Message: "land", Base: wt.Base, Diff: diff}
	writeFile(t, r.Root(), "main.go", "package main // the user's edit\n")
	st, err := r.State(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var dirty *DirtyError
	if _, err := r.MergeAfter(ctx, st, l); !errors.As(err, &dirty) || !slices.Equal(dirty.Paths, []string{"main.go"}) {
		t.Fatalf("landing over the user's edit: %v, want a DirtyError naming main.go", err)
	}
	gitT(t, r.Root(), "checkout", "--quiet", "--", "main.go")
	writeFile(t, r.Root(), "docs/new.txt", "the user's own notes\n")
	st, _ = r.State(ctx)
	if _, err := r.MergeAfter(ctx, st, l); !errors.As(err, &dirty) || !slices.Equal(dirty.Paths, []string{"docs/new.txt"}) {
		t.Fatalf("landing over an untracked file: %v, want a DirtyError naming docs/new.txt", err)
	}
	if err := os.Remove(filepath.Join(r.Root(), "docs", "new.txt")); err != nil {
		t.Fatal(err)
	}
	st, _ = r.State(ctx)
	res, err := r.MergeAfter(ctx, st, l)
	if err != nil || !res.FastForward {
		t.Fatalf("landing: %+v, %v; want a fast-forward", res, err)
	}
	if ran := commands(); strings.Contains(ran, "diff") {
		t.Errorf("the landings ran git diff although the attempt's diff covered them:\n%s", ran)
	}
}
