package todo

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/rogpeppe/go-internal/diff"
)

func TestMarshalFormat(t *testing.T) {
	t.Parallel()
	b := &Backlog{
		SchemaVersion: 1,
		Tasks: []Task{{
			ID: "T1", Title: "Use <b> & </b>", Priority: 1, Status: StatusTodo,
			Tags: []string{}, DependsOn: []string{"T0"}, UpdatedAt: "2026-01-25T12:56:39Z", CreatedAt: "2026-01-25T12:56:39.5Z",
			Reference: "https://example.com/?a=1&b=2", Description: "d",
		}},
	}
	got, err := b.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	want := `{
  "schema_version": 1,
  "source_files": null,
  "tasks": [
    {
      "id": "T1",
      "title": "Use <b> & </b>",
      "description": "d",
      "reference": "https://example.com/?a=1&b=2",
      "priority": 1,
      "status": "todo",
      "depends_on": [
        "T0"
      ],
      "created_at": "2026-01-25T12:56:39.5Z",
      "updated_at": "2026-01-25T12:56:39Z"
    }
  ]
}
`
	if d := diff.Diff("want", []byte(want), "got", got); d != nil {
		t.Errorf("Marshal:\n%s", d)
	}
	empty, _ := (&Backlog{SchemaVersion: 1, SourceFiles: []string{}, Project: &Project{Name: "p"}}).Marshal()
	if want := "{\n  \"schema_version\": 1,\n  \"project\": {\n    \"name\": \"p\"\n  },\n  \"source_files\": [],\n  \"tasks\": []\n}\n"; string(empty) != want {
		t.Errorf("empty backlog:\n%s\nwant\n%s", empty, want)
	}
}

// TestRoundTrip: loading and saving an upstream-written file changes
// nothing but the HTML escapes upstream's encoder adds.
func TestRoundTrip(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"upstream-91.json", "upstream-old-schema.json", "strategies.json"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			b, data := loadFixture(t, name)
			if name == "upstream-91.json" && !bytes.Contains(data, []byte(`\u003c`)) {
				t.Fatal("fixture lost its upstream HTML escapes; the test would prove nothing")
			}
			got, err := b.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			want := upstreamUnescape(data)
			if d := diff.Diff(name, want, "saved", got); d != nil {
				t.Errorf("round trip changed more than the HTML escapes:\n%s", d)
			}
			// A file with fields upstream leaves out when empty, and other
			// whitespace, comes back in the canonical layout.
			again, err := Parse("again", bytes.ReplaceAll(got, []byte("\n"), []byte("\r\n")))
			if err != nil {
				t.Fatal(err)
			}
			got2, _ := again.Marshal()
			if !bytes.Equal(got, got2) {
				t.Error("Marshal(Parse(Marshal(b))) differs from Marshal(b)")
			}
		})
	}
}

func TestSave(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "todo.json")
	b, _ := loadFixture(t, "strategies.json")

	if err := Save(path, b); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o644 {
		t.Errorf("new file mode %v, want 0644", fi.Mode().Perm())
	}

	// An existing file keeps its mode.
	if err := os.Chmod(path, 0o600); err != nil {
		t.Fatal(err)
	}
	b.Tasks[0].Title = "changed"
	if err := Save(path, b); err != nil {
		t.Fatal(err)
	}
	fi, _ = os.Stat(path)
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode after save %v, want 0600 kept", fi.Mode().Perm())
	}
	reloaded, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if reloaded.Tasks[0].Title != "changed" {
		t.Errorf("saved title = %q", reloaded.Tasks[0].Title)
	}

	// A symbolic link is followed: the target is replaced, the link stays.
	link := filepath.Join(dir, "link.json")
	if err := os.Symlink("todo.json", link); err != nil {
		t.Fatal(err)
	}
	b.Tasks[0].Title = "through the link"
	if err := Save(link, b); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("link replaced by a file: %v %v", fi, err)
	}
	if reloaded, _ := Load(path); reloaded.Tasks[0].Title != "through the link" {
		t.Errorf("target not updated through the link")
	}

	// No temporary files are left behind.
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("directory holds %v, want only todo.json and link.json", names)
	}
}

// TestRemoveTemporaries leaves the temporary files of two interrupted saves
// next to a backlog (one of them named with glob characters) and checks
// that RemoveTemporaries deletes exactly those, also through a symbolic
// link to the backlog.
func TestRemoveTemporaries(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "todo[1].json")
	keep := []string{"todo[1].json", "todo[1].json.lock", ".todo[1].json.orig", ".other.json.tmp-1", "todo[1].json.tmp-2"}
	stale := []string{".todo[1].json.tmp-123", ".todo[1].json.tmp-456"}
	for _, name := range append(slices.Clone(keep), stale...) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	link := filepath.Join(t.TempDir(), "alias.json")
	if err := os.Symlink(path, link); err != nil {
		t.Fatal(err)
	}
	removed, err := RemoveTemporaries(link)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range removed {
		got = append(got, filepath.Base(r))
	}
	if !slices.Equal(got, stale) {
		t.Errorf("removed %q, want %q", got, stale)
	}
	for _, name := range keep {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Errorf("%s was removed: %v", name, err)
		}
	}
}
