package todo

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseFixtures(t *testing.T) {
	t.Parallel()
	b, _ := loadFixture(t, "upstream-91.json")
	if got := len(b.Tasks); got != 91 {
		t.Fatalf("tasks = %d, want 91", got)
	}
	if b.Project == nil || b.Project.Name != "looper-go" || len(b.SourceFiles) != 10 {
		t.Errorf("project/source_files not decoded: %+v %v", b.Project, b.SourceFiles)
	}
	t52 := b.Task("T052")
	if t52 == nil || strings.Join(t52.DependsOn, ",") != "T039,T051" {
		t.Errorf("T052 depends_on = %v", t52)
	}
	if got := b.Task("T090").UpdatedAt; got != "2026-01-25T13:05:00+01:00" {
		t.Errorf("offset timestamp = %q", got)
	}
	if got := b.Task("T003").Description; !strings.Contains(got, "<angle> brackets & amp") {
		t.Errorf("escaped text not decoded: %q", got)
	}
	old, _ := loadFixture(t, "upstream-old-schema.json")
	if len(old.Tasks) != 12 {
		t.Errorf("old-schema tasks = %d", len(old.Tasks))
	}
	loadFixture(t, "strategies.json")
}

// problemsOf parses data and returns the formatted problems, failing the
// test if Parse succeeds.
func problemsOf(t *testing.T, data string) []string {
	t.Helper()
	b, err := Parse("todo.json", []byte(data))
	if err == nil {
		t.Fatalf("Parse succeeded, want problems; backlog %+v", b)
	}
	if b != nil {
		t.Errorf("Parse returned a backlog with an error")
	}
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("error %T %v is not a *ValidationError", err, err)
	}
	var out []string
	for _, p := range ve.Problems {
		out = append(out, p.Format(ve.File))
	}
	return out
}

