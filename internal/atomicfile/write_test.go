package atomicfile

import (
	"os"
	"path/filepath"
	"testing"
)

func TestWrite(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "f.json")

	// A new file gets perm.
	if err := Write(path, []byte("one"), 0o600); err != nil {
		t.Fatal(err)
	}
	checkFile(t, path, "one", 0o600)

	// An existing file keeps its mode.
	if err := os.Chmod(path, 0o640); err != nil {
		t.Fatal(err)
	}
	if err := Write(path, []byte("two"), 0o600); err != nil {
		t.Fatal(err)
	}
	checkFile(t, path, "two", 0o640)

	// A symbolic link survives; its target is replaced.
	link := filepath.Join(dir, "link.json")
	if err := os.Symlink(path, link); err != nil {
		t.Fatal(err)
	}
	if err := Write(link, []byte("three"), 0o644); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("link replaced by a file: %v %v", fi, err)
	}
	checkFile(t, path, "three", 0o640)

	// No temporary file is left.
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Errorf("directory holds %d entries, want f.json and link.json", len(entries))
	}
}

func checkFile(t *testing.T, path, want string, mode os.FileMode) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(data) != want || fi.Mode().Perm() != mode {
		t.Errorf("%s holds %q with mode %v, want %q with %v", path, data, fi.Mode().Perm(), want, mode)
	}
}

func TestWriteFailures(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := Write(filepath.Join(dir, "no", "such", "dir.json"), []byte("x"), 0o644); err == nil {
		t.Error("write into a missing directory succeeded")
	}
	if err := Write(dir, []byte("x"), 0o644); err == nil {
		t.Error("replacing a directory succeeded")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 0 {
		t.Errorf("failed writes left %d files behind", len(entries))
	}
}
