package todo

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/diff"

	"github.com/looper-go/looper/internal/golden"
)

// backlogsDir holds the shared fixture backlogs (also used by the CLI's
// testscript scripts).
var backlogsDir = filepath.Join("..", "testdata", "backlogs")

// TestFixtures regenerates the fixture backlogs and checks the committed
// files match; `go test ./todo -run TestFixtures -update` rewrites them.
func TestFixtures(t *testing.T) {
	for name, gen := range map[string]func() []byte{
		"upstream-91.json":         func() []byte { return upstreamStyle(upstream91()) },
		"upstream-old-schema.json": func() []byte { return upstreamStyle(upstreamOldSchema()) },
		"strategies.json":          func() []byte { return canonical(strategiesBacklog()) },
	} {
		t.Run(name, func(t *testing.T) {
			got := gen()
			path := filepath.Join(backlogsDir, name)
			if golden.Updating() {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (generate it with: go test ./todo -run TestFixtures -update)", err)
			}
			if d := diff.Diff(path, want, "generated", got); d != nil {
				t.Errorf("%s is not what the generator writes (regenerate with -update):\n%s", path, d)
			}
		})
	}
}

// upstreamStyle writes b as upstream looper does: json.MarshalIndent with
// Go's default HTML escaping, plus a newline.
func upstreamStyle(b *Backlog) []byte {
	data, err := json.MarshalIndent(b, "", "  ")
	if err != nil {
		panic(err)
	}
	return append(data, '\n')
}

func canonical(b *Backlog) []byte {
	b.SortTasks()
	data, err := b.Marshal()
	if err != nil {
		panic(err)
	}
	return data
}

// upstream91 is a backlog shaped like upstream's own to-do.json: 91 tasks
// T001-T091 in id order with mixed priorities, most done, a few blocked and
// todo, dependencies, details with <, > and & (which upstream escapes),
// second, millisecond and nanosecond timestamps, and the newer description
// and reference fields on some tasks.
func upstream91() *Backlog {
	b := &Backlog{
		SchemaVersion: 1,
		Project:       &Project{Name: "looper-go", Root: "."},
		SourceFiles: []string{"README.md", "SPEC.md", "docs/cli.md", "docs/config.md", "docs/parallel.md",
			"internal/todo/types.go", "internal/loop/loop.go", "prompts/iteration.txt", "prompts/review.txt", "to-do.schema.json"},
	}
	areas := []string{"cli", "config", "todo", "agents", "loop", "prompts", "logging", "hooks", "tui", "docs"}
	deps := map[int][]int{
		12: {11}, 13: {11, 12}, 20: {14}, 33: {30}, 34: {33}, 50: {39}, 51: {39}, 52: {39, 51},
		65: {62}, 66: {64}, 70: {66, 65}, 84: {81}, 87: {84}, 89: {84, 86}, 90: {87, 89}, 91: {90},
	}
	blocked := map[int]bool{79: true, 80: true, 82: true, 85: true, 86: true}
	todoTasks := map[int]bool{84: true, 87: true, 89: true, 90: true, 91: true}
	for i := 1; i <= 91; i++ {
		area := areas[i%len(areas)]
		t := Task{
			ID:       fmt.Sprintf("T%03d", i),
			Title:    fmt.Sprintf("%s: step %d of the %s work", area, i, area),
			Priority: []int{3, 2, 3, 4, 1, 3, 2, 5, 3, 4, 2}[i%11],
			Status:   StatusDone,
		}
		switch {
		case blocked[i]:
			t.Status = StatusBlocked
		case todoTasks[i]:
			t.Status = StatusTodo
		case i == 88:
			t.Status = StatusDoing
		}
		if i%3 == 0 {
			t.Description = fmt.Sprintf("Make the %s layer handle case %d, including inputs with <angle> brackets & ampersands.", area, i)
		}
		if i%10 == 7 {
			t.Reference = fmt.Sprintf("SPEC.md#%s-%d", area, i)
		}
		if i%2 == 0 || t.Status == StatusDone && i%5 != 0 {
			t.Details = fmt.Sprintf("Implemented %s change %d; `go test ./...` passes (checked a < b && b > c).", area, i)
		}
		if i%4 == 1 {
			t.Steps = []string{"write the failing test", "implement", "run go test ./..."}
		}
		if i%3 != 2 {
			t.Tags = []string{area}
			if i%6 == 0 {
				t.Tags = append(t.Tags, "refactor")
			}
		}
		if t.Status != StatusTodo {
			t.Files = []string{fmt.Sprintf("internal/%s/%s.go", area, area)}
			if i%5 == 0 {
				t.Files = append(t.Files, fmt.Sprintf("internal/%s/%s_test.go", area, area))
			}
		}
		for _, d := range deps[i] {
			t.DependsOn = append(t.DependsOn, fmt.Sprintf("T%03d", d))
		}
		switch {
		case i == 90:
			t.UpdatedAt = "2026-01-25T13:05:00+01:00"
		case t.Status == StatusTodo:
			// not touched yet: no timestamps
		case i >= 76 && i%2 == 0 || blocked[i]:
			// written by upstream looper itself: nanoseconds
			t.UpdatedAt = Timestamp(fmt.Sprintf("2026-01-25T12:%02d:%02d.%09dZ", (i-30)%60, (i*7)%60, 31985113+i*1000003))
		case i%9 == 0:
			t.UpdatedAt = Timestamp(fmt.Sprintf("2026-01-24T09:%02d:%02d.%03dZ", i%60, (i*13)%60, (i*37)%1000))
		default:
			t.UpdatedAt = Timestamp(fmt.Sprintf("2026-01-2%dT%02d:%02d:%02dZ", 1+i%4, 8+i%10, (i*11)%60, (i*17)%60))
		}
		if i%15 == 0 {
			t.CreatedAt = Timestamp(fmt.Sprintf("2026-01-20T10:%02d:00Z", i%60))
		}
		if blocked[i] && i%2 == 1 {
			t.Blockers = []string{"needs a decision on the " + area + " API"}
		}
		b.Tasks = append(b.Tasks, t)
	}
	return b
}