func TestParseProblems(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		data string
		want []string // each a substring of the matching problem, in order
	}{{
		name: "malformed JSON names line and column",
		data: "{\n  \"schema_version\": 1,\n  \"tasks\": [\n    {\"id\": \"T1\",}\n  ]\n}\n",
		want: []string{`todo.json:4:17: malformed JSON: invalid character '}' looking for beginning of object key string`},
	}, {
		name: "invalid UTF-8 is refused with its position, not rewritten",
		data: "{\n  \"schema_version\": 1,\n  \"source_files\": [],\n  \"tasks\": [{\"id\": \"T1\", \"title\": \"é bad \xff here\", \"priority\": 3, \"status\": \"todo\"}]\n}\n",
		want: []string{`todo.json:4:42: invalid UTF-8 (byte 0xff)`},
	}, {
		name: "truncated file",
		data: "{\n  \"schema_version\": 1,\n  \"tasks\": [",
		want: []string{`todo.json:3:13: malformed JSON: unexpected end of JSON input`},
	}, {
		name: "empty file",
		data: "",
		want: []string{`todo.json:1:1: malformed JSON: the file is empty`},
	}, {
		name: "trailing data",
		data: `{"schema_version":1,"source_files":[],"tasks":[]}` + "\n{}",
		want: []string{`todo.json:2:1: malformed JSON: unexpected data after the top-level value`},
	}, {
		name: "byte-order mark",
		data: "\xef\xbb\xbf{}",
		want: []string{`todo.json:1:1: the file starts with a UTF-8 byte-order mark`},
	}, {
		name: "not an object",
		data: `[]`,
		want: []string{`todo.json:1:1: wrong type: got array, want object`},
	}, {
		name: "schema errors name the JSON path",
		data: `{
  "schema_version": 2,
  "source_files": [],
  "tasks": [
    {"id": "T1", "title": "a", "priority": 1, "status": "todo"},
    {"id": "T2", "title": "", "priority": 7, "status": "later", "updated_at": "yesterday"},
    {"id": "T3", "priority": "1", "status": "done", "colour": "red"}
  ]
}`,
		want: []string{
			`todo.json:2:3: schema_version: value must be 1`,
			`todo.json:6:18: tasks[1].title: must not be empty`,
			`todo.json:6:31: tasks[1].priority: must be at most 5, got 7`,
			`todo.json:6:46: tasks[1].status: value must be one of 'todo', 'doing', 'blocked', 'done'`,
			`todo.json:6:65: tasks[1].updated_at: 'yesterday' is not valid date-time`,
			`todo.json:7:5: tasks[2].title: missing required field "title"`,
			`todo.json:7:18: tasks[2].priority: wrong type: got string, want integer`,
			`todo.json:7:53: tasks[2].colour: unknown field "colour"; remove it or correct its spelling`,
		},
	}, {
		name: "missing top-level fields and unknown ones",
		data: `{"schema_version": 1, "todo": []}`,
		want: []string{
			`todo.json:1:1: source_files: missing required field "source_files"`,
			`todo.json:1:1: tasks: missing required field "tasks"`,
			`todo.json:1:23: todo: unknown field "todo"`,
		},
	}, {
		name: "duplicate keys",
		data: `{"schema_version": 1, "source_files": [], "tasks": [{"id": "T1", "title": "a", "priority": 1, "status": "todo", "status": "done"}]}`,
		want: []string{`todo.json:1:113: tasks[0].status: duplicate key "status": JSON keeps only the last value`},
	}, {
		name: "semantic problems, all at once",
		data: `{
  "schema_version": 1,
  "source_files": null,
  "tasks": [
    {"id": "T1", "title": "a", "priority": 1, "status": "todo", "depends_on": ["T2"]},
    {"id": "T2", "title": "b", "priority": 1, "status": "todo", "depends_on": ["T1", "T9"]},
    {"id": "T1", "title": "c", "priority": 1, "status": "todo"},
    {"id": "../etc", "title": "d", "priority": 1, "status": "todo"},
    {"id": "-rf", "title": "e", "priority": 1, "status": "todo"}
  ]
}`,
		want: []string{
			`todo.json:5:65: tasks[0].depends_on: dependency cycle T1 -> T2 -> T1; remove one of these dependencies`,
			`todo.json:6:86: tasks[1].depends_on[1]: depends on "T9", which is not a task in this backlog`,
			`todo.json:7:6: tasks[2].id: duplicate id "T1" (also tasks[0]); give each task its own id`,
			`todo.json:8:6: tasks[3].id: id "../etc" contains a path separator`,
			`todo.json:9:6: tasks[4].id: id "-rf" starts with '-' and would read as a command-line flag`,
		},
	}, {
		name: "a missing id is reported once",
		data: `{"schema_version": 1, "source_files": [], "tasks": [{"title": "a", "priority": 1, "status": "todo"}]}`,
		want: []string{`todo.json:1:53: tasks[0].id: missing required field "id"`},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := problemsOf(t, tt.data)
			if len(got) != len(tt.want) {
				t.Fatalf("got %d problems, want %d:\n%s", len(got), len(tt.want), strings.Join(got, "\n"))
			}
			for i := range got {
				if !strings.Contains(got[i], tt.want[i]) {
					t.Errorf("problem %d:\n got %s\nwant %s", i, got[i], tt.want[i])
				}
			}
		})
	}
}

func TestParseUnsafeIDs(t *testing.T) {
	t.Parallel()
	for _, id := range []string{"", ".", "..", "a/b", `a\b`, "a..b", "-x", " T1", "T1 ", "T\x001", "T\t1", "T\u00851",
		strings.Repeat("x", MaxIDLength+1)} {
		data := `{"schema_version":1,"source_files":[],"tasks":[{"id":` + quoteJSON(id) + `,"title":"t","priority":1,"status":"todo"}]}`
		got := problemsOf(t, data)
		if len(got) != 1 || !strings.Contains(got[0], "tasks[0].id: ") {
			t.Errorf("id %q: problems %q, want one about tasks[0].id", id, got)
		}
	}
	for _, id := range []string{"T1", "PROJECT-DONE", "feat.login_2", "ü-1", "T 1", "a.b"} {
		if err := CheckID(id); err != nil {
			t.Errorf("CheckID(%q) = %v, want nil", id, err)
		}
	}
}

