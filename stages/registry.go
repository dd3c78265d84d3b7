package stages

import "github.com/looper-go/looper/pipeline"

// DefaultStages is the pipeline of one pass of looper run, in order; the
// registry's "review" stage runs after the passes (Loop.Review).
var DefaultStages = []string{"select", "execute", "vote", "merge", "sink"}

// Registry returns every stage of the run loop, built on settings and
// services, for `looper pipe --stages` and for looper run itself: select,
// execute (fan-out by task, each task through the agents fan-out), agents
// (the fan-out by agent alone, one task at a time), vote, merge, sink and
// review. Every stage hands its values on through an unbuffered channel: a
// task is never queued ahead of the stage that will work on it. The one
// exception is vote, whose decisions queue (up to mergeBatch) while merge
// lands the ones before: merge takes whatever has queued as one batch, so
// tasks that finish while a merge runs land together, with one move of the
// main tree, instead of one after another. Each queued decision is a task
// still in flight, holding its slot, so the queue is bounded by max_tasks.
//
// The stages keep no run state, so any number of registries may be built
// on the same Settings and Services, and their stages run by any number of
// Loops one after another.
func Registry(settings Settings, services Services) *pipeline.Registry {
	var r pipeline.Registry
	r.Add(pipeline.Link(Select(settings, services), 0))
	r.Add(pipeline.Link(Execute(settings, services), 0))
	r.Add(pipeline.Link(Agents(settings, services), 0))
	r.Add(pipeline.Link(Vote(settings, services), mergeBatch))
	r.Add(pipeline.Link(Merge(settings, services), 0))
	r.Add(pipeline.Link(Sink(settings, services), 0))
	r.Add(pipeline.Link(Review(settings, services), 0))
	return &r
}
