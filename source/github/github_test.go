package github

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/looper-go/looper/todo"
)

// scripted sets up testdata/gh with fixtures and returns a Source using
// it and the file its calls are recorded in.
func scripted(t *testing.T, fixtures map[string]string) (*Source, string) {
	t.Helper()
	dir := t.TempDir()
	for name, body := range fixtures {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	record := filepath.Join(dir, "calls")
	t.Setenv("GH_FIXTURES", dir)
	t.Setenv("GH_RECORD", record)
	gh, err := filepath.Abs("testdata/gh")
	if err != nil {
		t.Fatal(err)
	}
	return &Source{Repo: "octo/app", Gh: gh, Dir: dir}, record
}

func calls(t *testing.T, record string) []string {
	t.Helper()
	data, err := os.ReadFile(record)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSpace(string(data)), "\n")
}

var fixtures = map[string]string{
	"issues.json": `[
 {"number": 3, "title": "Docs", "body": "Write docs.", "state": "OPEN", "labels": [{"name": "priority:low"}], "createdAt": "2026-01-01T00:00:00Z", "updatedAt": "2026-01-01T00:00:00Z"},
 {"number": 1, "title": "Core", "body": "Build the core.", "state": "OPEN", "labels": [{"name": "P0"}, {"name": "bug"}]},
 {"number": 2, "title": "CLI", "body": "", "state": "OPEN", "labels": []},
 {"number": 4, "title": "Waits elsewhere", "body": "", "state": "OPEN", "labels": []},
 {"number": 5, "title": "Waits on 4", "body": "", "state": "OPEN", "labels": []}
]`,
	"repos_octo_app_issues_2_dependencies_blocked_by.json": `[{"number": 1, "state": "open", "repository_url": "https://api.github.com/repos/octo/app"}, {"number": 9, "state": "closed", "repository_url": "https://api.github.com/repos/octo/app"}]`,
	"repos_octo_app_issues_3_sub_issues.json":              `[{"number": 2, "state": "open", "repository_url": "https://api.github.com/repos/octo/app"}]`,
	"repos_octo_app_issues_4_dependencies_blocked_by.json": `[{"number": 7, "state": "open", "repository_url": "https://api.github.com/repos/other/lib"}]`,
	"repos_octo_app_issues_5_dependencies_blocked_by.json": `[{"number": 4, "state": "open", "repository_url": "https://api.github.com/repos/octo/app"}]`,
}

