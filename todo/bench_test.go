package todo

import (
	"fmt"
	"path/filepath"
	"testing"
)

// largeBacklog generates a valid n-task backlog shaped like a long-running
// project: most tasks done, the rest todo, doing or blocked, each depending
// on up to three earlier tasks, with details, files and tags.
func largeBacklog(n int) *Backlog {
	b := &Backlog{SchemaVersion: 1, Project: &Project{Name: "large", Root: "."}, SourceFiles: []string{"README.md", "SPEC.md"}}
	statuses := []Status{StatusDone, StatusDone, StatusDone, StatusDone, StatusDone, StatusDone, StatusTodo, StatusTodo, StatusTodo, StatusBlocked}
	for i := range n {
		id := func(k int) string { return fmt.Sprintf("T%05d", k) }
		t := Task{
			ID:       id(i),
			Title:    fmt.Sprintf("Implement part %d of the system", i),
			Priority: 1 + (i*7)%5,
			Status:   statuses[i%len(statuses)],
			Details:  fmt.Sprintf("Work item %d: wire the component, add tests, update the docs; see <SPEC.md> & the design notes.", i),
			Tags:     []string{"area-" + fmt.Sprint(i%13)},
			Files:    []string{fmt.Sprintf("internal/pkg%d/file%d.go", i%50, i)},
		}
		if i%97 == 0 {
			t.Status = StatusDoing
		}
		for _, d := range []int{i - 1, i / 2, i - 17} {
			if d >= 0 && d < i && (i+d)%3 == 0 {
				t.DependsOn = append(t.DependsOn, id(d))
			}
		}
		switch i % 3 {
		case 0:
			t.UpdatedAt = Timestamp(fmt.Sprintf("2026-01-25T12:%02d:%02dZ", i%60, (i/60)%60))
		case 1:
			t.UpdatedAt = Timestamp(fmt.Sprintf("2026-01-25T12:%02d:%02d.%09dZ", i%60, (i/60)%60, i*7919))
		}
		b.Tasks = append(b.Tasks, t)
	}
	return b
}

const benchTasks = 10000

func largeFile(b *testing.B) (*Backlog, []byte) {
	bl := largeBacklog(benchTasks)
	data, err := bl.Marshal()
	if err != nil {
		b.Fatal(err)
	}
	if _, err := Parse("large.json", data); err != nil {
		b.Fatalf("generated backlog is invalid: %v", err)
	}
	return bl, data
}

func BenchmarkLoad(b *testing.B) {
	bl, _ := largeFile(b)
	path := filepath.Join(b.TempDir(), "todo.json")
	if err := Save(path, bl); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Load(path); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseInvalid(b *testing.B) {
	bl, _ := largeFile(b)
	for i := range bl.Tasks {
		if i%100 == 0 {
			bl.Tasks[i].Priority = 9 // 100 schema problems to locate
		}
	}
	data, _ := bl.Marshal()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse("large.json", data); err == nil {
			b.Fatal("invalid backlog accepted")
		}
	}
}

func BenchmarkValidate(b *testing.B) {
	bl, _ := largeFile(b)
	b.ReportAllocs()
	for b.Loop() {
		if err := bl.Validate(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSelect(b *testing.B) {
	bl, _ := largeFile(b)
	b.ReportAllocs()
	for b.Loop() {
		if bl.Select() == nil {
			b.Fatal("nothing selected")
		}
	}
}

// BenchmarkMarshal compares Marshal with the encoding/json encoder it
// replaced (same bytes, see FuzzMarshal) on the 10,000-task backlog:
//
//	go test ./todo -run '^$' -bench Marshal -benchtime 20x
func BenchmarkMarshal(b *testing.B) {
	bl, _ := largeFile(b)
	b.Run("looper", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := bl.Marshal(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			referenceMarshal(b, bl)
		}
	})
}

func BenchmarkSave(b *testing.B) {
	bl, _ := largeFile(b)
	path := filepath.Join(b.TempDir(), "todo.json")
	b.ReportAllocs()
	for b.Loop() {
		if err := Save(path, bl); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkNewReadySet(b *testing.B) {
	bl, _ := largeFile(b)
	for _, s := range Strategies() {
		b.Run(s, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				NewReadySet(bl, Strategy(s), nil)
			}
		})
	}
}

// BenchmarkReadySetDrain builds the ready set and runs every task to done,
// one Next and one Complete per task: the scheduler's whole job for a run.
func BenchmarkReadySetDrain(b *testing.B) {
	bl, _ := largeFile(b)
	for _, s := range Strategies() {
		b.Run(s, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				r := NewReadySet(bl, Strategy(s), nil)
				n := 0
				for {
					t, ok := r.Next()
					if !ok {
						break
					}
					r.Complete(t.ID, StatusDone)
					n++
				}
				if n < benchTasks/3 {
					b.Fatalf("drained only %d tasks", n)
				}
			}
		})
	}
}

func BenchmarkCompareIDs(b *testing.B) {
	ids := []string{"T2", "T10", "T001", "T1", "PROJECT-DONE", "T10a", "feat-12-b"}
	for b.Loop() {
		for _, x := range ids {
			for _, y := range ids {
				CompareIDs(x, y)
			}
		}
	}
}

// BenchmarkParsePhases splits Parse of the large backlog into its stages,
// to show where the time goes: the one-pass decode, the schema validation
// (the jsonschema library, tasks spread over the CPUs) and the conversion
// plus semantic checks.
func BenchmarkParsePhases(b *testing.B) {
	_, data := largeFile(b)
	doc, _, _ := decodeTree(data)
	b.Run("decode", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			decodeTree(data)
		}
	})
	b.Run("schema", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if ps := taskFileProblems(doc, splitTasks); len(ps) > 0 {
				b.Fatal(ps)
			}
		}
	})
	b.Run("convert+validate", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			bl, _ := backlogFromTree(doc)
			if err := bl.Validate(); err != nil {
				b.Fatal(err)
			}
		}
	})
}
