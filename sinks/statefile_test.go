package sinks

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

func readState(t *testing.T, path string) *RunStatus {
	t.Helper()
	st, err := ReadStatus(path)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// TestStateFile: the file exists as soon as the sink does, follows the
// events at most once per interval, and ends with the run's result.
func TestStateFile(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "r.state.json")
		queued := []QueuedTask{{TaskID: "T1", Ready: true}, {TaskID: "T2"}}
		var mu sync.Mutex
		s, err := NewStateFile(StateOptions{Path: path, Interval: time.Second, Queue: func() []QueuedTask {
			mu.Lock()
			defer mu.Unlock()
			return queued
		}})
		if err != nil {
			t.Fatal(err)
		}
		if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
			t.Fatalf("state file %v, %v: want it created 0600 at once", fi, err)
		}
		ch := make(chan Event)
		done := make(chan error)
		go func() { done <- s.Run(context.Background(), ch) }()
		synctest.Wait()
		if st := readState(t, path); st.State != StateRunning || len(st.Queue) != 2 || st.Counts.Queued != 2 {
			t.Fatalf("first snapshot %+v", st)
		}

		ch <- Event{Time: time.Now(), Kind: KindStatus, TaskID: "T1", Status: "doing", Title: "one"}
		ch <- Event{Time: time.Now(), Kind: KindText, TaskID: "T1", AgentID: "fake#1", Attempt: 1, Message: "hello"}
		synctest.Wait()
		if st := readState(t, path); len(st.RunningTasks) != 0 {
			t.Fatalf("rewritten before the interval: %+v", st.RunningTasks)
		}
		time.Sleep(time.Second)
		synctest.Wait()
		st := readState(t, path)
		if len(st.RunningTasks) != 1 || st.RunningTasks[0].Agents[0].LastLine != "hello" || len(st.Queue) != 1 || st.Queue[0].TaskID != "T2" {
			t.Fatalf("after the interval: running %+v queue %+v", st.RunningTasks, st.Queue)
		}

		ch <- Event{Time: time.Now(), Kind: KindOutcome, TaskID: "T1", Status: "done"}
		close(ch)
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		st = readState(t, path)
		if st.State != StateFinished || st.Result != "looper: 1 done, 0 blocked in 1s" || st.EndedAt.IsZero() || len(st.Queue) != 0 {
			t.Errorf("final snapshot %+v", st)
		}
	})
}

// TestStateFileInterrupted: a cancelled run is stopping while events
// still come, and interrupted at the end.
func TestStateFileInterrupted(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "r.state.json")
		s, err := NewStateFile(StateOptions{Path: path})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		ch := make(chan Event)
		done := make(chan error)
		go func() { done <- s.Run(ctx, ch) }()
		cancel()
		ch <- Event{Time: time.Now(), Kind: KindInfo, Message: "stopping"}
		time.Sleep(DefaultStateInterval)
		synctest.Wait()
		if st := readState(t, path); st.State != StateStopping {
			t.Errorf("state %q while winding down, want %q", st.State, StateStopping)
		}
		close(ch)
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if st := readState(t, path); st.State != StateInterrupted {
			t.Errorf("state %q at the end, want %q", st.State, StateInterrupted)
		}
	})
}

func TestStateFileErrors(t *testing.T) {
	if _, err := NewStateFile(StateOptions{}); err == nil {
		t.Error("a state file without a path was accepted")
	}
	if _, err := NewStateFile(StateOptions{Path: filepath.Join(t.TempDir(), "missing", "r.state.json")}); err == nil {
		t.Error("a state file in a missing directory was accepted")
	}
}
