package proc

import (
	"fmt"
	"slices"
	"sync"
	"syscall"
	"testing"
	"testing/synctest"
	"time"
)

// signalLog records the signals a Group sends, with their time.
type signalLog struct {
	mu   sync.Mutex
	sent []string
}

func (l *signalLog) send(start time.Time) func(int, syscall.Signal) error {
	return func(pgid int, sig syscall.Signal) error {
		l.mu.Lock()
		defer l.mu.Unlock()
		l.sent = append(l.sent, fmt.Sprintf("%v -%d %s", time.Since(start), pgid, sig))
		return nil
	}
}

func (l *signalLog) got() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.sent)
}

func TestTerminateEscalates(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var log signalLog
		g := newGroup(0, 10*time.Second)
		g.signal = log.send(time.Now())
		g.attach(4242)
		g.attach(1) // the first attach wins
		g.Terminate()
		g.Terminate() // exec calls Cancel once, but twice must not double the sequence
		time.Sleep(9 * time.Second)
		synctest.Wait()
		if got := log.got(); !slices.Equal(got, []string{"0s -4242 terminated"}) {
			t.Fatalf("before the grace period: %q", got)
		}
		time.Sleep(time.Second)
		synctest.Wait()
		if got := log.got(); !slices.Equal(got, []string{"0s -4242 terminated", "10s -4242 killed"}) {
			t.Fatalf("after the grace period: %q", got)
		}
		if !g.Terminated() {
			t.Error("Terminated = false")
		}
	})
}

func TestFinishStopsTheKill(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var log signalLog
		g := newGroup(77, time.Second)
		g.signal = log.send(time.Now())
		g.Terminate()
		g.finish() // the group exited on SIGTERM: its id may be reused now
		time.Sleep(time.Minute)
		synctest.Wait()
		if got := log.got(); !slices.Equal(got, []string{"0s -77 terminated"}) {
			t.Fatalf("signals after finish: %q", got)
		}
	})
}

func TestZeroGraceKillsAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var log signalLog
		g := newGroup(5, 0)
		g.signal = log.send(time.Now())
		g.Terminate()
		if got := log.got(); !slices.Equal(got, []string{"0s -5 killed"}) {
			t.Fatalf("signals = %q", got)
		}
	})
}

func TestKillGroupRefusesOwnGroup(t *testing.T) {
	t.Parallel()
	for _, pgid := range []int{0, -1} {
		if err := killGroup(pgid, 0); err == nil {
			t.Errorf("killGroup(%d) did not refuse", pgid)
		}
	}
}

func TestKillAllSignalsLiveGroups(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var log signalLog
		start := time.Now()
		a, b, done := newGroup(11, time.Second), newGroup(12, time.Second), newGroup(13, time.Second)
		for _, g := range []*Group{a, b, done} {
			g.signal = log.send(start)
			register(g)
			defer unregister(g)
		}
		done.finish()
		KillAll()
		got := log.got()
		slices.Sort(got)
		if !slices.Equal(got, []string{"0s -11 killed", "0s -12 killed"}) {
			t.Fatalf("signals = %q", got)
		}
		if !a.killedAll.Load() || !b.killedAll.Load() {
			t.Error("killedAll not recorded")
		}
	})
}
