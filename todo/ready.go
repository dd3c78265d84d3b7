package todo

import (
	"fmt"
	"slices"
)

// Strategy decides which ready task a ReadySet offers first when several
// can run at once.
type Strategy string

// The strategies. All of them take tasks in tiers first, as upstream does:
// doing (interrupted work), then todo, then blocked (a retry). Within a tier:
const (
	// StrategyPriority is upstream's order: priority, then id (and, in the
	// doing tier, id alone). With one task at a time it picks exactly what
	// Select picks.
	StrategyPriority Strategy = "priority"
	// StrategyDependency starts the task heading the longest chain of
	// not-done tasks that wait on it (the critical path), then priority,
	// then id, so long chains start early and parallel slots stay busy.
	StrategyDependency Strategy = "dependency"
	// StrategyMixed keeps priority bands (all priority-1 tasks before any
	// priority-2 task) and uses the dependency chain within a band, then id.
	StrategyMixed Strategy = "mixed"
)

// Strategies names the strategies, for flag enums and config validation.
func Strategies() []string {
	return []string{string(StrategyPriority), string(StrategyDependency), string(StrategyMixed)}
}

// ParseStrategy returns the strategy named s; "" is StrategyPriority, the
// default. An unknown name is an error that lists the valid ones.
func ParseStrategy(s string) (Strategy, error) {
	switch Strategy(s) {
	case "":
		return StrategyPriority, nil
	case StrategyPriority, StrategyDependency, StrategyMixed:
		return Strategy(s), nil
	}
	return "", fmt.Errorf("unknown strategy %q; use one of priority, dependency, mixed", s)
}

// ReadySet is the set of tasks that can start now: not done, every
// dependency done. It is built once from a backlog and then kept up to date
// incrementally: when a task completes, only the tasks that depend on it are
// looked at (O(dependants · log n)), never the whole backlog. It is the
// scheduler's view of the backlog in parallel mode; with StrategyPriority and
// one task at a time it follows Select exactly.
//
// A task moves from waiting (dependencies not done) to ready, then to in
// flight (returned by Next), then back to ready (completed as todo or
// doing), to done (its dependants may become ready) or out of the set
// (completed as blocked: not offered again in this run, and neither are its
// dependants). Tasks done in the backlog, tasks with a dependency that is not
// in the backlog, and later tasks with a duplicate id are never offered.
//
// A ReadySet is not safe for concurrent use; it belongs to the one goroutine
// that schedules.
type ReadySet struct {
	strategy  Strategy
	tasks     []Task           // the backlog's tasks as of NewReadySet
	index     map[string]int32 // id → first task with it
	dependant [][]int32        // i → tasks waiting on i
	waiting   []int32          // i → dependencies not done yet
	missing   []bool           // i has a dependency that is not in the backlog
	chain     []int32          // i → longest chain of not-done tasks waiting on i
	rank      []int32          // i → position in CompareIDs order
	tier      []uint8          // i → tierDoing, tierTodo or tierBlocked while ready
	state     []uint8
	heap      []int32 // ready tasks, a binary min-heap by r.less
	inFlight  int
	skip      func(id string) bool
}

const (
	stateWaiting uint8 = iota
	stateReady
	stateInFlight
	stateDone
	stateOut // blocked, skipped, a duplicate, or done before the set was built
)

