package sandbox

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/looper-go/looper/internal/agent"
)

// Mode says whether agents are sandboxed; it is [sandbox] mode.
type Mode string

// The modes.
const (
	// ModeAuto sandboxes an agent that runs with its CLI's permission
	// checks switched off, when bwrap works here; otherwise it runs
	// unsandboxed and the run says so once.
	ModeAuto Mode = "auto"
	// ModeBwrap sandboxes every agent and refuses to run where bwrap does
	// not work: the user asked for containment and must not silently lose
	// it.
	ModeBwrap Mode = "bwrap"
	// ModeOff runs every agent as a plain local process.
	ModeOff Mode = "off"
)

// Network says what network a sandboxed agent gets; it is [sandbox]
// network, or [agents.<name>] network for one agent.
type Network string

// The networks.
const (
	// NetworkHost shares the host's network: agents need their model API.
	NetworkHost Network = "host"
	// NetworkNone gives the agent a network namespace of its own with only
	// a loopback interface: no connection leaves the sandbox, not even to
	// the host's 127.0.0.1.
	NetworkNone Network = "none"
)

// Policy is a run's sandbox configuration and the facts of the run it
// needs: which project is the user's checkout, where HOME and the backlog
// are. One Policy serves every attempt of a run, concurrently.
type Policy struct {
	// Mode is the [sandbox] mode; empty means ModeAuto.
	Mode Mode
	// Network is the default network; empty means NetworkHost.
	Network Network
	// AgentNetwork overrides Network per agent name.
	AgentNetwork map[string]Network
	// ReadOnly and ReadWrite are the extra paths of [sandbox] read_only
	// and read_write: "~/" is HOME, a relative path is relative to Project.
	// Paths that do not exist are skipped.
	ReadOnly, ReadWrite []string
	// Project is the user's checkout (the project root); it is read-only
	// unless it is the attempt's own working directory (in-place mode).
	Project string
	// Backlog is the backlog file. An in-place attempt (one not in a linked
	// git worktree) may write the directory holding it, as upstream's
	// agents edit the backlog; a worktree attempt may not (only looper's
	// merge stage writes it).
	Backlog string
	// Home is the user's HOME; empty means $HOME.
	Home string
	// Bwrap is the bwrap executable; empty means "bwrap" looked up in PATH.
	Bwrap string

	probeOnce sync.Once
	probe     Availability
}

// Availability is what the probe found out about bwrap on this machine.
type Availability struct {
	// Path is bwrap's resolved path ("" when it is not installed).
	Path string
	// Version is what `bwrap --version` printed.
	Version string
	// Err says why bwrap cannot be used here; nil when it works.
	Err error
	// Fix is what the user can do about Err.
	Fix string
}

// Available probes bwrap once per Policy: it must be installed and able to
// create the namespaces a sandbox uses. Later calls return the first
// answer.
func (p *Policy) Available() Availability {
	p.probeOnce.Do(func() { p.probe = probe(p.Bwrap) })
	return p.probe
}

func (p *Policy) mode() Mode {
	if p.Mode == "" {
		return ModeAuto
	}
	return p.Mode
}

// NetworkFor is the network the named agent gets.
func (p *Policy) NetworkFor(name string) Network {
	if n := p.AgentNetwork[name]; n != "" {
		return n
	}
	if p.Network == "" {
		return NetworkHost
	}
	return p.Network
}

// Decision is whether one agent is sandboxed and why, in words a user
// reads in `looper doctor` and in the run's output.
type Decision struct {
	// Sandboxed is true when the agent runs under bwrap.
	Sandboxed bool
	// Reason explains the decision.
	Reason string
	// Err is set when the agent must not run at all: the mode is bwrap and
	// bwrap does not work here.
	Err error
}

