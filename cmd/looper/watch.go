package main

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/looper-go/looper/config"
	"github.com/looper-go/looper/internal/watch"
	"github.com/looper-go/looper/sinks"
)

// watchCmd is `looper watch`: a full-screen live view of this project's run.
type watchCmd struct{}

func (watchCmd) Help() string {
	return `Shows the run going on in this project, redrawn twice a second from the state file
looper status reads: one row per running attempt (task, agent, attempt, elapsed time,
tokens so far, last line of output), the queue, and the recent decisions. Started before
a run, it waits for one; after the run it shows the result. q, Esc or Ctrl-C quits the
view and leaves the run alone. It needs a terminal: looper status --json serves scripts.`
}

func (c *watchCmd) Run(ctx context.Context, cfg *config.Config, stdout io.Writer) error {
	if !sinks.Terminal(stdout) {
		return errors.New("looper watch draws a full-screen view and needs a terminal; looper status (or status --json) answers without one")
	}
	dir, err := projectLogDir(ctx, cfg)
	if err != nil {
		return err
	}
	return watch.Run(ctx, watch.Options{
		Load: func() (*sinks.RunStatus, error) { return readRunStatus(dir, time.Now()) },
		Out:  stdout,
	})
}
