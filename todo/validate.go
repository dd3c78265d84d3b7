package todo

import (
	"slices"
	"strconv"
	"strings"
)

// Validate runs the checks upstream lacks, on a backlog however it was
// built, and returns a *ValidationError listing every problem (nil when
// there is none):
//
//   - schema_version is 1, every status is one of the four, priority 1-5,
//     titles are not empty (so a backlog built in memory is held to the
//     schema's rules too);
//   - ids are safe as a file name component (see CheckID);
//   - ids are unique;
//   - every depends_on id names a task;
//   - there is no dependency cycle. Each cyclic group of tasks is reported
//     once, as its shortest cycle through its smallest id (by CompareIDs),
//     e.g. "T1 -> T2 -> T1", so the report is the same on every run.
func (b *Backlog) Validate() error {
	var problems []Problem
	if b.SchemaVersion != SchemaVersion {
		problems = append(problems, problemAt([]string{"schema_version"}, "schema_version is %d; the only version is %d", b.SchemaVersion, SchemaVersion))
	}
	first := make(map[string]int, len(b.Tasks)) // id → index of its first task
	for i, t := range b.Tasks {
		if err := CheckID(t.ID); err != nil {
			problems = append(problems, problemAt(taskPointer(i, "id"), "%v", err))
		}
		if j, dup := first[t.ID]; dup {
			problems = append(problems, problemAt(taskPointer(i, "id"), "duplicate id %q (also tasks[%d]); give each task its own id", t.ID, j))
		} else {
			first[t.ID] = i
		}
		if t.Title == "" {
			problems = append(problems, problemAt(taskPointer(i, "title"), "title is empty; say in a line what the task is"))
		}
		if t.Priority < 1 || t.Priority > 5 {
			problems = append(problems, problemAt(taskPointer(i, "priority"), "priority %d is out of range; use 1 (highest) to 5 (lowest)", t.Priority))
		}
		if !t.Status.Valid() {
			problems = append(problems, problemAt(taskPointer(i, "status"), "status %q is not one of todo, doing, blocked, done", t.Status))
		}
		for _, ts := range []struct {
			field string
			v     Timestamp
		}{{"created_at", t.CreatedAt}, {"updated_at", t.UpdatedAt}} {
			if _, err := ts.v.Time(); err != nil {
				problems = append(problems, problemAt(taskPointer(i, ts.field), "%v; write it like 2026-01-25T12:56:39Z", err))
			}
		}
	}
	for i, t := range b.Tasks {
		for j, dep := range t.DependsOn {
			if _, ok := first[dep]; !ok {
				problems = append(problems, problemAt(taskPointer(i, "depends_on", strconv.Itoa(j)),
					"depends on %q, which is not a task in this backlog; add that task or remove the dependency", dep))
			}
		}
	}
	for _, c := range b.cycles(first) {
		names := make([]string, len(c))
		for k, i := range c {
			names[k] = b.Tasks[i].ID
		}
		problems = append(problems, problemAt(taskPointer(c[0], "depends_on"),
			"dependency cycle %s -> %s; remove one of these dependencies", strings.Join(names, " -> "), names[0]))
	}
	if len(problems) == 0 {
		return nil
	}
	return &ValidationError{Problems: problems}
}

// cycles returns one cycle (as task indexes, without repeating the first)
// per strongly connected component of the depends_on graph that has one,
// ordered by each component's smallest id. Within a component the cycle is
// the shortest one through its smallest id, following dependencies in id
// order, so the answer does not depend on file order or map iteration.
func (b *Backlog) cycles(first map[string]int) [][]int {
	n := len(b.Tasks)
	// edges[i]: the tasks i depends on (first occurrence of each id), in id order.
	edges := make([][]int, n)
	for i, t := range b.Tasks {
		if first[t.ID] != i {
			continue // a duplicate; reported already, left out of the graph
		}
		for _, dep := range t.DependsOn {
			if j, ok := first[dep]; ok && !slices.Contains(edges[i], j) {
				edges[i] = append(edges[i], j)
			}
		}
		slices.SortFunc(edges[i], func(x, y int) int { return CompareIDs(b.Tasks[x].ID, b.Tasks[y].ID) })
	}
	comp := stronglyConnected(edges)
	members := map[int][]int{}
	for i, c := range comp {
		members[c] = append(members[c], i)
	}
	var out [][]int
	for _, ms := range members {
		if len(ms) == 1 && !slices.Contains(edges[ms[0]], ms[0]) {
			continue
		}
		start := slices.MinFunc(ms, func(x, y int) int { return CompareIDs(b.Tasks[x].ID, b.Tasks[y].ID) })
		out = append(out, shortestCycle(edges, comp, start))
	}
	slices.SortFunc(out, func(x, y []int) int { return CompareIDs(b.Tasks[x[0]].ID, b.Tasks[y[0]].ID) })
	return out
}

// stronglyConnected labels each node with its component (Tarjan's
// algorithm, iterative so a long dependency chain cannot exhaust the stack).
func stronglyConnected(edges [][]int) []int {
	n := len(edges)
	index := make([]int, n)
	low := make([]int, n)
	onStack := make([]bool, n)
	comp := make([]int, n)
	for i := range index {
		index[i] = -1
	}
	var stack []int
	next, ncomp := 0, 0
	type frame struct{ v, edge int }
	for root := range n {
		if index[root] >= 0 {
			continue
		}
		call := []frame{{root, 0}}
		index[root], low[root] = next, next
		next++
		stack = append(stack, root)
		onStack[root] = true
		for len(call) > 0 {
			f := &call[len(call)-1]
			if f.edge < len(edges[f.v]) {
				w := edges[f.v][f.edge]
				f.edge++
				if index[w] < 0 {
					index[w], low[w] = next, next
					next++
					stack = append(stack, w)
					onStack[w] = true
					call = append(call, frame{w, 0})
				} else if onStack[w] {
					low[f.v] = min(low[f.v], index[w])
				}
				continue
			}
			v := f.v
			call = call[:len(call)-1]
			if len(call) > 0 {
				p := call[len(call)-1].v
				low[p] = min(low[p], low[v])
			}
			if low[v] == index[v] {
				for {
					w := stack[len(stack)-1]
					stack = stack[:len(stack)-1]
					onStack[w] = false
					comp[w] = ncomp
					if w == v {
						break
					}
				}
				ncomp++
			}
		}
	}
	return comp
}

// shortestCycle finds the shortest path from start back to start inside
// start's component by breadth-first search, visiting edges in order.
func shortestCycle(edges [][]int, comp []int, start int) []int {
	prev := map[int]int{}
	queue := []int{start}
	for len(queue) > 0 {
		v := queue[0]
		queue = queue[1:]
		for _, w := range edges[v] {
			if comp[w] != comp[start] {
				continue
			}
			if w == start {
				path := []int{v}
				for v != start {
					v = prev[v]
					path = append(path, v)
				}
				slices.Reverse(path)
				return path
			}
			if _, seen := prev[w]; !seen {
				prev[w] = v
				queue = append(queue, w)
			}
		}
	}
	panic("todo: no cycle in a cyclic component")
}