// NewReadySet builds the ready set of b. skip, when not nil, names ids never
// to offer (say, tasks that already ended blocked earlier in this run); it is
// asked when a task would become ready. The set copies what it needs, so b
// may change afterwards. An unknown strategy is a programmer error and
// panics; "" means StrategyPriority.
func NewReadySet(b *Backlog, s Strategy, skip func(id string) bool) *ReadySet {
	if s == "" {
		s = StrategyPriority
	}
	if _, err := ParseStrategy(string(s)); err != nil {
		panic("todo: " + err.Error())
	}
	n := len(b.Tasks)
	r := &ReadySet{
		strategy:  s,
		tasks:     slices.Clone(b.Tasks),
		index:     make(map[string]int32, n),
		dependant: make([][]int32, n),
		waiting:   make([]int32, n),
		missing:   make([]bool, n),
		chain:     make([]int32, n),
		rank:      make([]int32, n),
		tier:      make([]uint8, n),
		state:     make([]uint8, n),
		skip:      skip,
	}
	for i, t := range r.tasks {
		if _, dup := r.index[t.ID]; dup {
			r.state[i] = stateOut
			continue
		}
		r.index[t.ID] = int32(i)
	}
	for i, t := range r.tasks {
		if r.state[i] == stateOut {
			continue
		}
		if t.Status == StatusDone || tierOf(t.Status) == tierNone {
			r.state[i] = stateOut
			if t.Status == StatusDone {
				r.state[i] = stateDone
			}
			continue
		}
		for _, d := range t.DependsOn {
			j, ok := r.index[d]
			switch {
			case !ok:
				r.missing[i] = true
			case r.tasks[j].Status != StatusDone:
				r.waiting[i]++
				r.dependant[j] = append(r.dependant[j], int32(i))
			}
		}
	}
	r.computeChains()
	order := make([]int32, 0, n)
	for i := range r.tasks {
		order = append(order, int32(i))
	}
	slices.SortFunc(order, func(a, b int32) int { return CompareIDs(r.tasks[a].ID, r.tasks[b].ID) })
	for k, i := range order {
		r.rank[i] = int32(k)
	}
	for i := range r.tasks {
		if r.state[i] == stateWaiting {
			r.maybeReady(int32(i), tierOf(r.tasks[i].Status))
		}
	}
	return r
}

// computeChains sets chain[i] to the length of the longest path of
// dependants from i, by a memoised depth-first search (iterative, so a long
// chain cannot overflow the stack). Edges that close a cycle are ignored;
// Validate reports cycles, and tasks on one are never ready anyway.
func (r *ReadySet) computeChains() {
	const (
		unvisited = iota
		visiting
		visited
	)
	mark := make([]uint8, len(r.tasks))
	type frame struct{ v, edge int32 }
	var stack []frame
	for root := range r.tasks {
		if mark[root] != unvisited {
			continue
		}
		stack = append(stack[:0], frame{int32(root), 0})
		mark[root] = visiting
		for len(stack) > 0 {
			f := &stack[len(stack)-1]
			if int(f.edge) < len(r.dependant[f.v]) {
				w := r.dependant[f.v][f.edge]
				f.edge++
				switch mark[w] {
				case unvisited:
					mark[w] = visiting
					stack = append(stack, frame{w, 0})
				case visited:
					r.chain[f.v] = max(r.chain[f.v], r.chain[w]+1)
				}
				continue
			}
			v := f.v
			mark[v] = visited
			stack = stack[:len(stack)-1]
			if len(stack) > 0 {
				p := stack[len(stack)-1].v
				r.chain[p] = max(r.chain[p], r.chain[v]+1)
			}
		}
	}
}

// maybeReady makes a waiting task ready if nothing holds it back.
func (r *ReadySet) maybeReady(i int32, tier int) {
	if r.waiting[i] > 0 || r.missing[i] {
		return
	}
	if r.skip != nil && r.skip(r.tasks[i].ID) {
		r.state[i] = stateOut
		return
	}
	r.state[i] = stateReady
	r.tier[i] = uint8(tier)
	r.push(i)
}

// Next removes the best ready task by the strategy and returns it; it is in
// flight until Complete. The task is a copy as of NewReadySet (its status is
// the backlog's, not "doing"). ok is false when no task is ready, which
// may be only for now while tasks are in flight.
func (r *ReadySet) Next() (t Task, ok bool) {
	if len(r.heap) == 0 {
		return Task{}, false
	}
	i := r.pop()
	r.state[i] = stateInFlight
	r.inFlight++
	return r.tasks[i].Clone(), true
}

