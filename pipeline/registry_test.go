package pipeline_test

import (
	"slices"
	"testing"

	"github.com/looper-go/looper/pipeline"
)

func TestRegistry(t *testing.T) {
	t.Parallel()
	var r pipeline.Registry // the zero value is ready
	if names := r.Names(); len(names) != 0 {
		t.Fatalf("empty registry Names = %v", names)
	}
	if _, err := r.Lookup("select"); err == nil || err.Error() != `unknown stage "select" (no stages are registered)` {
		t.Fatalf("Lookup on an empty registry = %v", err)
	}

	sel, exe, vote := pipeline.Link(selectStage, 0), pipeline.Link(executeStage, 0), pipeline.Link(voteStage, 0)
	if r.Add(sel).Add(exe).Add(vote) != &r {
		t.Fatal("Add does not return its receiver")
	}
	names := r.Names()
	if want := []string{"select", "execute", "vote"}; !slices.Equal(names, want) {
		t.Fatalf("Names = %v, want registration order %v", names, want)
	}
	names[0] = "changed"
	if r.Names()[0] != "select" {
		t.Fatal("Names returned the registry's own slice")
	}

	nodes, err := r.Lookup("select", "execute", "vote")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(nodes, []pipeline.Node{sel, exe, vote}) {
		t.Fatal("Lookup returned other nodes")
	}
	if _, err := pipeline.Build[tick](nodes...); err != nil {
		t.Fatalf("Build of looked-up nodes: %v", err)
	}
	if nodes, err := r.Lookup("vote", "vote"); err != nil || !slices.Equal(nodes, []pipeline.Node{vote, vote}) {
		t.Fatalf("Lookup of a repeated name = %v, %v", nodes, err)
	}
	if nodes, err := r.Lookup(); err != nil || len(nodes) != 0 {
		t.Fatalf("Lookup() = %v, %v", nodes, err)
	}
}

func TestRegistryLookupErrors(t *testing.T) {
	t.Parallel()
	r := new(pipeline.Registry).Add(pipeline.Link(selectStage, 0)).Add(pipeline.Link(executeStage, 0)).Add(pipeline.Link(voteStage, 0))
	tests := []struct {
		names []string
		want  string
	}{
		{[]string{"vot"}, `unknown stage "vot" (known stages: select, execute, vote)`},
		{[]string{"select", "merge", "vote", ""}, `unknown stages "merge", "" (known stages: select, execute, vote)`},
		{[]string{"Select"}, `unknown stage "Select" (known stages: select, execute, vote)`},
	}
	for _, tt := range tests {
		nodes, err := r.Lookup(tt.names...)
		if err == nil || err.Error() != tt.want {
			t.Errorf("Lookup(%q) error = %v, want %q", tt.names, err, tt.want)
		}
		if nodes != nil {
			t.Errorf("Lookup(%q) returned nodes with its error", tt.names)
		}
	}
}

func TestRegistryPanicsOnMisuse(t *testing.T) {
	t.Parallel()
	r := new(pipeline.Registry).Add(pipeline.Link(selectStage, 0))
	if got := mustPanic(t, func() { r.Add(pipeline.Link(selectStage, 1)) }); got != `pipeline: stage "select" registered twice` {
		t.Fatalf("panic = %v", got)
	}
	if got := mustPanic(t, func() { r.Add(nil) }); got != "pipeline: Registry.Add got a nil Node" {
		t.Fatalf("panic = %v", got)
	}
}
