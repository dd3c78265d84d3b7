package sinks

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/sourcegraph/conc"

	"github.com/looper-go/looper/internal/atomicfile"
)

// DefaultStateInterval is how often at most a StateFile rewrites its file
// while events arrive, when StateOptions.Interval is not set.
const DefaultStateInterval = 500 * time.Millisecond

// StateOptions configures a StateFile.
type StateOptions struct {
	// Path is the state file, StatePath of the run log.
	Path string
	// State holds the run's header fields (RunID, PID, …); nil means an
	// empty one.
	State *RunState
	// Queue, when not nil, returns the tasks still to run in the order
	// the run would pick them. It is called from the sink's goroutine
	// before each write, so it must be safe to call while the run goes.
	Queue func() []QueuedTask
	// Interval bounds how often the file is rewritten; 0 or less means
	// DefaultStateInterval.
	Interval time.Duration
	// Now tells the time; nil means time.Now.
	Now func() time.Time
}

// NewStateFile returns a sink that keeps a run's RunStatus in the file at
// o.Path, for `looper status` and `looper watch` in another terminal. It
// creates the file (0600, like the run log: it holds agent output) at
// once, rewrites it at most every Interval while events arrive, each time
// atomically (a reader sees the old snapshot or the new, never half of
// one), and writes the final snapshot, with the run's result line, when
// the stream ends. The writes happen on a goroutine of their own with the
// newest snapshot replacing one not yet written, so a slow disk never
// holds up the events. Run returns the first error writing the file.
func NewStateFile(o StateOptions) (Sink, error) {
	if o.Path == "" {
		return nil, fmt.Errorf("sinks: the state file has no path")
	}
	if o.State == nil {
		o.State = NewRunState()
	}
	if o.Interval <= 0 {
		o.Interval = DefaultStateInterval
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	f, err := os.OpenFile(o.Path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, fmt.Errorf("cannot create the run state file: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("cannot create the run state file: %w", err)
	}
	return &stateFile{o: o}, nil
}

type stateFile struct{ o StateOptions }

func (s *stateFile) Run(ctx context.Context, events <-chan Event) error {
	st := s.o.State
	if st.Start.IsZero() {
		st.Start = s.o.Now()
	}
	writes := make(chan *RunStatus, 1)
	var writer conc.WaitGroup
	var werr error
	writer.Go(func() {
		for snap := range writes {
			if err := writeStatus(s.o.Path, snap); err != nil && werr == nil {
				werr = err
			}
		}
	})
	push := func(ended bool) {
		var queue []QueuedTask
		if s.o.Queue != nil && !ended {
			queue = s.o.Queue()
		}
		snap := st.Snapshot(s.o.Now(), queue, ended, ctx.Err() != nil)
		for { // the newest snapshot replaces one the writer has not taken
			select {
			case writes <- snap:
				return
			default:
			}
			select {
			case <-writes:
			default:
			}
		}
	}
	push(false)
	var timer *time.Timer
	var due <-chan time.Time
	for {
		select {
		case e, ok := <-events:
			if !ok {
				if timer != nil {
					timer.Stop()
				}
				push(true)
				close(writes)
				writer.Wait()
				return werr
			}
			st.Observe(e)
			if due == nil {
				timer = time.NewTimer(s.o.Interval)
				due = timer.C
			}
		case <-due:
			timer, due = nil, nil
			push(false)
		}
	}
}

// writeStatus replaces the state file with snap, atomically.
func writeStatus(path string, snap *RunStatus) error {
	b, err := json.MarshalIndent(snap, "", "  ")
	if err != nil {
		return fmt.Errorf("cannot encode the run state: %w", err)
	}
	if err := atomicfile.Write(path, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("cannot write the run state file: %w", err)
	}
	return nil
}
