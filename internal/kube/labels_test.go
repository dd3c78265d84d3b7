package kube

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/validation"
)

func TestProjectLabel(t *testing.T) {
	a := ProjectLabel("/home/me/proj/.looper/todo.json")
	b := ProjectLabel("/home/you/proj/.looper/todo.json")
	if a == b {
		t.Errorf("two backlogs share the label %q", a)
	}
	if !strings.HasPrefix(a, "todo-") {
		t.Errorf("ProjectLabel = %q, want it to start with the file's name", a)
	}
	for _, l := range []string{a, ProjectLabel(""), ProjectLabel("/" + strings.Repeat("x", 200) + ".json")} {
		if errs := validation.IsValidLabelValue(l); len(errs) > 0 || l == "" {
			t.Errorf("ProjectLabel gave %q: %v", l, errs)
		}
	}
}

func TestSelectors(t *testing.T) {
	sel, err := labels.Parse(RunSelector("p-1", "2026-12-05T04:00:00Z/abc"))
	if err != nil {
		t.Fatal(err)
	}
	pod := labels.Set{LabelProject: "p-1", LabelRun: LabelValue("2026-12-05T04:00:00Z/abc"), LabelTask: "T1"}
	if !sel.Matches(pod) {
		t.Errorf("RunSelector %s does not match the run's pod %v", sel, pod)
	}
	pod[LabelRun] = "other"
	if sel.Matches(pod) {
		t.Errorf("RunSelector %s matches another run's pod", sel)
	}
	all, err := labels.Parse(ProjectSelector("p-1"))
	if err != nil {
		t.Fatal(err)
	}
	if !all.Matches(pod) {
		t.Errorf("ProjectSelector %s does not match the project's pod", all)
	}
}

// FuzzLabelValue checks that any task id, run id or agent id becomes a
// valid label value, and any task id a valid pod name prefix.
func FuzzLabelValue(f *testing.F) {
	for _, s := range []string{"T1", "", "a/b c", strings.Repeat("é", 70), "-x-", "claude#1", "$(rm -rf /)"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v := LabelValue(s)
		if errs := validation.IsValidLabelValue(v); len(errs) > 0 {
			t.Errorf("LabelValue(%q) = %q: %v", s, v, errs)
		}
		name := podNamePrefix(s) + "abcde"
		if errs := validation.IsDNS1123Subdomain(name); len(errs) > 0 {
			t.Errorf("podNamePrefix(%q) gives the name %q: %v", s, name, errs)
		}
	})
}
