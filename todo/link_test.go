package todo

import (
	"slices"
	"strings"
	"testing"
)

// TestLink: holding spreads along dependencies (through a chain, whatever
// the order of the tasks), each dependency is kept once, and Validate's
// problems come back on the task they are about.
func TestLink(t *testing.T) {
	tasks := []Task{{ID: "C", Title: "c", Status: StatusTodo, Priority: 1}, {ID: "B", Title: "b", Status: StatusTodo, Priority: 1}, {ID: "A", Title: "a", Status: StatusTodo, Priority: 1}, {ID: "D", Title: "d", Status: StatusTodo, Priority: 1}}
	held := []bool{false, false, true, false}
	deps := [][]string{{"B", "B"}, {"A"}, nil, nil}
	linked := make([]Linked, len(tasks))
	for i := range tasks {
		linked[i] = Linked{Task: &tasks[i], Deps: deps[i], Held: &held[i]}
	}
	if p := Link(linked); len(p) != 0 {
		t.Fatalf("problems %+v", p)
	}
	if !slices.Equal(held, []bool{true, true, true, false}) {
		t.Errorf("held %v: C waits on B, which waits on the held A", held)
	}
	if !slices.Equal(tasks[0].DependsOn, []string{"B"}) {
		t.Errorf("C depends on %v, want [B] once", tasks[0].DependsOn)
	}

	tasks = []Task{{ID: "X", Title: "x", Status: StatusTodo, Priority: 1}, {ID: "Y", Title: "y", Status: StatusTodo, Priority: 1}}
	held = []bool{false, false}
	linked = []Linked{{Task: &tasks[0], Deps: []string{"Y"}, Held: &held[0]}, {Task: &tasks[1], Deps: []string{"X"}, Held: &held[1]}}
	p := Link(linked)
	if len(p) == 0 {
		t.Fatal("a cycle passed")
	}
	for _, pr := range p {
		if pr.Index < 0 || pr.Index > 1 || !strings.Contains(pr.Message, "cycle") {
			t.Errorf("problem %+v, want a cycle on X or Y", pr)
		}
	}
}
