package jsonobj

import (
	"bytes"
	"encoding/json"
	"errors"
	"slices"
	"testing"
)

func TestFields(t *testing.T) {
	t.Parallel()
	fields, err := Fields([]byte(` {"b": 1, "a": {"x": [1, 2]}, "\u0063": "s", "b": null} `))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range fields {
		got = append(got, f.Key+"="+string(f.Value))
	}
	want := []string{`b=1`, `a={"x": [1, 2]}`, `c="s"`, `b=null`}
	if !slices.Equal(got, want) {
		t.Errorf("Fields = %q, want %q", got, want)
	}
	for _, bad := range []string{``, `[]`, `"x"`, `{"a":1`, `{"a":1}{}`, `{"a":1} x`, `{"a" 1}`} {
		if _, err := Fields([]byte(bad)); err == nil {
			t.Errorf("Fields(%q) accepted it", bad)
		}
	}
}

// FuzzFields checks Fields against encoding/json: it accepts exactly the
// objects json.Unmarshal accepts into a map, and the last value of each key
// is the one the map holds.
func FuzzFields(f *testing.F) {
	for _, s := range []string{`{}`, `{"a":1,"a":2}`, `{"a":{"b":[true,null]}}`, `[1]`, `{"a":1}x`, ` {"\ud800":"\u00e9"} `} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fields, err := Fields(data)
		var m map[string]json.RawMessage
		mapErr := json.Unmarshal(data, &m)
		if mapErr == nil && m == nil {
			mapErr = errors.New("null") // it unmarshals into a nil map, but is no object
		}
		if (err == nil) != (mapErr == nil) {
			t.Fatalf("Fields error %v, json.Unmarshal error %v, for %q", err, mapErr, data)
		}
		if err != nil {
			return
		}
		last := map[string]json.RawMessage{}
		for _, fl := range fields {
			last[fl.Key] = fl.Value
		}
		if len(last) != len(m) {
			t.Fatalf("%d distinct keys, json.Unmarshal has %d", len(last), len(m))
		}
		for k, v := range m {
			if !bytes.Equal(v, last[k]) {
				t.Fatalf("value of %q: Fields has %s, json.Unmarshal %s", k, last[k], v)
			}
		}
	})
}
