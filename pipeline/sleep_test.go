package pipeline_test

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/looper-go/looper/pipeline"
)

func TestSleep(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		if err := pipeline.Sleep(context.Background(), time.Minute); err != nil {
			t.Fatal(err)
		}
		if got := time.Since(start); got != time.Minute {
			t.Errorf("slept %v, want 1m", got)
		}

		stop := errors.New("stop")
		ctx, cancel := context.WithCancelCause(context.Background())
		go func() {
			time.Sleep(time.Second)
			cancel(stop)
		}()
		start = time.Now()
		if err := pipeline.Sleep(ctx, time.Hour); !errors.Is(err, stop) {
			t.Errorf("cancelled sleep returned %v, want the cause", err)
		}
		if got := time.Since(start); got != time.Second {
			t.Errorf("cancelled sleep lasted %v, want 1s", got)
		}
		if err := pipeline.Sleep(ctx, 0); !errors.Is(err, stop) {
			t.Errorf("zero sleep on a done context returned %v", err)
		}
		if err := pipeline.Sleep(context.Background(), -time.Second); err != nil {
			t.Errorf("negative sleep returned %v", err)
		}
	})
}
