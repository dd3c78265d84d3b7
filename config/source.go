package config

import (
	"fmt"
	"strings"
)

// SourceKind says which layer set a value. Later kinds win over earlier ones
// in the order listed, except SourceDerived, which fills a value no layer set
// from another one.
type SourceKind int

// The layers, lowest first.
const (
	SourceDefault      SourceKind = iota // built-in default
	SourceUserFile                       // ~/.looper/looper.toml or the XDG config dir
	SourceProjectFile                    // .looper/looper.toml, looper.toml or .looper.toml
	SourceEnv                            // an environment variable
	SourceExplicitFile                   // the file named by --config
	SourceFlag                           // a command-line flag
	SourceDerived                        // computed from another key (see Source.Name)
)

var sourceKindNames = [...]string{"default", "user file", "project file", "env", "--config file", "flag", "derived"}

// String names the layer the way `looper config` prints it.
func (k SourceKind) String() string {
	if k < 0 || int(k) >= len(sourceKindNames) {
		return fmt.Sprintf("SourceKind(%d)", int(k))
	}
	return sourceKindNames[k]
}

// Source is where an effective value came from: the layer, and within it the
// file and line, the environment variable or the flag.
type Source struct {
	Kind SourceKind
	Name string // file path, variable name, "--flag", or the key a derived value came from
	Line int    // line in the file, for file layers
}

// String renders the source for people: "default", "project file
// looper.toml:3", "env LOOPER_PARALLEL", "flag --parallel".
func (s Source) String() string {
	switch s.Kind {
	case SourceDefault:
		return "default"
	case SourceUserFile, SourceProjectFile, SourceExplicitFile:
		return s.Kind.String() + " " + s.Where()
	case SourceDerived:
		return "derived from " + s.Name
	default:
		return s.Kind.String() + " " + s.Name
	}
}

// Where is the location part alone: "file:line" for files, the variable or
// flag name otherwise. Error messages start with it.
func (s Source) Where() string {
	switch s.Kind {
	case SourceUserFile, SourceProjectFile, SourceExplicitFile:
		if s.Line > 0 {
			return fmt.Sprintf("%s:%d", s.Name, s.Line)
		}
		return s.Name
	case SourceDefault:
		return "default"
	default:
		return s.Kind.String() + " " + s.Name
	}
}

// File is one config file looper looked for.
type File struct {
	Path   string     // as looked up (absolute for the user file, cwd-relative for project files)
	Kind   SourceKind // SourceUserFile, SourceProjectFile or SourceExplicitFile
	Loaded bool       // false when the file does not exist
}

// Warning is something in a config file that looper accepts but does not
// act on, such as an upstream key that upstream itself no longer reads.
type Warning struct {
	Source  Source // file and line
	Key     string // dotted key
	Message string // what is ignored and what to write instead
}

func (w Warning) String() string {
	return fmt.Sprintf("%s: %s: %s", w.Source.Where(), w.Key, w.Message)
}

// Problem is one reason a configuration is rejected.
type Problem struct {
	Source  Source // where the offending value was set
	Key     string // dotted key, or "" for whole-file problems
	Message string // what is wrong and how to fix it
}

func (p Problem) String() string {
	if p.Key == "" {
		return p.Source.Where() + ": " + p.Message
	}
	return fmt.Sprintf("%s: %s: %s", p.Source.Where(), p.Key, p.Message)
}

// Error is a rejected configuration: every problem found, so that one run
// of looper shows them all.
type Error struct {
	Problems []Problem
}

func (e *Error) Error() string {
	if len(e.Problems) == 1 {
		return "config: " + e.Problems[0].String()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "config: %d problems:", len(e.Problems))
	for _, p := range e.Problems {
		b.WriteString("\n  ")
		b.WriteString(p.String())
	}
	return b.String()
}
