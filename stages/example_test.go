package stages_test

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/looper-go/looper/pipeline"
	"github.com/looper-go/looper/stages"
)

// dropSlow drops attempts that took longer than limit before the vote: a
// custom stage between execute and vote, as README.md shows.
func dropSlow(limit time.Duration) pipeline.Stage[stages.Ballot, stages.Ballot] {
	return pipeline.Func("drop-slow", func(ctx context.Context, in <-chan stages.Ballot, out chan<- stages.Ballot) error {
		for b := range in {
			b.Attempts = slices.DeleteFunc(b.Attempts, func(a stages.Attempt) bool { return a.Result.Duration > limit })
			if err := pipeline.Send(ctx, out, b); err != nil {
				return err
			}
		}
		return nil
	})
}

// A custom stage joins the registry and is checked against its neighbours
// before anything runs.
func ExampleRegistry() {
	// In looper run, both are built from the configuration (FromConfig).
	var settings stages.Settings
	var services stages.Services
	reg := stages.Registry(settings, services).Add(pipeline.Link(dropSlow(20*time.Minute), 0))
	fmt.Println(reg.Names())

	nodes, _ := reg.Lookup("select", "execute", "drop-slow", "vote", "merge", "sink")
	_, err := stages.Compose(nodes...)
	fmt.Println("fits:", err == nil)

	nodes, _ = reg.Lookup("select", "drop-slow", "vote")
	_, err = stages.Compose(nodes...)
	fmt.Println(err)

	nodes, _ = reg.Lookup("select", "execute", "vote", "merge")
	_, err = stages.Compose(nodes...)
	fmt.Println(err)
	// Output:
	// [select execute agents vote merge sink review drop-slow]
	// fits: true
	// stage "drop-slow" consumes stages.Ballot, but "select" produces stages.Job
	// the last stage "merge" produces stages.Outcome, which does not end a pass: nothing would report its tasks back to select (end a pipeline with merge in sink, or earlier in execute, agents or vote)
}