// upstreamOldSchema is a backlog valid against upstream's older schema
// (no description or reference fields), as upstream's .looper scaffold
// variant wrote it.
func upstreamOldSchema() *Backlog {
	b := &Backlog{SchemaVersion: 1, SourceFiles: []string{"README.md"}}
	for i := 1; i <= 12; i++ {
		t := Task{
			ID:       fmt.Sprintf("T%d", i),
			Title:    fmt.Sprintf("Task %d", i),
			Priority: 1 + i%5,
			Status:   []Status{StatusDone, StatusTodo, StatusDoing, StatusBlocked}[i%4],
		}
		if i > 1 {
			t.DependsOn = []string{fmt.Sprintf("T%d", i/2)}
		}
		if i%2 == 0 {
			t.UpdatedAt = Timestamp(fmt.Sprintf("2025-12-0%dT10:00:0%dZ", i%9+1, i%10))
		}
		b.Tasks = append(b.Tasks, t)
	}
	return b
}

// strategiesBacklog is built so the three strategies order the initially
// ready tasks differently (see TestStrategiesDiffer):
//
//	id   prio status   waiting on it (chain)
//	T01  1    todo     -                      (0)
//	T02  1    todo     T10 <- T11             (2)
//	T03  2    todo     T20 <- T21 <- T22 <- T23 (4)
//	T04  2    todo     -                      (0)
//	T05  3    todo     T30                    (1)
//	T06  5    doing    -                      (0)   doing tier: always first
//	T07  1    blocked  -                      (0)   blocked tier: always last
//
// T00 is done and every first-level task depends on it.
func strategiesBacklog() *Backlog {
	b := &Backlog{SchemaVersion: 1, Project: &Project{Name: "strategies", Root: "."}, SourceFiles: []string{"README.md"}}
	add := func(id string, prio int, st Status, deps ...string) {
		b.Tasks = append(b.Tasks, Task{ID: id, Title: "Task " + id, Priority: prio, Status: st, DependsOn: deps})
	}
	add("T00", 1, StatusDone)
	add("T01", 1, StatusTodo, "T00")
	add("T02", 1, StatusTodo, "T00")
	add("T03", 2, StatusTodo, "T00")
	add("T04", 2, StatusTodo, "T00")
	add("T05", 3, StatusTodo, "T00")
	add("T06", 5, StatusDoing)
	add("T07", 1, StatusBlocked)
	add("T10", 3, StatusTodo, "T02")
	add("T11", 3, StatusTodo, "T10")
	add("T20", 4, StatusTodo, "T03")
	add("T21", 4, StatusTodo, "T20")
	add("T22", 4, StatusTodo, "T21")
	add("T23", 4, StatusTodo, "T22")
	add("T30", 5, StatusTodo, "T05")
	return b
}

// loadFixture loads a committed fixture backlog.
func loadFixture(t testing.TB, name string) (*Backlog, []byte) {
	t.Helper()
	path := filepath.Join(backlogsDir, name)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Parse(path, data)
	if err != nil {
		t.Fatalf("fixture %s: %v", name, err)
	}
	return b, data
}

// upstreamUnescape undoes the HTML escaping upstream's encoder applies,
// which is the one byte-level difference Marshal introduces on purpose.
func upstreamUnescape(data []byte) []byte {
	for _, pair := range [][2]string{{`\u003c`, "<"}, {`\u003e`, ">"}, {`\u0026`, "&"}} {
		data = bytes.ReplaceAll(data, []byte(pair[0]), []byte(pair[1]))
	}
	return data
}
