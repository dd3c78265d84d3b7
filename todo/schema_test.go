package todo

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// olderSchema is upstream's older schema variant: the bundled one without
// the description and reference task fields.
func olderSchema(t testing.TB) *jsonschema.Schema {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(SchemaJSON, &doc); err != nil {
		t.Fatal(err)
	}
	props := doc["$defs"].(map[string]any)["task"].(map[string]any)["properties"].(map[string]any)
	delete(props, "description")
	delete(props, "reference")
	data, _ := json.Marshal(doc)
	sch, err := compileSchema("older.schema.json", data, "")
	if err != nil {
		t.Fatal(err)
	}
	return sch
}

func validAgainst(sch *jsonschema.Schema, data []byte) bool {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	return err == nil && sch.Validate(doc) == nil
}

// TestSplitValidation: validating the tasks one by one (as Parse does for
// large files) reports exactly what validating the whole file reports.
func TestSplitValidation(t *testing.T) {
	t.Parallel()
	b := largeBacklog(2000)
	b.Tasks[7].Priority = 0
	b.Tasks[1500].Status = "later"
	b.Tasks[1999].UpdatedAt = "soon"
	b.SchemaVersion = 3
	data, _ := b.Marshal()
	data = bytes.Replace(data, []byte(`"title"`), []byte(`"titel"`), 1)
	doc, dups, ok := decodeTree(data)
	if len(dups) != 0 || !ok {
		t.Fatal(dups, ok)
	}
	whole, split := schemaProblems(taskFileSchema(), doc, nil), taskFileProblems(doc, splitTasks)
	sortProblems(whole)
	sortProblems(split)
	if len(whole) != 6 || fmt.Sprint(whole) != fmt.Sprint(split) {
		t.Fatalf("whole:\n%v\nsplit:\n%v", whole, split)
	}
}

func TestSchemaVariants(t *testing.T) {
	t.Parallel()
	older := olderSchema(t)
	for name, wantOlder := range map[string]bool{"upstream-old-schema.json": true, "upstream-91.json": false, "strategies.json": true} {
		data, err := os.ReadFile(filepath.Join(backlogsDir, name))
		if err != nil {
			t.Fatal(err)
		}
		if got := validAgainst(older, data); got != wantOlder {
			t.Errorf("%s valid against the older schema: %v, want %v", name, got, wantOlder)
		}
		if !validAgainst(taskFileSchema(), data) {
			t.Errorf("%s is not valid against the bundled schema", name)
		}
	}
}

func TestBundledSchemasCompile(t *testing.T) {
	t.Parallel()
	for name, data := range map[string][]byte{"todo": SchemaJSON, "summary": SummarySchemaJSON, "review": ReviewSummarySchemaJSON} {
		if _, err := compileSchema(name, data, ""); err != nil {
			t.Errorf("%s schema: %v", name, err)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, name := range []string{"upstream-old-schema.json", "strategies.json"} {
		data, err := os.ReadFile(filepath.Join(backlogsDir, name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, seed := range []string{
		`{"schema_version":1,"source_files":[],"tasks":[]}`,
		`{"schema_version":1,"source_files":null,"tasks":[{"id":"T1","title":"a","priority":1,"status":"todo","depends_on":["T1"]}]}`,
		`{"schema_version":1,"source_files":[],"tasks":[{"id":"T1","title":"a","priority":1,"status":"todo"},{"id":"T1","title":"b","priority":6,"status":"x"}]}`,
		`{"schema_version":1,"source_files":[],"tasks":[{"id":"T2","title":"a","description":"<&>","priority":2,"status":"doing","updated_at":"2026-01-25T12:56:39.031985113Z","depends_on":["T1"]},{"id":"T1","title":"b","priority":1,"status":"done","created_at":"2026-01-25T12:56:39Z"}]}`,
		`{"schema_version":1,"source_files":[],"tasks":[{"id":"a/b","title":"t","priority":1,"status":"todo","x":1,"id":"c"}]}`,
		`{"schema_version":1,"tasks":[{"id":"T1","title":"t","priority":1.0,"status":"todo"}]}`,
		"{\n  \"schema_version\": 1,\n  \"tasks\": [\n",
		`{"schema_version":1,"source_files":[],"tasks":[{"id":"T\u0000","title":"t","priority":1,"status":"todo"}]}`,
	} {
		f.Add([]byte(seed))
	}
	older := olderSchema(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := Parse("fuzz.json", data)
		if validAgainst(older, data) && !validAgainst(taskFileSchema(), data) {
			t.Fatalf("valid against the older schema but not against the bundled one")
		}
		doc, _, treeOK := decodeTree(data)
		if treeOK != json.Valid(data) {
			t.Fatalf("decodeTree accepts: %v, json.Valid: %v", treeOK, json.Valid(data))
		}
		if treeOK {
			whole, split := schemaProblems(taskFileSchema(), doc, nil), taskFileProblems(doc, 1)
			sortProblems(whole)
			sortProblems(split)
			if fmt.Sprint(whole) != fmt.Sprint(split) {
				t.Fatalf("validating tasks separately changes the problems:\n%v\nvs\n%v", whole, split)
			}
		}
		if err != nil {
			var ve *ValidationError
			if !errors.As(err, &ve) || len(ve.Problems) == 0 {
				t.Fatalf("error %T without problems: %v", err, err)
			}
			for _, p := range ve.Problems {
				if p.Line < 1 || p.Column < 1 || p.Message == "" {
					t.Fatalf("problem without a position or message: %+v", p)
				}
			}
			return
		}
		if err := b.Validate(); err != nil {
			t.Fatalf("Parse accepted a backlog Validate rejects: %v", err)
		}
		out, err := b.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		b2, err := Parse("again.json", out)
		if err != nil {
			t.Fatalf("Marshal wrote a file Parse rejects: %v\n%s", err, out)
		}
		out2, _ := b2.Marshal()
		if !bytes.Equal(out, out2) {
			t.Fatalf("Marshal is not stable:\n%s\nvs\n%s", out, out2)
		}
		b.Select()
		for _, s := range Strategies() {
			r := NewReadySet(b, Strategy(s), nil)
			seen := map[string]bool{}
			for {
				tk, ok := r.Next()
				if !ok {
					break
				}
				if seen[tk.ID] {
					t.Fatalf("%s: %s offered twice", s, tk.ID)
				}
				seen[tk.ID] = true
				r.Complete(tk.ID, StatusDone)
			}
		}
	})
}
