// Package container runs attempts in containers through the podman or
// docker CLI. The container is a local place: the attempt's worktree and
// the repository's git directory are bind-mounted at the same paths, so
// the agent's commits land in the coordinator's repository as they happen
// and nothing has to be brought back. The engine's client process is run
// by the local runner (its process group, sweep and streams); the
// container itself is stopped and removed through the engine, because
// signalling the client does not reach it.
package container

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/looper-go/looper/internal/runner"
)

// Runner runs each attempt in a new container of Image. It implements
// runner.Runner; one Runner serves every attempt of a run.
type Runner struct {
	// Local starts the engine's client as a local process (agent.Local).
	Local runner.Runner
	// Engine is the container CLI: "podman" or "docker", or a path to one;
	// "" means podman.
	Engine string
	// Image is the image attempts run in; it must hold the agent's CLI.
	Image string
	// Network is "host" (the default: agents need their model API),
	// "none", or any network name the engine knows.
	Network string
	// Mounts are more bind mounts, "src:dst[:options]" as the engine's
	// --volume takes them ("~/" in src is HOME).
	Mounts []string
	// Env names variables passed from looper's environment into the
	// container (their values never appear on a command line).
	Env []string
	// Ulimits replace the engine's default rlimits, "name=soft:hard";
	// empty means nofile at looper's own limits and nproc=4096:4096 (see
	// defaultUlimits).
	Ulimits []string
	// Args are more arguments for `<engine> run`, before the image.
	Args []string
}

// Name is the runner's kind: the engine's name.
func (r *Runner) Name() string { return filepath.Base(r.engine()) }

func (r *Runner) engine() string {
	if r.Engine == "" {
		return "podman"
	}
	return r.Engine
}

// Validate rejects a configuration that cannot start a container.
func (r *Runner) Validate() error {
	switch {
	case r.Local == nil:
		return errors.New("runners.container: no local runner to start the engine with")
	case strings.TrimSpace(r.Image) == "":
		return errors.New("runners.container: image is required")
	case strings.HasPrefix(r.Image, "-"):
		return fmt.Errorf("runners.container: image %q may not start with '-'", r.Image)
	}
	for _, m := range r.Mounts {
		if !strings.Contains(m, ":") {
			return fmt.Errorf("runners.container: mount %q is not src:dst[:options]", m)
		}
	}
	for _, u := range r.Ulimits {
		if !strings.Contains(u, "=") {
			return fmt.Errorf("runners.container: ulimit %q is not name=soft:hard", u)
		}
	}
	return nil
}

// Start runs c in a new container: `<engine> run` with the attempt's
// mounts, network and limits, started by the local runner.
func (r *Runner) Start(ctx context.Context, c runner.Command) (runner.Process, error) {
	if err := r.Validate(); err != nil {
		return nil, err
	}
	var tag [6]byte
	_, _ = rand.Read(tag[:])
	name := "looper-" + hex.EncodeToString(tag[:])
	envFile, err := writeEnvFile(c.Own)
	if err != nil {
		return nil, err
	}
	argv, err := r.runArgs(ctx, c, name, envFile)
	if err != nil {
		os.Remove(envFile)
		return nil, err
	}
	local := c
	local.Argv = argv
	local.Note = strings.TrimPrefix(strings.Join([]string{c.Note, "in " + r.Name() + " container " + name + " of " + r.Image}, ", "), ", ")
	p, err := r.Local.Start(ctx, local)
	if err != nil {
		os.Remove(envFile)
		return nil, err
	}
	return &process{Process: p, r: r, name: name, grace: c.Grace, envFile: envFile, done: make(chan struct{})}, nil
}

// runArgs is the engine's command line for c.
func (r *Runner) runArgs(ctx context.Context, c runner.Command, name, envFile string) ([]string, error) {
	a := []string{r.engine(), "run", "--rm", "--name", name, "--env-file", envFile}
	if c.Stdin != nil {
		a = append(a, "--interactive")
	}
	ulimits := r.Ulimits
	if len(ulimits) == 0 {
		ulimits = defaultUlimits()
	}
	for _, u := range ulimits {
		a = append(a, "--ulimit", u)
	}
	network := r.Network
	if network == "" {
		network = "host"
	}
	a = append(a, "--network", network)
	if os.Geteuid() != 0 {
		// The agent's files in the worktree must belong to the user.
		if r.Name() == "podman" {
			a = append(a, "--userns", "keep-id")
		} else {
			a = append(a, "--user", strconv.Itoa(os.Geteuid())+":"+strconv.Itoa(os.Getegid()))
		}
	}
	for _, n := range r.Env {
		a = append(a, "--env", n)
	}
	binds, err := mounts(ctx, c)
	if err != nil {
		return nil, err
	}
	home, _ := os.UserHomeDir()
	for _, m := range r.Mounts {
		if strings.HasPrefix(m, "~/") && home != "" {
			m = filepath.Join(home, m[2:])
		}
		binds = append(binds, m)
	}
	for _, b := range binds {
		a = append(a, "--volume", b)
	}
	if c.Dir != "" {
		a = append(a, "--workdir", c.Dir)
	}
	a = append(a, r.Args...)
	a = append(a, r.Image)
	return append(a, c.Argv...), nil
}

// mounts are the attempt's own bind mounts, each at its own path: the
// working directory, the repository's git directories (a linked worktree's
// commits write the main .git), and the files the agent writes for looper.
func mounts(ctx context.Context, c runner.Command) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	add := func(p string) {
		if p != "" && !seen[p] {
			seen[p] = true
			out = append(out, p+":"+p)
		}
	}
	add(c.Dir)
	if c.Dir != "" {
		cmd := exec.CommandContext(ctx, "git", "rev-parse", "--path-format=absolute", "--git-dir", "--git-common-dir")
		cmd.Dir = c.Dir
		if b, err := cmd.Output(); err == nil {
			dirs := strings.Fields(string(b))
			for _, p := range dirs {
				if !within(p, c.Dir) && !slices.ContainsFunc(dirs, func(q string) bool { return q != p && within(p, q) }) {
					add(p)
				}
			}
		}
	}
	for _, w := range c.Writes {
		// A bind-mounted file must exist; the agent overwrites it.
		if _, err := os.Stat(w); errors.Is(err, os.ErrNotExist) {
			if err := os.WriteFile(w, nil, 0o644); err != nil {
				return nil, err
			}
		}
		add(w)
	}
	return out, nil
}

// writeEnvFile writes the attempt's own variables to a file only the user
// can read, for --env-file: a value on the command line would be visible
// to every user of the machine. A value with a newline cannot be passed
// this way and is refused.
func writeEnvFile(env []string) (string, error) {
	f, err := os.CreateTemp("", "looper-env-*")
	if err != nil {
		return "", err
	}
	var b strings.Builder
	for _, e := range env {
		if strings.ContainsAny(e, "\n\r") {
			f.Close()
			os.Remove(f.Name())
			name, _, _ := strings.Cut(e, "=")
			return "", fmt.Errorf("runners.container: the value of %s holds a newline, which --env-file cannot pass", name)
		}
		b.WriteString(e)
		b.WriteByte('\n')
	}
	_, werr := f.WriteString(b.String())
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		os.Remove(f.Name())
		return "", werr
	}
	return f.Name(), nil
}

// within reports whether path p is dir or under it.
func within(p, dir string) bool {
	return p == dir || strings.HasPrefix(p, dir+string(filepath.Separator))
}
