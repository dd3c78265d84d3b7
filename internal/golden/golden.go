// Package golden compares test output with files under the calling
// package's testdata directory and rewrites them when the tests run with
// -update, the way go/printer and gofmt keep their golden files.
package golden

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/diff"
)

// update is shared by every package that imports golden, so that
// `go test ./sinks ./cmd/looper -update` rewrites all their files at once.
var update = flag.Bool("update", false, "rewrite golden files under testdata/ instead of comparing")

// Updating reports whether the tests were asked to rewrite golden files, for
// tests that keep expected output in places Check does not manage.
func Updating() bool { return *update }

// Check compares got with testdata/<name> (name may contain slashes) and
// fails t with a unified diff when they differ. With -update it writes got to
// the file instead.
func Check(t testing.TB, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", filepath.FromSlash(name))
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (create it with: go test -run '%s' -update)", err, t.Name())
	}
	if d := diff.Diff(path, want, "got", got); d != nil {
		t.Errorf("output differs from %s (accept with -update):\n%s", path, d)
	}
}
