package stages

import "github.com/looper-go/looper/pipeline"

// DefaultStages is the pipeline of looper run, in order.
var DefaultStages = []string{"select", "execute", "vote", "merge"}

// Registry returns the named stages of the run loop, built on d, for
// `looper pipe --stages` and for looper run itself. Every stage hands its
// values on through an unbuffered channel: a task is never queued ahead of
// the stage that will work on it.
func Registry(d *Deps) *pipeline.Registry {
	var r pipeline.Registry
	r.Add(pipeline.Link(Select(d), 0))
	r.Add(pipeline.Link(Execute(d), 0))
	r.Add(pipeline.Link(Vote(d), 0))
	r.Add(pipeline.Link(Merge(d), 0))
	return &r
}
