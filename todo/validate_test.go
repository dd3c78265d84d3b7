package todo

import (
	"errors"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

func backlogOf(tasks ...Task) *Backlog {
	for i := range tasks {
		if tasks[i].Title == "" {
			tasks[i].Title = "task " + tasks[i].ID
		}
		if tasks[i].Priority == 0 {
			tasks[i].Priority = 3
		}
		if tasks[i].Status == "" {
			tasks[i].Status = StatusTodo
		}
	}
	return &Backlog{SchemaVersion: 1, SourceFiles: []string{}, Tasks: tasks}
}

func dep(id string, deps ...string) Task { return Task{ID: id, DependsOn: deps} }

func problemMessages(t *testing.T, err error) []string {
	t.Helper()
	if err == nil {
		return nil
	}
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("%T is not a *ValidationError: %v", err, err)
	}
	var out []string
	for _, p := range ve.Problems {
		out = append(out, p.String())
	}
	return out
}

func TestValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		b    *Backlog
		want []string
	}{{
		name: "valid",
		b:    backlogOf(dep("T1"), dep("T2", "T1"), dep("T3", "T1", "T2")),
	}, {
		name: "self dependency",
		b:    backlogOf(dep("T1", "T1")),
		want: []string{"tasks[0].depends_on: dependency cycle T1 -> T1; remove one of these dependencies"},
	}, {
		name: "two separate cycles, each once, smallest id first",
		b:    backlogOf(dep("T9", "T8"), dep("T8", "T9"), dep("T3", "T5"), dep("T5", "T4"), dep("T4", "T3"), dep("T1")),
		want: []string{
			"tasks[2].depends_on: dependency cycle T3 -> T5 -> T4 -> T3; remove one of these dependencies",
			"tasks[1].depends_on: dependency cycle T8 -> T9 -> T8; remove one of these dependencies",
		},
	}, {
		name: "shortest cycle through the smallest id",
		b:    backlogOf(dep("A", "B", "D"), dep("B", "C"), dep("C", "A"), dep("D", "A")),
		want: []string{"tasks[0].depends_on: dependency cycle A -> D -> A; remove one of these dependencies"},
	}, {
		name: "unknown dependency and duplicate id",
		b:    backlogOf(dep("T1", "T7"), dep("T1")),
		want: []string{
			`tasks[1].id: duplicate id "T1" (also tasks[0]); give each task its own id`,
			`tasks[0].depends_on[0]: depends on "T7", which is not a task in this backlog; add that task or remove the dependency`,
		},
	}, {
		name: "in-memory fields the schema would catch",
		b:    &Backlog{SchemaVersion: 2, Tasks: []Task{{ID: "T1", Title: "", Priority: 9, Status: "later", UpdatedAt: "noon"}}},
		want: []string{
			"schema_version: schema_version is 2; the only version is 1",
			"tasks[0].title: title is empty; say in a line what the task is",
			"tasks[0].priority: priority 9 is out of range; use 1 (highest) to 5 (lowest)",
			`tasks[0].status: status "later" is not one of todo, doing, blocked, done`,
			`tasks[0].updated_at: timestamp "noon" is not RFC 3339`,
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := problemMessages(t, tt.b.Validate())
			if len(got) != len(tt.want) {
				t.Fatalf("got %d problems, want %d:\n%s", len(got), len(tt.want), strings.Join(got, "\n"))
			}
			for i := range got {
				if !strings.HasPrefix(got[i], tt.want[i]) {
					t.Errorf("problem %d:\n got %s\nwant %s", i, got[i], tt.want[i])
				}
			}
		})
	}
}

// TestValidateCycleDeterministic shuffles the tasks and their dependency
// lists: the reported cycle must not change.
func TestValidateCycleDeterministic(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(3, 4))
	base := []Task{dep("T1", "T2", "T5"), dep("T2", "T3"), dep("T3", "T1", "T4"), dep("T4", "T2"), dep("T5", "T6"), dep("T6", "T5"), dep("T7", "T1")}
	var want string
	for range 200 {
		tasks := make([]Task, len(base))
		for i, tk := range base {
			tk.DependsOn = append([]string(nil), tk.DependsOn...)
			r.Shuffle(len(tk.DependsOn), func(i, j int) { tk.DependsOn[i], tk.DependsOn[j] = tk.DependsOn[j], tk.DependsOn[i] })
			tasks[i] = tk
		}
		r.Shuffle(len(tasks), func(i, j int) { tasks[i], tasks[j] = tasks[j], tasks[i] })
		var msgs []string
		for _, p := range problemMessages(t, backlogOf(tasks...).Validate()) {
			msgs = append(msgs, p[strings.Index(p, ": ")+2:]) // drop the task index, which moves
		}
		got := strings.Join(msgs, "\n")
		if want == "" {
			want = got
			if !strings.Contains(got, "T1 -> T2 -> T3 -> T1") || !strings.Contains(got, "T5 -> T6 -> T5") {
				t.Fatalf("unexpected cycles:\n%s", got)
			}
		}
		if got != want {
			t.Fatalf("cycle report changed with task order:\n%s\nvs\n%s", got, want)
		}
	}
}

// TestValidateLongChain makes sure a deep dependency chain does not recurse.
func TestValidateLongChain(t *testing.T) {
	t.Parallel()
	const n = 100000
	tasks := make([]Task, n)
	for i := range tasks {
		tasks[i] = Task{ID: "T" + strconv.Itoa(i), Title: "t", Priority: 1, Status: StatusTodo}
		if i > 0 {
			tasks[i].DependsOn = []string{"T" + strconv.Itoa(i-1)}
		}
	}
	tasks[0].DependsOn = []string{"T" + strconv.Itoa(n-1)}
	got := problemMessages(t, (&Backlog{SchemaVersion: 1, Tasks: tasks}).Validate())
	if len(got) != 1 || !strings.Contains(got[0], "dependency cycle T0 -> T99999 -> T99998") {
		t.Fatalf("problems: %.300s", strings.Join(got, "\n"))
	}
}