func TestFetch(t *testing.T) {
	s, record := scripted(t, fixtures)
	s.Label, s.Milestone = "looper", "v1"
	b, err := s.Fetch(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, task := range b.Tasks {
		got = append(got, task.ID+" p"+string(rune('0'+task.Priority))+" "+strings.Join(task.DependsOn, ","))
	}
	want := []string{"1 p1 ", "2 p3 1", "3 p4 2"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("tasks (-want +got):\n%s", diff)
	}
	c := calls(t, record)
	if !strings.HasPrefix(c[0], "gh issue list --repo octo/app --state open") || !strings.HasSuffix(c[0], "--label looper --milestone v1") {
		t.Errorf("list call: %s", c[0])
	}
	if !slicesContain(c, "gh api repos/octo/app/issues/2/dependencies/blocked_by --paginate") || !slicesContain(c, "gh api repos/octo/app/issues/3/sub_issues --paginate") {
		t.Errorf("dependency calls missing:\n%s", strings.Join(c, "\n"))
	}
}

func slicesContain(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestPushCommentsAndCloses(t *testing.T) {
	s, record := scripted(t, fixtures)
	before, err := s.Fetch(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	after := before.Clone()
	after.Task("1").Status = todo.StatusDone
	after.Task("1").Details = "Built the core."
	after.Task("2").Status = todo.StatusBlocked
	after.Task("2").Blockers = []string{"agent crashed"}
	after.Task("3").Status = todo.StatusDoing
	os.Remove(record)
	if err := s.Push(context.Background(), before, after); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"gh issue comment 1 --repo octo/app --body looper finished this task.||Built the core.",
		"gh issue comment 2 --repo octo/app --body looper could not finish this task.|- agent crashed",
	}
	if diff := cmp.Diff(want, calls(t, record)); diff != "" {
		t.Fatalf("calls (-want +got):\n%s", diff)
	}
	s.Close = true
	os.Remove(record)
	if err := s.Push(context.Background(), before, after); err != nil {
		t.Fatal(err)
	}
	if c := calls(t, record); c[0] != "gh issue close 1 --repo octo/app --comment looper finished this task.||Built the core." {
		t.Fatalf("close call: %s", c[0])
	}
	t.Setenv("GH_FAIL", "issue close")
	if err := s.Push(context.Background(), before, after); err == nil || !strings.Contains(err.Error(), "Resource not accessible") {
		t.Fatalf("a failing gh: %v", err)
	}
}

func TestFetchErrors(t *testing.T) {
	s, _ := scripted(t, map[string]string{"issues.json": `[{"number": 1, "title": "A"}, {"number": 2, "title": "B"}]`,
		"repos_octo_app_issues_1_dependencies_blocked_by.json": `[{"number": 2, "state": "open"}]`,
		"repos_octo_app_issues_2_dependencies_blocked_by.json": `[{"number": 1, "state": "open"}]`})
	_, err := s.Fetch(context.Background())
	if err == nil || !strings.Contains(err.Error(), "github:octo/app: issue #1: dependency cycle 1 -> 2 -> 1") {
		t.Fatalf("cycle: %v", err)
	}
	s.Gh = filepath.Join(t.TempDir(), "no-gh")
	if _, err := s.Fetch(context.Background()); err == nil || !strings.Contains(err.Error(), "gh issue list") {
		t.Fatalf("missing gh: %v", err)
	}
	if err := CheckRepo("octo"); err == nil {
		t.Fatal("octo is accepted as a repository")
	}
}

func TestPriorityLabels(t *testing.T) {
	for labels, want := range map[string]int{"": 3, "P0": 1, "p4": 5, "priority:high": 2, "Priority: Critical": 1, "bug,P3,priority:high": 2, "priority/P1": 2} {
		var ls []struct {
			Name string `json:"name"`
		}
		for _, l := range strings.Split(labels, ",") {
			ls = append(ls, struct {
				Name string `json:"name"`
			}{l})
		}
		if got := priority(ls); got != want {
			t.Errorf("priority(%q) = %d, want %d", labels, got, want)
		}
	}
}

func TestDecodePages(t *testing.T) {
	got, err := decodePages([]byte("[{\"number\": 1}]\n[{\"number\": 2, \"state\": \"closed\"}][]"))
	if err != nil || len(got) != 2 || got[1].Number != 2 || got[1].State != "closed" {
		t.Fatalf("%v %v", got, err)
	}
	if _, err := decodePages([]byte(`{"message": "Not Found"}`)); err == nil {
		t.Fatal("an error object decodes as a page")
	}
}

// FuzzLabels checks that any labels give a priority in looper's range and
// that any gh api output either decodes or is refused, without a panic.
func FuzzLabels(f *testing.F) {
	f.Add("P2", "priority:high", []byte(`[{"number":1}]`))
	f.Add("priority: urgent", "", []byte(`[][{"number":2,"state":"open"}]`))
	f.Fuzz(func(t *testing.T, a, b string, pages []byte) {
		ls := []struct {
			Name string `json:"name"`
		}{{a}, {b}}
		if p := priority(ls); p < 1 || p > 5 {
			t.Fatalf("priority(%q, %q) = %d", a, b, p)
		}
		if got, err := decodePages(pages); err == nil {
			for _, r := range got {
				_ = r.Number
			}
		}
	})
}
