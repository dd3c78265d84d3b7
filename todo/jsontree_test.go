package todo

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// decodeStd decodes data the way jsonschema.UnmarshalJSON does.
func decodeStd(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	err := dec.Decode(&v)
	return v, err
}

func TestDecodeTree(t *testing.T) {
	t.Parallel()
	valid := []string{
		`{}`, `[]`, `""`, `0`, `-0`, `1.5e+10`, `-12.25E-3`, `true`, `false`, `null`,
		` {"a": [1, {"b": null}], "c": "\u00e9\n\"\\\/\b\f\r\t", "d": "\ud83d\ude00"} `,
		"\"invalid utf-8: \xff\xfe\"", `{"a":1,"a":2}`, strings.Repeat("[", maxDepth) + strings.Repeat("]", maxDepth),
	}
	invalid := []string{
		``, ` `, `{`, `}`, `[1,]`, `{"a":1,}`, `{"a" 1}`, `{a:1}`, `01`, `1.`, `.5`, `1e`, `+1`, `--1`,
		`tru`, `nul`, `"abc`, "\"a\x01b\"", `"\x"`, `"\u12g4"`, `{} {}`, `[1 2]`, `{"a":1 "b":2}`,
		strings.Repeat("[", maxDepth+1) + strings.Repeat("]", maxDepth+1),
	}
	for _, s := range valid {
		doc, _, ok := decodeTree([]byte(s))
		if !ok {
			t.Errorf("decodeTree rejects valid %.40q", s)
			continue
		}
		want, err := decodeStd([]byte(s))
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(doc, want) {
			t.Errorf("decodeTree(%.40q) = %#v, want %#v", s, doc, want)
		}
	}
	for _, s := range invalid {
		if _, _, ok := decodeTree([]byte(s)); ok {
			t.Errorf("decodeTree accepts invalid %.40q", s)
		}
	}
	_, dups, _ := decodeTree([]byte(`{"t":[{"k":1,"k":2,"\u006b":3}]}`))
	if len(dups) != 2 || dups[0].Path != "t[0].k" || dups[0].Line != 1 || dups[0].Column != 14 {
		t.Errorf("duplicates = %+v", dups)
	}
}

// FuzzDecodeTree: decodeTree accepts exactly what json.Valid accepts and
// decodes it exactly as encoding/json does.
func FuzzDecodeTree(f *testing.F) {
	for _, s := range []string{`{"a":[1,2.5e3,"x\u00e9"],"b":{"c":null,"c":true}}`, `[-0, 1e-7]`, "\"\xff\"", `{"a":}`, `"\ud800"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, _, ok := decodeTree(data)
		if ok != json.Valid(data) {
			t.Fatalf("decodeTree ok=%v, json.Valid=%v", ok, !ok)
		}
		if !ok {
			return
		}
		want, err := decodeStd(data)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(doc, want) {
			t.Fatalf("decodeTree = %#v\nencoding/json = %#v", doc, want)
		}
	})
}
