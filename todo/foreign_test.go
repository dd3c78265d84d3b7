package todo

import "testing"

func TestWithBlockersIsIdempotent(t *testing.T) {
	got := WithBlockers("did x", []string{"tests fail", "", "tests fail"})
	if got != "did x\n\nBlocked: tests fail" {
		t.Fatalf("%q", got)
	}
	if again := WithBlockers(got, []string{"tests fail"}); again != got {
		t.Fatalf("second application changed it: %q", again)
	}
	if WithBlockers("", []string{"b"}) != "Blocked: b" {
		t.Fatal("empty details")
	}
}

func TestDecodeJSONLocatesProblems(t *testing.T) {
	if doc, ps := DecodeJSON([]byte("{\"a\": 1, \"a\": 2}")); doc == nil || len(ps) != 1 || ps[0].Line != 1 {
		t.Fatalf("duplicate key: %v %v", doc, ps)
	}
	if doc, ps := DecodeJSON([]byte("{\n  \"a\": ]")); doc != nil || len(ps) != 1 || ps[0].Line != 2 {
		t.Fatalf("syntax: %v %v", doc, ps)
	}
	ps := []Problem{NewProblem([]string{"x", "1"}, "bad")}
	Locate([]byte("{\n \"x\": [0,\n  5]}"), ps)
	if ps[0].Line != 3 || ps[0].Column != 3 || ps[0].Path != "x[1]" || len(ps[0].Pointer()) != 2 {
		t.Fatalf("%+v", ps[0])
	}
}
