package agent

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"sync"
	"time"
)

// Preflight defaults.
const (
	// DefaultVersionTimeout bounds one agent's --version. A CLI that cannot
	// say its version in this time will not run a task either.
	DefaultVersionTimeout = 10 * time.Second
	// DefaultPreflightParallel is how many agents are checked at once.
	DefaultPreflightParallel = 4
)

// Preflight checks, before a run moves any task, that each agent it will
// use can run at all: the Spec is valid, the binary resolves, and a claude
// or codex CLI answers --version. A problem of the agent found here stops
// the run with the fix, instead of turning every task it would have run
// into "blocked". The zero value uses the defaults.
type Preflight struct {
	// Timeout bounds each --version; 0 means DefaultVersionTimeout.
	Timeout time.Duration
	// Parallel is how many agents are checked at once; 0 means
	// DefaultPreflightParallel.
	Parallel int
	// Dir is the working directory of the --version probes; empty means
	// looper's own.
	Dir string
}

// Check is what preflight found out about one agent.
type Check struct {
	// Spec is the agent as checked, with its defaults filled in and, when
	// its version was read, Version set: the runner should be given this.
	Spec Spec
	// Path is the executable Spec.Binary resolved to; empty when it did not.
	Path string
	// Banner is the first line the CLI printed for --version.
	Banner string
	// Version is the version number read from Banner; empty when unknown
	// (generic agents are not asked).
	Version string
	// Tested is the version the conformance suite ran for this dialect;
	// empty for generic agents.
	Tested string
	// Err says why the agent cannot be used; nil when it can.
	Err error
	// Fix says what to do about Err.
	Fix string
	// Warning is a problem that does not stop the agent, such as a version
	// outside the tested range; empty when there is none.
	Warning string
}

// Run checks every spec, a bounded number at once, and returns one Check
// per spec in the same order. It returns when every probe has ended; a
// cancelled ctx ends them at once.
func (p Preflight) Run(ctx context.Context, specs []Spec) []Check {
	parallel := p.Parallel
	if parallel <= 0 {
		parallel = DefaultPreflightParallel
	}
	checks := make([]Check, len(specs))
	sem := make(chan struct{}, parallel)
	var wg sync.WaitGroup
	for i, s := range specs {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			checks[i] = p.check(ctx, s)
		})
	}
	wg.Wait()
	return checks
}

// check examines one agent.
func (p Preflight) check(ctx context.Context, spec Spec) Check {
	r := spec.resolved()
	c := Check{Spec: spec}
	if err := spec.Validate(); err != nil {
		c.Err = err
		c.Fix = fmt.Sprintf("correct [agents.%s] as the message says (looper config shows where each value is set)", r.Name)
		return c
	}
	path, err := exec.LookPath(r.Binary)
	if err != nil {
		var ee *exec.Error
		switch {
		case errors.Is(err, exec.ErrNotFound):
			c.Err = fmt.Errorf("%q not found in PATH: %w", r.Binary, exec.ErrNotFound)
		case errors.As(err, &ee):
			c.Err = fmt.Errorf("%q: %w", r.Binary, ee.Err)
		default:
			c.Err = err // a *fs.PathError names the file
		}
		c.Fix = installFix(r)
		return c
	}
	c.Path = path
	tested, ok := testedVersion(r.Dialect)
	if !ok {
		return c // a generic command may have no --version
	}
	c.Tested = tested.String()
	timeout := p.Timeout
	if timeout <= 0 {
		timeout = DefaultVersionTimeout
	}
	banner, err := Probe(ctx, timeout, r.Env, p.Dir, path, "--version")
	if err != nil {
		c.Err = fmt.Errorf("%s --version failed: %w", path, err)
		c.Fix = fmt.Sprintf("run %s --version yourself to see why; reinstall it (%s), or point %s at a working one",
			path, installCommand(r.Dialect), binarySetting(r))
		return c
	}
	c.Banner = banner
	v, ok := ParseVersion(banner)
	if !ok {
		c.Warning = fmt.Sprintf("%s --version printed no version number (%q); looper was tested with %s %s",
			r.Name, banner, packageName(r.Dialect), c.Tested)
		return c
	}
	c.Version = v.String()
	c.Spec.Version = c.Version
	if !inTestedRange(v, tested) {
		c.Warning = fmt.Sprintf("%s %s is outside the range looper was tested with (%d.%d.x; the conformance suite ran %s); if its output is misread, install %s@%s",
			r.Name, c.Version, tested.Major, tested.Minor, c.Tested, packageName(r.Dialect), c.Tested)
	}
	return c
}

// packageName is the npm package of a dialect's CLI.
func packageName(d Dialect) string {
	switch d {
	case DialectClaude:
		return "@anthropic-ai/claude-code"
	case DialectCodex:
		return "@openai/codex"
	}
	return ""
}

// installCommand is how to install a dialect's CLI.
func installCommand(d Dialect) string {
	if pkg := packageName(d); pkg != "" {
		return "npm install -g " + pkg
	}
	return "see the agent's documentation"
}

// binarySetting names the settings that choose an agent's binary.
func binarySetting(s Spec) string {
	switch {
	case s.Dialect == DialectClaude && s.Name == "claude":
		return "CLAUDE_BIN, --claude-bin or [agents.claude] binary"
	case s.Dialect == DialectCodex && s.Name == "codex":
		return "CODEX_BIN, --codex-bin or [agents.codex] binary"
	}
	return fmt.Sprintf("[agents.%s] binary", s.Name)
}

// installFix says how to make a missing agent binary available.
func installFix(s Spec) string {
	switch s.Dialect {
	case DialectClaude:
		return fmt.Sprintf("install Claude Code (%s), or set %s to its path", installCommand(s.Dialect), binarySetting(s))
	case DialectCodex:
		return fmt.Sprintf("install the Codex CLI (%s), or set %s to its path", installCommand(s.Dialect), binarySetting(s))
	}
	return fmt.Sprintf("set %s to the path of an executable", binarySetting(s))
}
