package main

//go:generate go test -run ^TestHelp$ -update

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/alecthomas/kong"

	"github.com/looper-go/looper/internal/golden"
)

// helpPaths returns the command path of every visible command (leaves and
// the commands above them) plus the root's empty path.
func helpPaths(t *testing.T) [][]string {
	t.Helper()
	var root cli
	parser, err := newParser(&root, io.Discard, io.Discard, kong.Exit(func(int) {}))
	if err != nil {
		t.Fatal(err)
	}
	paths := [][]string{nil}
	seen := map[string]bool{}
	for _, leaf := range parser.Model.Leaves(true) {
		var p []string
		for n := leaf; n != nil && n.Type == kong.CommandNode; n = n.Parent {
			p = append([]string{n.Name}, p...)
		}
		for i := 1; i <= len(p); i++ {
			if k := strings.Join(p[:i], " "); !seen[k] {
				seen[k] = true
				paths = append(paths, slices.Clone(p[:i]))
			}
		}
	}
	return paths
}

// TestHelp pins the --help output of every command in testdata/help/ (the
// root's is looper.txt). Regenerate with: go test ./cmd/looper -run TestHelp -update
func TestHelp(t *testing.T) {
	want := map[string]bool{}
	for _, p := range helpPaths(t) {
		name := "looper"
		if len(p) > 0 {
			name = strings.Join(p, "-")
		}
		want[name+".txt"] = true
		t.Run(name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			if code := run(context.Background(), append(slices.Clone(p), "--help"), &out, &errOut); code != exitOK {
				t.Fatalf("looper %s --help: exit %d\n%s", strings.Join(p, " "), code, errOut.String())
			}
			golden.Check(t, "help/"+name+".txt", out.Bytes())
		})
	}
	// A golden file whose command is gone is stale.
	entries, err := os.ReadDir(filepath.Join("testdata", "help"))
	if err != nil && !golden.Updating() {
		t.Fatal(err)
	}
	for _, e := range entries {
		if want[e.Name()] {
			continue
		}
		if golden.Updating() {
			if err := os.Remove(filepath.Join("testdata", "help", e.Name())); err != nil {
				t.Fatal(err)
			}
			continue
		}
		t.Errorf("testdata/help/%s has no command; remove it with -update", e.Name())
	}
}
