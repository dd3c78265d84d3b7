package todo

// Select picks the next task exactly as upstream's sequential loop does:
//
//  1. among doing tasks whose dependencies are done, the lowest id
//     (priority is ignored: an interrupted task is resumed first);
//  2. else among todo tasks whose dependencies are done, the lowest priority
//     number, then the lowest id;
//  3. else the same among blocked tasks (upstream retries them indefinitely);
//  4. else nil: nothing can run, which is when the review pass starts.
//
// A dependency is done when a task with that id exists and has status done;
// a missing id is never done. Ids compare with CompareIDs. The result points
// into b.Tasks.
func (b *Backlog) Select() *Task {
	done := b.doneIDs()
	var best *Task
	bestTier := tierNone
	for i := range b.Tasks {
		t := &b.Tasks[i]
		tier := tierOf(t.Status)
		if tier == tierNone || tier > bestTier || !depsDone(t, done) {
			continue
		}
		if best == nil || tier < bestTier || upstreamLess(t, best, tier) {
			best, bestTier = t, tier
		}
	}
	return best
}

// upstreamLess orders two tasks of the same tier as Select does.
func upstreamLess(a, b *Task, tier int) bool {
	if tier != tierDoing && a.Priority != b.Priority {
		return a.Priority < b.Priority
	}
	return CompareIDs(a.ID, b.ID) < 0
}

// Selection tiers: lower runs first.
const (
	tierDoing = iota
	tierTodo
	tierBlocked
	tierNone // done, or not a status at all
)

func tierOf(s Status) int {
	switch s {
	case StatusDoing:
		return tierDoing
	case StatusTodo:
		return tierTodo
	case StatusBlocked:
		return tierBlocked
	}
	return tierNone
}

// doneIDs is the set of ids whose first task is done (Task returns the first
// task with an id, so a later duplicate does not count).
func (b *Backlog) doneIDs() map[string]bool {
	done := make(map[string]bool, len(b.Tasks))
	seen := make(map[string]bool, len(b.Tasks))
	for _, t := range b.Tasks {
		if seen[t.ID] {
			continue
		}
		seen[t.ID] = true
		if t.Status == StatusDone {
			done[t.ID] = true
		}
	}
	return done
}

func depsDone(t *Task, done map[string]bool) bool {
	for _, d := range t.DependsOn {
		if !done[d] {
			return false
		}
	}
	return true
}

// DependenciesDone reports whether every dependency of the task with the
// given id is done (false for an unknown id), the readiness test of Select.
func (b *Backlog) DependenciesDone(id string) bool {
	t := b.Task(id)
	if t == nil {
		return false
	}
	for _, d := range t.DependsOn {
		dt := b.Task(d)
		if dt == nil || dt.Status != StatusDone {
			return false
		}
	}
	return true
}
