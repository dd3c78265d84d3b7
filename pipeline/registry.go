package pipeline

import (
	"fmt"
	"strings"
)

// Registry is a set of Nodes known by name, in registration order, from
// which a command line such as --stages select,execute,vote picks a chain.
// Build a registry from its dependencies (rather than filling a package
// global in init) so tests can build one with fakes.
//
// The zero value is an empty registry ready for Add. Add must not run
// concurrently with other methods; once built, a Registry may be read from
// any number of goroutines.
type Registry struct {
	names []string
	nodes map[string]Node
}

// Add registers n under its name and returns r, so registrations chain. It
// panics if n is nil or its name is already registered, since both are
// programming errors.
func (r *Registry) Add(n Node) *Registry {
	if n == nil {
		panic("pipeline: Registry.Add got a nil Node")
	}
	name := n.Name()
	if _, dup := r.nodes[name]; dup {
		panic(fmt.Sprintf("pipeline: stage %q registered twice", name))
	}
	if r.nodes == nil {
		r.nodes = make(map[string]Node)
	}
	r.nodes[name] = n
	r.names = append(r.names, name)
	return r
}

// Names returns the registered names in registration order, for help text
// and flag validation (kong's enum). The slice is a copy.
func (r *Registry) Names() []string {
	return append([]string(nil), r.names...)
}

// Lookup returns the nodes registered under names, in the order given, ready
// for Build. A name may appear more than once. If any name is unknown, Lookup
// returns an error naming every unknown name and listing the known ones, for
// example `unknown stage "vot" (known stages: select, execute, vote, merge)`.
func (r *Registry) Lookup(names ...string) ([]Node, error) {
	nodes := make([]Node, 0, len(names))
	var unknown []string
	for _, name := range names {
		n, ok := r.nodes[name]
		if !ok {
			unknown = append(unknown, fmt.Sprintf("%q", name))
			continue
		}
		nodes = append(nodes, n)
	}
	if len(unknown) == 0 {
		return nodes, nil
	}
	what := "unknown stage"
	if len(unknown) > 1 {
		what = "unknown stages"
	}
	known := "no stages are registered"
	if len(r.names) > 0 {
		known = "known stages: " + strings.Join(r.names, ", ")
	}
	return nil, fmt.Errorf("%s %s (%s)", what, strings.Join(unknown, ", "), known)
}