// Decide says whether an agent started with argv is sandboxed. In auto
// mode only agents that run with their permission checks switched off are
// (claude with --dangerously-skip-permissions or bypassPermissions, codex
// with --dangerously-bypass-approvals-and-sandbox or danger-full-access):
// codex in its own workspace-write sandbox already runs under its bundled
// bwrap, which would have to nest inside ours.
func (p *Policy) Decide(argv []string) Decision {
	switch p.mode() {
	case ModeOff:
		return Decision{Reason: "sandbox mode is off"}
	case ModeBwrap:
		if av := p.Available(); av.Err != nil {
			return Decision{Reason: av.Err.Error(), Err: fmt.Errorf("[sandbox] mode = \"bwrap\" but %v; fix: %s, or set [sandbox] mode = \"auto\" or \"off\"", av.Err, av.Fix)}
		}
		return Decision{Sandboxed: true, Reason: "sandbox mode is bwrap"}
	}
	flag := skipsPermissions(argv)
	if flag == "" {
		return Decision{Reason: "it keeps its own permission checks (no skip-permissions flag)"}
	}
	if av := p.Available(); av.Err != nil {
		return Decision{Reason: "it runs with " + flag + " but " + av.Err.Error()}
	}
	return Decision{Sandboxed: true, Reason: "it runs with " + flag}
}

// Notice is the one message a run prints when auto mode wanted to
// sandbox an agent in agents and could not: which agents run unconfined,
// why, and the fix. It is "" when there is nothing to say.
func (p *Policy) Notice(agents map[string][]string) string {
	if p.mode() != ModeAuto {
		return ""
	}
	var names []string
	for name, argv := range agents {
		if skipsPermissions(argv) != "" {
			names = append(names, name)
		}
	}
	av := p.Available()
	if len(names) == 0 || av.Err == nil {
		return ""
	}
	slices.Sort(names)
	return fmt.Sprintf("agents run without a sandbox (%s): %v; fix: %s, or set [sandbox] mode = \"off\" to silence this",
		strings.Join(names, ", "), av.Err, av.Fix)
}

// Confine is the agent runner's hook (agent.Confiner): it returns c
// unchanged when the agent is not sandboxed, else c with its argv
// wrapped in bwrap for the attempt's paths.
func (p *Policy) Confine(c agent.Command) (agent.Command, error) {
	d := p.Decide(c.Argv)
	if d.Err != nil {
		return c, d.Err
	}
	if !d.Sandboxed {
		return c, nil
	}
	for _, f := range c.Writes {
		// A bind needs its source: create the file the agent will write.
		fh, err := os.OpenFile(f, os.O_WRONLY|os.O_CREATE, 0o600)
		if err != nil {
			return c, fmt.Errorf("sandbox: %w", err)
		}
		fh.Close()
	}
	plan, err := p.Plan(Attempt{Agent: c.Agent, Dir: c.Dir, Writes: c.Writes, Argv: c.Argv, Env: c.Env})
	if err != nil {
		return c, err
	}
	av := p.Available()
	c.Argv = append(append([]string{av.Path}, plan.Args()...), c.Argv...)
	c.Env = append(slices.Clone(c.Env), "TMPDIR=/tmp")
	c.Note = "in a bwrap sandbox, network " + string(plan.Network)
	c.SpareLeader = true // bwrap does not forward SIGTERM; it would end the sandbox at once
	return c, nil
}

// home is HOME with symbolic links resolved.
func (p *Policy) home() string {
	h := p.Home
	if h == "" {
		h, _ = os.UserHomeDir()
	}
	return realPath(h)
}

// expand resolves a configured extra path: "~" and "~/x" against HOME, a
// relative path against the project.
func (p *Policy) expand(path string) (string, error) {
	switch {
	case path == "~":
		path = p.home()
	case strings.HasPrefix(path, "~/"):
		path = filepath.Join(p.home(), path[2:])
	case strings.HasPrefix(path, "~"):
		return "", errors.New("sandbox path " + path + ": only ~/ (the user's own HOME) is expanded")
	case !filepath.IsAbs(path):
		path = filepath.Join(p.Project, path)
	}
	return realPath(path), nil
}

// realPath is path with symbolic links resolved, so a bind lands where the
// agent will look; a path that does not exist is returned cleaned.
func realPath(path string) string {
	if path == "" {
		return ""
	}
	if r, err := filepath.EvalSymlinks(path); err == nil {
		path = r
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return filepath.Clean(path)
	}
	return abs
}
