package taskmaster

import (
	"time"

	"github.com/looper-go/looper/internal/jsonedit"
	"github.com/looper-go/looper/internal/jsonstr"
	"github.com/looper-go/looper/todo"
)

// Patch writes b's changes into data, the tasks.json as it is now: for each
// task of the file whose looper status differs, its status in Task
// Master's words (pending, in-progress, blocked, done); for each whose
// details differ, or that has blockers its details do not mention, its
// details (looper appends agent summaries there, and each blocker as a
// "Blocked: ..." paragraph). When anything changed and the tag has
// metadata.updated, that is stamped with now. Every other byte of data is
// kept; tasks of b that are not in the file (held ones, looper's
// PROJECT-DONE marker) are not written. data comes back unchanged when
// nothing differs.
func (f Format) Patch(data []byte, b *todo.Backlog, now time.Time) ([]byte, error) {
	tf, err := f.parse("tasks.json", data)
	if err != nil {
		return nil, err
	}
	out := data
	changed := false
	set := func(ptr []string, value []byte) error {
		next, err := jsonedit.Set(out, ptr, value)
		if err == nil {
			out, changed = next, true
		}
		return err
	}
	for i := range b.Tasks {
		t := &b.Tasks[i]
		e := tf.byID[t.ID]
		if e == nil || e.held {
			continue
		}
		if t.Status != e.task.Status && t.Status.Valid() {
			if err := set(at(e.pointer, "status"), jsonstr.Append(nil, statusName[t.Status])); err != nil {
				return nil, err
			}
		}
		if details := todo.WithBlockers(t.Details, t.Blockers); details != e.task.Details {
			if err := set(at(e.pointer, "details"), jsonstr.Append(nil, details)); err != nil {
				return nil, err
			}
		}
	}
	if changed && tf.base != nil {
		if _, ok := jsonedit.Find(out, at(tf.base, "metadata", "updated")); ok {
			if err := set(at(tf.base, "metadata", "updated"), jsonstr.Append(nil, now.UTC().Format(time.RFC3339Nano))); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}
