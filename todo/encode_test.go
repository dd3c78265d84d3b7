package todo

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// referenceMarshal is what Marshal must produce: encoding/json with the
// options the file format fixes (no HTML escaping, 2-space indent), a nil
// task list written as [].
func referenceMarshal(t testing.TB, b *Backlog) []byte {
	t.Helper()
	out := *b
	if out.Tasks == nil {
		out.Tasks = []Task{}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(&out); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestMarshalMatchesEncodingJSON(t *testing.T) {
	backlogs := []*Backlog{
		{SchemaVersion: 1},
		{SchemaVersion: 1, SourceFiles: []string{}, Tasks: []Task{}},
		{SchemaVersion: 1, Project: &Project{}, SourceFiles: []string{"SPEC.md", "a\"b"}},
		{SchemaVersion: 1, Project: &Project{Name: "x"}},
		{SchemaVersion: 1, Project: &Project{Root: "."}},
		{SchemaVersion: 1, Project: &Project{Name: "<&>", Root: "."}, Tasks: []Task{{
			ID: "T1", Title: "quote \" backslash \\ tab \t nl \n cr \r bs \b ff \f nul \x00 esc \x1b del \x7f",
			Description: "u2028 \u2028 u2029 \u2029 bad \xff\xfe utf8 é 日本 🎉", Reference: "https://x/?a=1&b=<2>",
			Priority: 3, Status: StatusBlocked, Details: "d", Steps: []string{"s1", ""}, Blockers: []string{"b"},
			Tags: []string{"t"}, Files: []string{"f"}, DependsOn: []string{"T0"},
			CreatedAt: "2026-01-01T00:00:00Z", UpdatedAt: "2026-01-01T00:00:00.123456789Z",
		}, {ID: "T2", Title: "", Priority: 0, Status: ""}}},
	}
	for _, name := range []string{"upstream-91.json", "upstream-old-schema.json", "strategies.json"} {
		data, err := os.ReadFile(filepath.Join("..", "testdata", "backlogs", name))
		if err != nil {
			t.Fatal(err)
		}
		b, err := Parse(name, data)
		if err != nil {
			t.Fatal(err)
		}
		backlogs = append(backlogs, b)
	}
	for i, b := range backlogs {
		got, err := b.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		if want := referenceMarshal(t, b); !bytes.Equal(got, want) {
			t.Errorf("backlog %d:\ngot:\n%s\nwant:\n%s", i, got, want)
		}
	}
}

// FuzzMarshal checks that Marshal agrees with encoding/json on any text in
// any field.
func FuzzMarshal(f *testing.F) {
	f.Add("T1", "title", "details \n \"x\" <&>", "step", 3, true)
	f.Add("\x00", "\u2028\xff", "", "", 0, false)
	f.Fuzz(func(t *testing.T, id, title, details, step string, priority int, project bool) {
		b := &Backlog{SchemaVersion: 1, SourceFiles: []string{step}, Tasks: []Task{{
			ID: id, Title: title, Details: details, Priority: priority, Status: Status(step),
			Steps: []string{step, details}, DependsOn: []string{id}, UpdatedAt: Timestamp(title),
		}}}
		if project {
			b.Project = &Project{Name: title, Root: step}
		}
		got, err := b.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		if want := referenceMarshal(t, b); !bytes.Equal(got, want) {
			t.Fatalf("got:\n%q\nwant:\n%q", got, want)
		}
	})
}
