package todo

import (
	"testing"
)

// checkFastAgainstSchema fails when the fast check accepts a document the
// compiled schema rejects, the one mistake it must never make, and returns
// whether the fast check accepted it.
func checkFastAgainstSchema(t *testing.T, data []byte) bool {
	t.Helper()
	doc, dups, ok := decodeTree(data)
	if !ok || len(dups) > 0 {
		return false
	}
	fast := plainlyValidFile(doc)
	if ps := schemaProblems(taskFileSchema(), doc, nil); fast && len(ps) > 0 {
		t.Fatalf("the fast check accepted %s, which the schema rejects: %v", data, ps)
	}
	if root, ok := doc.(map[string]any); ok {
		if tasks, ok := root["tasks"].([]any); ok {
			for i, task := range tasks {
				if plainlyValidTask(task) {
					if ps := schemaProblems(taskSchema(), task, nil); len(ps) > 0 {
						t.Fatalf("the fast check accepted task %d of %s, which the schema rejects: %v", i, data, ps)
					}
				}
			}
		}
	}
	return fast
}

func TestFastSchemaCheck(t *testing.T) {
	t.Parallel()
	const head = `{"schema_version":1,"source_files":[],"tasks":[`
	for _, c := range []struct {
		task string
		fast bool // whether the fast check should accept it
	}{
		{`{"id":"T1","title":"x","priority":1,"status":"todo"}`, true},
		{`{"id":"T1","title":"x","priority":5,"status":"done","created_at":"2025-01-02T03:04:05Z","updated_at":"2025-01-02T03:04:05.123+02:00","tags":["a"],"depends_on":[]}`, true},
		{`{"id":"T1","title":"","priority":1,"status":"todo"}`, false},
		{`{"id":"T1","title":"x","priority":0,"status":"todo"}`, false},
		{`{"id":"T1","title":"x","priority":6,"status":"todo"}`, false},
		{`{"id":"T1","title":"x","priority":1.0,"status":"todo"}`, false}, // valid, left to the validator
		{`{"id":"T1","title":"x","priority":1,"status":"later"}`, false},
		{`{"id":"T1","title":"x","priority":1,"status":"todo","extra":1}`, false},
		{`{"id":"T1","title":"x","priority":1}`, false},
		{`{"id":"T1","title":"x","priority":1,"status":"todo","tags":[1]}`, false},
		{`{"id":"T1","title":"x","priority":1,"status":"todo","created_at":"2025-02-30T03:04:05Z"}`, false},
		{`{"id":"T1","title":"x","priority":1,"status":"todo","created_at":"2025-01-02 03:04:05Z"}`, false},
		{`{"id":"T1","title":"x","priority":1,"status":"todo","created_at":"2025-01-02T03:04:05+24:00"}`, false},
		{`{"id":"T1","title":"x","priority":1,"status":"todo","created_at":"2025-01-02T03:04:05."}`, false},
	} {
		data := []byte(head + c.task + `]}`)
		if got := checkFastAgainstSchema(t, data); got != c.fast {
			t.Errorf("fast check of %s: %v, want %v", c.task, got, c.fast)
		}
	}
	for _, file := range []string{
		`{"schema_version":1,"source_files":null,"tasks":[]}`,
		`{"schema_version":1,"project":{"name":"p","root":"."},"source_files":["a"],"tasks":[]}`,
	} {
		if !checkFastAgainstSchema(t, []byte(file)) {
			t.Errorf("fast check refused %s", file)
		}
	}
	for _, file := range []string{
		`{"schema_version":2,"source_files":[],"tasks":[]}`,
		`{"schema_version":1,"tasks":[]}`,
		`{"schema_version":1,"source_files":[],"tasks":{}}`,
		`{"schema_version":1,"project":{"name":1},"source_files":[],"tasks":[]}`,
		`{"schema_version":1,"source_files":[],"tasks":[],"x":0}`,
	} {
		if checkFastAgainstSchema(t, []byte(file)) {
			t.Errorf("fast check accepted %s", file)
		}
	}
}

// FuzzFastSchemaCheck: whatever the fast check accepts, the compiled
// schema accepts.
func FuzzFastSchemaCheck(f *testing.F) {
	f.Add([]byte(`{"schema_version":1,"source_files":[],"tasks":[{"id":"T1","title":"x","priority":1,"status":"todo","created_at":"2025-01-02T03:04:05Z"}]}`))
	f.Add([]byte(`{"schema_version":1,"project":{"name":"p"},"source_files":null,"tasks":[{"id":"T1","title":"é","priority":3,"status":"blocked","blockers":["b"],"updated_at":"2025-12-31T23:59:59.5-07:00"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkFastAgainstSchema(t, data)
	})
}
