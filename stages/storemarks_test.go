package stages

import (
	"os"
	"testing"
	"testing/synctest"
	"time"

	"github.com/looper-go/looper/todo"
)

// openTestStore opens a store on path, closed when the test ends (a
// second Close is harmless).
func openTestStore(t *testing.T, path string) *Store {
	t.Helper()
	s, err := OpenStore(path, StoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// statusOnDisk loads the backlog file and returns id's status there.
func statusOnDisk(t *testing.T, path, id string) todo.Status {
	t.Helper()
	b, err := todo.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return b.Task(id).Status
}

// TestDoingMarksRideOnTheNextSave: dispatches save nothing themselves; the
// next save (a batch of outcomes) carries them, so a run saves once per
// batch rather than once more per task. Readers of the store see the marks
// at once.
func TestDoingMarksRideOnTheNextSave(t *testing.T) {
	path := writeBacklog(t, t.TempDir(), task{id: "T1"}, task{id: "T2"}, task{id: "T3"})
	s := openTestStore(t, path)
	for _, id := range []string{"T1", "T2"} {
		if prev, err := s.MarkDoing(id); err != nil || prev != todo.StatusTodo {
			t.Fatalf("MarkDoing(%s) = %s, %v", id, prev, err)
		}
	}
	if s.Saves() != 0 || statusOnDisk(t, path, "T1") != todo.StatusTodo {
		t.Fatalf("two dispatches saved %d time(s) before any outcome", s.Saves())
	}
	if b, err := s.Snapshot(); err != nil || b.Task("T2").Status != todo.StatusDoing {
		t.Fatalf("a snapshot does not show the pending mark: %v", err)
	}
	if err := s.Apply([]string{"T1"}, func(b *todo.Backlog) error { return b.SetStatus("T1", todo.StatusDone, s.now()) }); err != nil {
		t.Fatal(err)
	}
	if s.Saves() != 1 || statusOnDisk(t, path, "T1") != todo.StatusDone || statusOnDisk(t, path, "T2") != todo.StatusDoing {
		t.Fatalf("after one outcome: %d saves, T1 %s, T2 %s; want 1 save, T1 done, T2 doing",
			s.Saves(), statusOnDisk(t, path, "T1"), statusOnDisk(t, path, "T2"))
	}
}

// TestADoingMarkIsSavedWithinTheDelay: a mark with no save to ride on is
// saved on its own DoingMarkDelay after the dispatch, not before.
func TestADoingMarkIsSavedWithinTheDelay(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		path := writeBacklog(t, t.TempDir(), task{id: "T1"})
		s := openTestStore(t, path)
		if _, err := s.MarkDoing("T1"); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		if s.Saves() != 0 {
			t.Fatalf("saved at once")
		}
		time.Sleep(DoingMarkDelay)
		synctest.Wait()
		if s.Saves() != 1 || statusOnDisk(t, path, "T1") != todo.StatusDoing {
			t.Fatalf("%s after the dispatch: %d saves, T1 %s on disk; want 1 save, doing", DoingMarkDelay, s.Saves(), statusOnDisk(t, path, "T1"))
		}
	})
}

// TestAnEditOvertakesAPendingMark: an agent that sets its task done before
// the mark is saved wins; the mark does not put the task back to doing.
func TestAnEditOvertakesAPendingMark(t *testing.T) {
	dir := t.TempDir()
	path := writeBacklog(t, dir, task{id: "T1"}, task{id: "T2"})
	s := openTestStore(t, path)
	if _, err := s.MarkDoing("T1"); err != nil {
		t.Fatal(err)
	}
	writeBacklog(t, dir, task{id: "T1", status: todo.StatusDone}, task{id: "T2"})
	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}
	if st := statusOnDisk(t, path, "T1"); st != todo.StatusDone {
		t.Fatalf("T1 is %s on disk, want the agent's done", st)
	}
}

// TestRestoringPendingMarksSavesNothing: Ctrl-C before any mark was saved
// leaves the file as it was, untouched.
func TestRestoringPendingMarksSavesNothing(t *testing.T) {
	path := writeBacklog(t, t.TempDir(), task{id: "T1"}, task{id: "T2"})
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := openTestStore(t, path)
	for _, id := range []string{"T1", "T2"} {
		if _, err := s.MarkDoing(id); err != nil {
			t.Fatal(err)
		}
	}
	if ids, err := s.RestoreInFlight(); err != nil || len(ids) != 2 {
		t.Fatalf("RestoreInFlight = %v, %v", ids, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	after, _ := os.ReadFile(path)
	if s.Saves() != 0 || string(after) != string(before) {
		t.Fatalf("%d saves; the file changed:\n%s", s.Saves(), after)
	}
}

// TestCloseSavesPendingMarks: every way out of a run closes the store,
// which saves the marks still in memory.
func TestCloseSavesPendingMarks(t *testing.T) {
	path := writeBacklog(t, t.TempDir(), task{id: "T1"})
	s := openTestStore(t, path)
	if _, err := s.MarkDoing("T1"); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if st := statusOnDisk(t, path, "T1"); st != todo.StatusDoing {
		t.Fatalf("T1 is %s on disk after Close, want doing", st)
	}
}
