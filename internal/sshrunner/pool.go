package sshrunner

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/looper-go/looper/internal/runner"
)

// Runner runs attempts on a pool of ssh hosts. It implements
// runner.Runner; one Runner serves every attempt of a run.
type Runner struct {
	// Hosts are the machines, in the order they are preferred.
	Hosts []Host
	// SSH is the ssh client executable; "" means "ssh" in PATH.
	SSH string
	// Avoid is how long a host that could not be reached is passed over
	// while another host has a free slot; 0 means a minute.
	Avoid time.Duration

	once  sync.Once
	conns []*conn
	mu    sync.Mutex
	used  []int       // slots in use, per host
	down  []time.Time // when each host failed last
	freed chan struct{}
}

// Name is the runner's kind.
func (r *Runner) Name() string { return "ssh" }

// Validate checks the hosts.
func (r *Runner) Validate() error {
	if len(r.Hosts) == 0 {
		return errors.New("runners.ssh: no host is configured")
	}
	for _, h := range r.Hosts {
		if err := h.Validate(); err != nil {
			return err
		}
	}
	return nil
}

func (r *Runner) init() {
	r.once.Do(func() {
		r.used = make([]int, len(r.Hosts))
		r.down = make([]time.Time, len(r.Hosts))
		r.freed = make(chan struct{})
		for _, h := range r.Hosts {
			c := &conn{ssh: r.ssh(), host: h}
			// Without a private directory for the control socket every
			// command makes its own connection, which still works.
			if dir, err := os.MkdirTemp("", "looper-ssh-"); err == nil {
				c.dir = dir
			}
			r.conns = append(r.conns, c)
		}
	})
}

func (r *Runner) ssh() string {
	if r.SSH == "" {
		return "ssh"
	}
	return r.SSH
}

func (r *Runner) avoid() time.Duration {
	if r.Avoid <= 0 {
		return time.Minute
	}
	return r.Avoid
}

// acquire waits for a free slot, preferring hosts that have not failed
// lately, then the least loaded, then the first; tried lists hosts this
// attempt already failed to reach, which it does not take again.
func (r *Runner) acquire(ctx context.Context, tried map[int]bool) (int, error) {
	r.init()
	for {
		r.mu.Lock()
		best := -1
		now := time.Now()
		for i, h := range r.Hosts {
			if tried[i] || r.used[i] >= h.slots() {
				continue
			}
			if best < 0 || r.better(i, best, now) {
				best = i
			}
		}
		if best >= 0 {
			r.used[best]++
			r.mu.Unlock()
			return best, nil
		}
		if len(tried) == len(r.Hosts) {
			r.mu.Unlock()
			return -1, errors.New("no host could be reached")
		}
		freed := r.freed
		r.mu.Unlock()
		select {
		case <-freed:
		case <-ctx.Done():
			return -1, context.Cause(ctx)
		}
	}
}

// better reports whether host i is a better choice than host j (r.mu held).
func (r *Runner) better(i, j int, now time.Time) bool {
	di, dj := now.Sub(r.down[i]) < r.avoid(), now.Sub(r.down[j]) < r.avoid()
	if di != dj {
		return !di
	}
	return float64(r.used[i])/float64(r.Hosts[i].slots()) < float64(r.used[j])/float64(r.Hosts[j].slots())
}

// release gives a slot back; failed marks the host as unreachable.
func (r *Runner) release(i int, failed bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.used[i]--
	if failed {
		r.down[i] = time.Now()
	}
	close(r.freed)
	r.freed = make(chan struct{})
}

// Start takes a slot on a host, makes the attempt's tree there from the
// commit checked out in c.Dir and starts the agent in it. A host that
// cannot be reached is passed over for the next; the error says the place
// was lost (runner.LostError) only when no host could be reached.
func (r *Runner) Start(ctx context.Context, c runner.Command) (runner.Process, error) {
	if err := r.Validate(); err != nil {
		return nil, err
	}
	base, err := readBase(ctx, c.Dir)
	if err != nil {
		return nil, err
	}
	tried := map[int]bool{}
	var failures []string
	for {
		i, err := r.acquire(ctx, tried)
		if err != nil {
			if len(failures) > 0 {
				return nil, &runner.LostError{Reason: strings.Join(failures, "; ")}
			}
			return nil, err
		}
		h := r.Hosts[i]
		s, err := start(ctx, r.conns[i], base, c, func(failed bool) { r.release(i, failed) })
		if err == nil {
			return s, nil
		}
		var unreachable *unreachableError
		if !errors.As(err, &unreachable) || ctx.Err() != nil {
			return nil, err
		}
		tried[i] = true
		failures = append(failures, fmt.Sprintf("%s: %v", h.Name(), unreachable.err))
	}
}

// Close ends the master connections to the hosts. Attempts still running
// lose their sessions.
func (r *Runner) Close() {
	r.init()
	for _, c := range r.conns {
		c.close()
	}
}

// unreachableError is a failure to reach a host (ssh exited 255 before
// the remote command ran), as opposed to the remote command failing.
type unreachableError struct{ err error }

func (e *unreachableError) Error() string { return e.err.Error() }