func quoteJSON(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20:
			b.WriteString(`\u00`)
			b.WriteByte("0123456789abcdef"[r>>4])
			b.WriteByte("0123456789abcdef"[r&15])
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

func TestParseTimestampsRoundTrip(t *testing.T) {
	t.Parallel()
	stamps := []string{"2026-01-25T12:56:39Z", "2026-01-25T12:56:39.031985113Z", "2026-01-25T12:56:39.5Z",
		"2026-01-25T12:56:39.500Z", "2026-01-25T13:56:39+01:00", "2026-01-25T12:56:39.000000000Z"}
	var tasks []string
	for i, s := range stamps {
		tasks = append(tasks, `{"id":"T`+string(rune('1'+i))+`","title":"t","priority":1,"status":"done","created_at":"`+s+`","updated_at":"`+s+`"}`)
	}
	data := []byte(`{"schema_version":1,"source_files":[],"tasks":[` + strings.Join(tasks, ",") + `]}`)
	b, err := Parse("t.json", data)
	if err != nil {
		t.Fatal(err)
	}
	out, err := b.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range stamps {
		if n := bytes.Count(out, []byte(`"`+s+`"`)); n != 2*strings.Count(strings.Join(stamps, " "), s) {
			t.Errorf("timestamp %s appears %d times in the output", s, n)
		}
	}
	for i, s := range stamps {
		got, err := b.Tasks[i].UpdatedAt.Time()
		if err != nil {
			t.Errorf("%s: %v", s, err)
		}
		if got.IsZero() {
			t.Errorf("%s parsed as zero", s)
		}
	}
}

func TestLoad(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()

	if _, err := Load(filepath.Join(dir, "missing.json")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v, want ErrNotExist", err)
	}
	if _, err := Load(dir); err == nil || !strings.Contains(err.Error(), "is a directory") {
		t.Errorf("directory: %v", err)
	}

	// A sparse file just over the cap is refused without being read.
	big := filepath.Join(dir, "big.json")
	f, err := os.Create(big)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(MaxFileSize + 1); err != nil {
		t.Fatal(err)
	}
	f.Close()
	_, err = Load(big)
	if err == nil || !strings.Contains(err.Error(), "larger than the 50 MiB") {
		t.Errorf("oversized file: %v", err)
	}

	good := filepath.Join(dir, "todo.json")
	if err := os.WriteFile(good, []byte(`{"schema_version":1,"source_files":[],"tasks":[]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	b, err := Load(good)
	if err != nil || b == nil || len(b.Tasks) != 0 {
		t.Fatalf("Load(good) = %v, %v", b, err)
	}

	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte("{\n  \"x\": }"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = Load(bad)
	if err == nil || !strings.HasPrefix(err.Error(), bad+":2:8: malformed JSON") {
		t.Errorf("Load(bad) = %v", err)
	}
}

func TestFind(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if _, err := Find(dir); !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), "looper init") {
		t.Errorf("Find(empty) = %v", err)
	}
	legacy := filepath.Join(dir, "to-do.json")
	os.WriteFile(legacy, nil, 0o644)
	if got, err := Find(dir); err != nil || got != legacy {
		t.Errorf("Find = %q, %v; want %q", got, err, legacy)
	}
	os.Mkdir(filepath.Join(dir, ".looper"), 0o755)
	def := filepath.Join(dir, ".looper", "todo.json")
	os.WriteFile(def, nil, 0o644)
	if got, err := Find(dir); err != nil || got != def {
		t.Errorf("Find = %q, %v; want %q", got, err, def)
	}
}