// Complete reports how an in-flight task ended:
//
//   - StatusDone: it is done; tasks waiting only on it become ready.
//   - StatusTodo or StatusDoing: it is offered again (in that tier), e.g.
//     after an interrupted or retried attempt.
//   - StatusBlocked: it is not offered again in this run.
//
// Completing an id that is not in flight is a programmer error and panics.
func (r *ReadySet) Complete(id string, st Status) {
	i, ok := r.index[id]
	if !ok || r.state[i] != stateInFlight {
		panic(fmt.Sprintf("todo: ReadySet.Complete(%q): the task is not in flight", id))
	}
	r.inFlight--
	switch st {
	case StatusDone:
		r.state[i] = stateDone
		for _, d := range r.dependant[i] {
			r.waiting[d]--
			if r.state[d] == stateWaiting {
				r.maybeReady(d, tierOf(r.tasks[d].Status))
			}
		}
	case StatusTodo, StatusDoing:
		r.state[i] = stateReady
		r.tier[i] = uint8(tierOf(st))
		r.push(i)
	case StatusBlocked:
		r.state[i] = stateOut
	default:
		panic(fmt.Sprintf("todo: ReadySet.Complete(%q, %q): not a status", id, st))
	}
}

// Len is the number of ready tasks (not counting those in flight).
func (r *ReadySet) Len() int { return len(r.heap) }

// InFlight is the number of tasks returned by Next and not yet completed.
func (r *ReadySet) InFlight() int { return r.inFlight }

// Order returns the ids of the ready tasks in the order Next would return
// them if nothing completed in between.
func (r *ReadySet) Order() []string {
	idx := slices.Clone(r.heap)
	slices.SortFunc(idx, func(a, b int32) int {
		switch {
		case r.less(a, b):
			return -1
		case r.less(b, a):
			return 1
		}
		return 0
	})
	ids := make([]string, len(idx))
	for k, i := range idx {
		ids[k] = r.tasks[i].ID
	}
	return ids
}

// Chain returns the length of the longest chain of not-done tasks waiting
// on the task with the given id (0 when none wait on it, when it was done
// before the set was built, or when the id is unknown): the measure
// StrategyDependency ranks by.
func (r *ReadySet) Chain(id string) int {
	if i, ok := r.index[id]; ok {
		return int(r.chain[i])
	}
	return 0
}

// less orders ready tasks: tier, then the strategy's keys, then id.
func (r *ReadySet) less(a, b int32) bool {
	if r.tier[a] != r.tier[b] {
		return r.tier[a] < r.tier[b]
	}
	ta, tb := &r.tasks[a], &r.tasks[b]
	switch r.strategy {
	case StrategyPriority:
		if r.tier[a] != tierDoing && ta.Priority != tb.Priority {
			return ta.Priority < tb.Priority
		}
	case StrategyDependency:
		if r.chain[a] != r.chain[b] {
			return r.chain[a] > r.chain[b]
		}
		if ta.Priority != tb.Priority {
			return ta.Priority < tb.Priority
		}
	case StrategyMixed:
		if ta.Priority != tb.Priority {
			return ta.Priority < tb.Priority
		}
		if r.chain[a] != r.chain[b] {
			return r.chain[a] > r.chain[b]
		}
	}
	return r.rank[a] < r.rank[b]
}

func (r *ReadySet) push(i int32) {
	r.heap = append(r.heap, i)
	k := len(r.heap) - 1
	for k > 0 {
		p := (k - 1) / 2
		if !r.less(r.heap[k], r.heap[p]) {
			break
		}
		r.heap[k], r.heap[p] = r.heap[p], r.heap[k]
		k = p
	}
}

func (r *ReadySet) pop() int32 {
	h := r.heap
	top := h[0]
	last := len(h) - 1
	h[0] = h[last]
	h = h[:last]
	k := 0
	for {
		c := 2*k + 1
		if c >= len(h) {
			break
		}
		if c+1 < len(h) && r.less(h[c+1], h[c]) {
			c++
		}
		if !r.less(h[c], h[k]) {
			break
		}
		h[k], h[c] = h[c], h[k]
		k = c
	}
	r.heap = h
	return top
}
