package todo

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestCloneIsDeep: a clone shares nothing the caller can change with the
// original, an append to one of its lists leaves the neighbouring lists
// alone, and empty and missing lists stay as they were.
func TestCloneIsDeep(t *testing.T) {
	t.Parallel()
	b := largeBacklog(50)
	b.Tasks[0].Tags = []string{}
	b.Tasks[1].Tags = nil
	before := b.Clone()
	c := b.Clone()
	if diff := cmp.Diff(b, c); diff != "" {
		t.Fatalf("clone differs (-orig +clone):\n%s", diff)
	}
	if c.Tasks[0].Tags == nil || c.Tasks[1].Tags != nil {
		t.Fatalf("empty and nil lists changed: %#v %#v", c.Tasks[0].Tags, c.Tasks[1].Tags)
	}
	for i := range c.Tasks {
		ct := &c.Tasks[i]
		for _, list := range []*[]string{&ct.Steps, &ct.Blockers, &ct.Tags, &ct.Files, &ct.DependsOn} {
			if len(*list) > 0 {
				(*list)[0] = "changed"
			}
			*list = append(*list, "appended")
		}
		ct.Title = "changed"
	}
	if diff := cmp.Diff(before, b); diff != "" {
		t.Fatalf("changing the clone changed the original (-before +after):\n%s", diff)
	}
	for i := range c.Tasks {
		ct := c.Tasks[i]
		for _, list := range [][]string{ct.Steps, ct.Blockers, ct.Tags, ct.Files, ct.DependsOn} {
			if list[len(list)-1] != "appended" || (len(list) > 1 && list[0] != "changed") {
				t.Fatalf("task %d: a list was overwritten by its neighbour's append: %q", i, list)
			}
		}
	}
}

func BenchmarkClone(b *testing.B) {
	bl := largeBacklog(10000)
	for b.Loop() {
		bl.Clone()
	}
}
