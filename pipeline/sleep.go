package pipeline

import (
	"context"
	"time"
)

// Sleep waits d, or less if ctx is done first, and then returns ctx's
// cause. A stage that waits (for a rate limit to lift, between passes)
// uses it so that cancelling the run ends the wait at once, as Send does
// for a full channel. A d of zero or less returns at once, with ctx's
// cause if it is already done.
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return context.Cause(ctx)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}
