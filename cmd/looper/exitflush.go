package main

import (
	"sync/atomic"
	"time"

	"github.com/looper-go/looper/stages"
)

// exitStore is the open session's backlog store, whose pending doing marks
// the second Ctrl-C saves before exiting: a task whose agent was running
// is then left doing in the file, as the next run expects, even when it
// was dispatched less than stages.DoingMarkDelay before.
var exitStore atomic.Pointer[stages.Store]

// exitFlushBound is how long the second Ctrl-C waits for that save. It is
// one write of the backlog; the bound only keeps "exit at once" true when
// the store is stuck (a tracker that does not answer).
const exitFlushBound = 2 * time.Second

// flushStoreOnExit is the second Ctrl-C's part for the backlog.
func flushStoreOnExit() {
	s := exitStore.Load()
	if s == nil {
		return
	}
	done := make(chan struct{})
	go func() {
		_ = s.Flush()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(exitFlushBound):
	}
}
