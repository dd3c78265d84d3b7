package agent

import (
	"strings"
	"testing"
)

func TestExtractSummary(t *testing.T) {
	t.Parallel()
	const done = `{"task_id":"T1","status":"done","summary":"ok","files":["a.go"],"blockers":[]}`
	tests := []struct {
		name     string
		texts    []string
		contract Contract
		taskID   string
		want     string // the winning object; "" for none
		wantErr  string // the invalid-summary error; "" for none
	}{
		{"bare object", []string{done}, ContractTask, "T1", done, ""},
		{"fenced object after prose", []string{"All good.\n\n```json\n" + done + "\n```\n"}, ContractTask, "T1", done, ""},
		{"object inside a sentence", []string{"Result: " + done + " — thanks!"}, ContractTask, "T1", done, ""},
		{"the last fitting object wins",
			[]string{`{"task_id":"T1","status":"blocked","blockers":["x"]} then ` + done}, ContractTask, "T1", done, ""},
		{"braces inside strings do not confuse the matcher",
			[]string{`{"task_id":"T1","status":"done","summary":"use map{string} and \"}\" carefully"}`}, ContractTask, "T1",
			`{"task_id":"T1","status":"done","summary":"use map{string} and \"}\" carefully"}`, ""},
		{"quoted code before the summary is ignored",
			[]string{"I changed `func f() { return }` and {\"a\": 1}.\n" + done}, ContractTask, "T1", done, ""},
		{"a stray quote in prose braces does not hide the summary",
			[]string{"Note {it said \"oops} here.\n" + done}, ContractTask, "T1", done, ""},
		{"a JSON-string message is unquoted", []string{`"{\"task_id\":\"T1\",\"status\":\"done\"}"`}, ContractTask, "T1",
			`{"task_id":"T1","status":"done"}`, ""},
		{"null task_id is allowed for skipped", []string{`{"task_id":null,"status":"skipped","summary":"nothing to do"}`}, ContractTask, "T1",
			`{"task_id":null,"status":"skipped","summary":"nothing to do"}`, ""},
		{"a nested summary-looking object is not pulled out of a larger one",
			[]string{`{"result":{"task_id":"T1","status":"done"}}`}, ContractTask, "T1", "", ""},
		{"an earlier message is searched when the last has no summary",
			[]string{done, "Done, see above."}, ContractTask, "T1", done, ""},
		{"a valid summary in an earlier message beats an invalid one later",
			[]string{done, `{"task_id":"T1","status":"finished"}`}, ContractTask, "T1", done, ""},
		{"no JSON at all", []string{"I did it!"}, ContractTask, "T1", "", ""},
		{"JSON without a status is not a summary", []string{`{"a":1}`}, ContractTask, "T1", "", ""},
		{"a bad status is invalid", []string{`{"task_id":"T1","status":"finished"}`}, ContractTask, "T1", "", "status: value must be one of"},
		{"an unknown field is invalid", []string{`{"task_id":"T1","status":"done","mood":"happy"}`}, ContractTask, "T1", "", `unknown field "mood"`},
		{"a missing task_id is invalid", []string{`{"status":"done"}`}, ContractTask, "T1", "", `missing required field "task_id"`},
		{"another task's summary is invalid", []string{`{"task_id":"T2","status":"done"}`}, ContractTask, "T1", "", `summary is for task "T2"`},
		{"files must be strings", []string{`{"task_id":"T1","status":"done","files":[1]}`}, ContractTask, "T1", "", "files[0]: wrong type"},
		{"review summary", []string{"Reviewed.\n" + `{"status":"reviewed","summary":"s","added_tasks":2,"files":[]}`}, ContractReview, "",
			`{"status":"reviewed","summary":"s","added_tasks":2,"files":[]}`, ""},
		{"review summary with a task status is invalid", []string{`{"status":"done","added_tasks":0}`}, ContractReview, "", "", "status: value must be 'reviewed'"},
		{"review summary with negative additions is invalid", []string{`{"status":"reviewed","added_tasks":-1}`}, ContractReview, "", "", "added_tasks: must be at least 0"},
		{"a task summary does not fit the review contract", []string{done}, ContractReview, "", "", `unknown field "task_id"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ex := extractSummary(tt.texts, tt.contract, tt.taskID)
			if string(ex.json) != tt.want {
				t.Errorf("json = %s, want %s", ex.json, tt.want)
			}
			switch {
			case tt.wantErr == "" && ex.err != nil && ex.json == nil && tt.want == "":
				t.Errorf("err = %v, want none", ex.err)
			case tt.wantErr != "" && (ex.err == nil || !strings.Contains(ex.err.Error(), tt.wantErr)):
				t.Errorf("err = %v, want %q", ex.err, tt.wantErr)
			}
			if tt.want != "" {
				switch tt.contract {
				case ContractTask:
					if ex.summary == nil || ex.review != nil {
						t.Errorf("summary = %v, review = %v; want a task summary", ex.summary, ex.review)
					}
				case ContractReview:
					if ex.review == nil || ex.summary != nil {
						t.Errorf("summary = %v, review = %v; want a review summary", ex.summary, ex.review)
					}
				}
			}
		})
	}
}

func TestExtractSummaryDecodesFields(t *testing.T) {
	t.Parallel()
	ex := extractSummary([]string{`{"task_id":"T1","status":"blocked","summary":"s","files":["a"],"blockers":["b","c"]}`}, ContractTask, "T1")
	if s := ex.summary; s == nil || s.Status != "blocked" || s.Summary != "s" || len(s.Files) != 1 || len(s.Blockers) != 2 {
		t.Fatalf("summary = %+v", s)
	}
	ex = extractSummary([]string{`{"status":"reviewed","added_tasks":3}`}, ContractReview, "")
	if r := ex.review; r == nil || r.AddedTasks != 3 {
		t.Fatalf("review = %+v", r)
	}
}

// TestExtractSummaryStaysLinear guards against quadratic scans: thousands of
// unmatched braces and long lines must not blow up (a benchmark would show
// the time; here the bounded work must simply finish and still find the
// summary at the end).
func TestExtractSummaryStaysLinear(t *testing.T) {
	t.Parallel()
	noise := strings.Repeat("{", 200_000) + "\n" + strings.Repeat("{\"a\":1}\n", 50_000)
	ex := extractSummary([]string{noise + `{"task_id":"T1","status":"done"}`}, ContractTask, "T1")
	if ex.json == nil {
		t.Fatalf("summary after noise not found (err %v)", ex.err)
	}
}

func FuzzExtractSummary(f *testing.F) {
	for _, s := range []string{
		`{"task_id":"T1","status":"done","summary":"ok","files":[],"blockers":[]}`,
		"```json\n{\"task_id\":\"T1\",\"status\":\"blocked\",\"blockers\":[\"x\"]}\n```",
		`prose {with "quotes} and {"task_id":null,"status":"skipped"}`,
		`"{\"status\":\"reviewed\",\"added_tasks\":1}"`,
		`{{{{}}}}{"status":`,
		"```\n{\n```",
	} {
		f.Add(s, uint8(0))
		f.Add(s, uint8(1))
	}
	f.Fuzz(func(t *testing.T, text string, c uint8) {
		contract := Contract(c % 3)
		ex := extractSummary([]string{text}, contract, "T1")
		if ex.json != nil {
			if _, _, err := fitContract(ex.json, contract, "T1"); err != nil {
				t.Fatalf("winning object %s does not fit: %v", ex.json, err)
			}
		}
		if ex.err != nil && ex.bad == nil {
			t.Fatalf("invalid summary without the offending object: %v", ex.err)
		}
	})
}
