package sinks

import (
	"slices"
	"time"

	"github.com/looper-go/looper/internal/jsonstr"
)

// lineGroups gathers the agent output lines the run log writes together:
// consecutive stdout lines of one attempt, printed within the same second,
// in one record with a "lines" array instead of one record each. A
// record's envelope (time, level, type, task, agent, attempt, iteration,
// stage, format) is about 180 bytes, a fifth of a typical stream-json
// line; written once per group it is lost in the noise, which keeps the
// log close to the size of what the agents printed (issue 17). A group is
// written before any other event of its attempt, so the log keeps each
// attempt's order, and with every batch the run log writes, so a follower
// sees lines as soon as it did before.
type lineGroups struct {
	groups map[groupKey]*lineGroup
	order  []groupKey // first line's arrival order
	bytes  int        // encoded bytes held
	// spare is a written group's lines buffer, kept for the next group:
	// a group grows to tens of KiB between flushes, and growing a new
	// buffer each time cost more than the run log's own encoding.
	spare []byte
	// last is the group a line joined last, and lastKey its key: the
	// next line is nearly always of the same attempt, and comparing keys
	// costs less than hashing one.
	last    *lineGroup
	lastKey groupKey
}

// maxSpare is the largest lines buffer kept for reuse, so one huge line
// does not pin its buffer for the rest of the run.
const maxSpare = 4 * flushBytes

type groupKey struct {
	task, agent, stage, format string
	attempt, iteration         int
}

type lineGroup struct {
	head  Event  // the first line's event: the record's envelope
	lines []byte // the encoded elements of "lines", comma separated
}

func keyOf(e *Event) groupKey {
	return groupKey{e.TaskID, e.AgentID, e.Stage, e.Format, e.Attempt, e.Iteration}
}

// groupable reports whether e is an agent's stdout line that Tail can
// derive events from again, the only events grouped.
func groupable(e *Event) bool { return e.Kind == KindRaw && e.Format != "" }

// add takes the line e into its attempt's group, or returns false when it
// cannot join the group (another second) and the group must be written
// first.
func (g *lineGroups) add(e *Event) bool {
	k := keyOf(e)
	grp := g.last
	if grp == nil || k != g.lastKey {
		grp = g.groups[k]
	}
	if grp != nil && !sameSecond(grp.head.Time, e.Time) {
		return false
	}
	if grp == nil {
		if g.groups == nil {
			g.groups = map[groupKey]*lineGroup{}
		}
		grp = &lineGroup{head: *e, lines: g.spare}
		g.spare = nil
		grp.head.Raw, grp.head.RawJSON = "", false
		g.groups[k] = grp
		g.order = append(g.order, k)
	} else {
		grp.lines = append(grp.lines, ',')
	}
	g.last, g.lastKey = grp, k
	n := len(grp.lines)
	if e.RawJSON {
		grp.lines = append(grp.lines, e.Raw...)
	} else {
		grp.lines = jsonstr.Append(grp.lines, e.Raw)
	}
	g.bytes += len(grp.lines) - n + 1
	return true
}

func sameSecond(a, b time.Time) bool { return a.Unix() == b.Unix() }

// take removes the group of e's attempt (any format), if any, for the
// caller to write; nil if there is none.
func (g *lineGroups) take(e *Event) []*lineGroup {
	var out []*lineGroup
	for i := 0; i < len(g.order); i++ {
		k := g.order[i]
		if k.task == e.TaskID && k.agent == e.AgentID && k.stage == e.Stage && k.attempt == e.Attempt && k.iteration == e.Iteration {
			out = append(out, g.remove(i))
			i--
		}
	}
	return out
}

// all removes every group, oldest first.
func (g *lineGroups) all() []*lineGroup {
	var out []*lineGroup
	for len(g.order) > 0 {
		out = append(out, g.remove(0))
	}
	return out
}

// recycle keeps the lines buffer of grp, which the caller has written,
// for the next group.
func (g *lineGroups) recycle(grp *lineGroup) {
	if cap(grp.lines) <= maxSpare && cap(grp.lines) > cap(g.spare) {
		g.spare = grp.lines[:0]
	}
	grp.lines = nil
}

func (g *lineGroups) remove(i int) *lineGroup {
	k := g.order[i]
	grp := g.groups[k]
	if grp == g.last {
		g.last = nil
	}
	delete(g.groups, k)
	g.order = slices.Delete(g.order, i, i+1)
	g.bytes -= len(grp.lines) + 1
	return grp
}

// appendGroup appends grp as one record: its first line's envelope and
// the "lines" array. ok is false if the envelope cannot be encoded (see
// appendEvent).
func appendGroup(dst []byte, grp *lineGroup) ([]byte, bool) {
	grp.head.Time = grp.head.Time.UTC()
	b, ok := appendEvent(dst, &grp.head)
	if !ok {
		return dst, false
	}
	b = b[:len(b)-2] // "}\n"
	b = append(b, `,"lines":[`...)
	b = append(b, grp.lines...)
	return append(b, "]}\n"...), true
}
