package kube

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/looper-go/looper/internal/agent"
)

// The variables through which Confiner tells `looper kube-attempt` what
// the agent's command needs beyond its argv.
const (
	envPass   = "LOOPER_KUBE_PASS"   // names of the variables looper set for the agent
	envWrites = "LOOPER_KUBE_WRITES" // files the agent writes for looper, NUL separated
	envGrace  = "LOOPER_KUBE_GRACE"  // the agent's grace period
	envDir    = "LOOPER_KUBE_DIR"    // the attempt's worktree
)

// Confiner runs every attempt in a pod: it rewrites the agent's command to
// `looper kube-attempt -- <argv>` (Attempt), which internal/agent then runs
// as it would run the agent, process group, watchdogs and parsers alike.
type Confiner struct {
	// Config is what every attempt's pod is made from.
	Config Config
	// Looper is looper's own executable.
	Looper string
	// Base is the coordinator's environment: variables of the command
	// that are not in it, or differ, are what looper set for the agent
	// and are passed into the pod. nil is os.Environ().
	Base []string
	// Root is the project's own tree: a command that runs there (the
	// review, bootstrap and repair agents, an attempt in place) runs on
	// this machine through Local, since only an attempt's worktree can be
	// mirrored into a pod without touching the user's checkout.
	Root  string
	Local agent.Confiner
}

// Confine implements agent.Confiner.
func (k *Confiner) Confine(c agent.Command) (agent.Command, error) {
	if k.Root != "" && filepath.Clean(c.Dir) == filepath.Clean(k.Root) {
		if k.Local == nil {
			return c, nil
		}
		return k.Local.Confine(c)
	}
	if k.Looper == "" {
		return c, fmt.Errorf("kubernetes runner: looper's own executable is unknown")
	}
	base := k.Base
	if base == nil {
		base = os.Environ()
	}
	var pass []string
	own := c.Env
	if len(c.Own) > 0 {
		own = c.Own // what looper set for the attempt, when the runner says
	}
	for _, kv := range own {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "LOOPER_KUBE_") || slices.Contains(base, kv) || slices.Contains(pass, name) {
			continue
		}
		pass = append(pass, name)
	}
	out := c
	out.Argv = append([]string{k.Looper, "kube-attempt", "--"}, c.Argv...)
	out.Env = append(slices.Clone(c.Env),
		EnvConfig+"="+k.Config.Encode(),
		envPass+"="+strings.Join(pass, ","),
		envWrites+"="+strings.Join(c.Writes, "\x00"),
		envGrace+"="+c.Grace.String(),
		envDir+"="+c.Dir,
	)
	out.Note = "in a pod in namespace " + k.Config.Namespace
	return out, nil
}

// AttemptFromEnv is the Attempt the coordinator's Confiner described in the
// environment of `looper kube-attempt`, for argv. The caller sets Client
// and the streams.
func AttemptFromEnv(argv []string) (*Attempt, error) {
	cfg, err := ConfigFromEnv()
	if err != nil {
		return nil, err
	}
	if len(argv) == 0 {
		return nil, fmt.Errorf("kube-attempt: no agent command")
	}
	a := &Attempt{Config: cfg, Argv: argv, Dir: os.Getenv(envDir)}
	if a.Dir == "" {
		if a.Dir, err = os.Getwd(); err != nil {
			return nil, err
		}
	}
	if g := os.Getenv(envGrace); g != "" {
		if a.Grace, err = time.ParseDuration(g); err != nil {
			return nil, fmt.Errorf("%s: %w", envGrace, err)
		}
	}
	if w := os.Getenv(envWrites); w != "" {
		a.Writes = strings.Split(w, "\x00")
	}
	for _, name := range strings.Split(os.Getenv(envPass), ",") {
		if v, ok := os.LookupEnv(name); ok && name != "" {
			a.Env = append(a.Env, name+"="+v)
		}
	}
	a.Identity.Task = os.Getenv("LOOPER_TASK_ID")
	a.Identity.Agent = os.Getenv("LOOPER_AGENT_ID")
	a.Identity.Attempt, _ = strconv.Atoi(os.Getenv("LOOPER_ATTEMPT"))
	return a, nil
}
