package stages

import (
	"fmt"
	"time"

	"github.com/looper-go/looper/todo"
)

// DoingMarkDelay is the longest a dispatched task's doing mark waits in
// memory for a save to carry it. Marks ride along with the next save of
// outcomes, so a busy run saves once per batch of outcomes instead of once
// more per dispatch; a mark with nothing to ride on is saved on its own
// after this delay, so the file shows running tasks as doing almost at
// once.
const DoingMarkDelay = 200 * time.Millisecond

// doingMark is a dispatch not saved yet: the task's status when it was
// dispatched and the time of the dispatch (its updated_at).
type doingMark struct {
	was todo.Status
	at  time.Time
}

// MarkDoing sets a dispatched task to doing and returns the status it had
// before this run first marked it (a retried task is already doing), which
// RestoreInFlight puts back if the task never reaches an outcome. The mark
// is saved with the next save, or on its own after DoingMarkDelay (see
// Flush); readers of the Store see it at once. A crash before the save
// leaves the task as it was, todo, and the next run takes it up again, as
// it does a task left doing.
func (s *Store) MarkDoing(id string) (prev todo.Status, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, err := s.view()
	if err != nil {
		return "", err
	}
	t := b.Task(id)
	if t == nil {
		return "", fmt.Errorf("task %s is no longer in %s", id, s.path)
	}
	if _, ok := s.prior[id]; !ok {
		s.prior[id] = t.Status
	}
	if t.Status != todo.StatusDoing && !s.readOnly {
		if s.marks == nil {
			s.marks = map[string]doingMark{}
		}
		s.marks[id] = doingMark{was: t.Status, at: s.now()}
		if s.flushTimer == nil {
			s.flushTimer = time.AfterFunc(DoingMarkDelay, s.flushMarks)
		}
	}
	return s.prior[id], nil
}

// view is read with the pending doing marks applied. A mark applies only
// while the task still has the status it was dispatched with: an edit made
// since (an agent that set its task done) wins. Called with mu held.
func (s *Store) view() (*todo.Backlog, error) {
	b, err := s.read()
	if err != nil {
		return nil, err
	}
	for id, m := range s.marks {
		if t := b.Task(id); t != nil && t.Status == m.was {
			if err := b.SetStatus(id, todo.StatusDoing, m.at); err != nil {
				return nil, err
			}
		}
	}
	return b, nil
}

// Flush saves the pending doing marks now. The run calls it (through
// Close) on every way out, so a mark is never left only in memory.
func (s *Store) Flush() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.flush()
}

// flush saves the pending marks, if any. Called with mu held.
func (s *Store) flush() error {
	if len(s.marks) == 0 {
		return nil
	}
	return s.update(func(*todo.Backlog) error { return nil })
}

// flushMarks is the timer's flush: a failure is a warning, and the marks
// stay pending for the next save.
func (s *Store) flushMarks() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.flushTimer = nil
	if err := s.flush(); err != nil {
		s.warn(fmt.Sprintf("could not save the doing marks of %d task(s) to %s: %v; the next save carries them", len(s.marks), s.path, err))
	}
}

// marksSaved drops the pending marks once a save carried them, and stops
// the timer. Called with mu held.
func (s *Store) marksSaved() {
	clear(s.marks)
	if s.flushTimer != nil {
		s.flushTimer.Stop()
		s.flushTimer = nil
	}
}
