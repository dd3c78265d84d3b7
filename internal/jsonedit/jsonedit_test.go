package jsonedit

import (
	"encoding/json"
	"reflect"
	"testing"
	"unicode/utf8"
)

func TestSetReplacesOnlyTheValue(t *testing.T) {
	in := `{
    "tasks": [
        {"id": 1, "status":   "pending"},
        {"id": 2, "status": "pending", "x": [1,2]}
    ]
}
`
	out, err := Set([]byte(in), []string{"tasks", "1", "status"}, []byte(`"done"`))
	if err != nil {
		t.Fatal(err)
	}
	want := `{
    "tasks": [
        {"id": 1, "status":   "pending"},
        {"id": 2, "status": "done", "x": [1,2]}
    ]
}
`
	if string(out) != want {
		t.Fatalf("got\n%s\nwant\n%s", out, want)
	}
}

func TestSetAddsAMemberIndentedLikeItsSiblings(t *testing.T) {
	in := "{\n  \"a\": {\n    \"id\": 1,\n    \"title\": \"x\"\n  }\n}\n"
	out, err := Set([]byte(in), []string{"a", "details"}, []byte(`"note"`))
	if err != nil {
		t.Fatal(err)
	}
	want := "{\n  \"a\": {\n    \"id\": 1,\n    \"title\": \"x\",\n    \"details\": \"note\"\n  }\n}\n"
	if string(out) != want {
		t.Fatalf("got\n%q\nwant\n%q", out, want)
	}
	compact := `{"id":"bd-1","status":"open"}`
	out, err = Set([]byte(compact), []string{"notes"}, []byte(`"n"`))
	if err != nil || string(out) != `{"id":"bd-1","status":"open","notes":"n"}` {
		t.Fatalf("compact: %s, %v", out, err)
	}
	out, err = Set([]byte(`{}`), []string{"k"}, []byte(`1`))
	if err != nil || string(out) != `{"k": 1}` {
		t.Fatalf("empty object: %s, %v", out, err)
	}
}

func TestSetRefusesWhatIsNotThere(t *testing.T) {
	for _, ptr := range [][]string{{"tasks", "5", "status"}, {"tasks", "x"}, {"nope", "a"}, {"n", "a"}} {
		if _, err := Set([]byte(`{"tasks": [], "n": 3}`), ptr, []byte(`1`)); err == nil {
			t.Errorf("Set %v: no error", ptr)
		}
	}
	if _, err := Set([]byte(`{"a": `), []string{"a"}, []byte(`1`)); err == nil {
		t.Error("Set on broken JSON: no error")
	}
}

func TestFindDecodesEscapedKeys(t *testing.T) {
	v, ok := Find([]byte(`{"st\u0061tus": "open"}`), []string{"status"})
	if !ok || string(v) != `"open"` {
		t.Fatalf("Find = %s, %v", v, ok)
	}
}

// FuzzSet checks that Set on any valid document either fails or yields
// valid JSON in which the value at the pointer is the new one and every
// other member is unchanged.
func FuzzSet(f *testing.F) {
	f.Add(`{"tasks":[{"id":1,"status":"pending"}]}`, "tasks", "0", "status")
	f.Add("{\n  \"a\": {\n    \"b\": 1\n  }\n}", "a", "c", "")
	f.Add(`[1, {"x": "\u0041"}]`, "1", "x", "")
	f.Fuzz(func(t *testing.T, doc, a, b, c string) {
		if !json.Valid([]byte(doc)) || !utf8.ValidString(a+b+c) {
			return // documents are checked first; keys are text
		}
		ptr := []string{a, b}
		if c != "" {
			ptr = append(ptr, c)
		}
		out, err := Set([]byte(doc), ptr, []byte(`"NEW"`))
		if err != nil {
			return
		}
		var got any
		if err := json.Unmarshal(out, &got); err != nil {
			t.Fatalf("Set made invalid JSON %q from %q: %v", out, doc, err)
		}
		v, ok := Find(out, ptr)
		if !ok || string(v) != `"NEW"` {
			t.Fatalf("after Set, Find = %s, %v in %q", v, ok, out)
		}
		var before any
		json.Unmarshal([]byte(doc), &before)
		if !reflect.DeepEqual(setIn(before, ptr), got) {
			t.Fatalf("Set changed more than %v: %q -> %q", ptr, doc, out)
		}
	})
}

// setIn sets "NEW" at ptr in a decoded document, the reference for FuzzSet.
func setIn(v any, ptr []string) any {
	if len(ptr) == 0 {
		return "NEW"
	}
	switch x := v.(type) {
	case map[string]any:
		x[ptr[0]] = setIn(x[ptr[0]], ptr[1:])
		return x
	case []any:
		var i int
		json.Unmarshal([]byte(ptr[0]), &i)
		x[i] = setIn(x[i], ptr[1:])
		return x
	}
	return v
}
