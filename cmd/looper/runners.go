package main

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/looper-go/looper/config"
	"github.com/looper-go/looper/internal/agent"
	"github.com/looper-go/looper/internal/container"
	"github.com/looper-go/looper/internal/runner"
	"github.com/looper-go/looper/internal/sshrunner"
	"github.com/looper-go/looper/sinks"
)

// placeRunner is the runner [runners] selects, nil for local processes,
// with what closes it at the end of the run and a line saying where
// attempts run. worktrees says whether attempts get worktrees of their
// own: an ssh host lands its work by moving the attempt's branch, which
// must never be the user's checkout.
func placeRunner(cfg *config.Config, worktrees bool) (runner.Runner, func(), string, error) {
	switch cfg.Runner() {
	case config.RunnerSSH:
		if !worktrees {
			return nil, nil, "", fmt.Errorf("runners: the ssh runner needs a worktree per attempt; set [parallel] enabled = true (isolation auto or worktree) in a git repository, or [runners] use = \"local\"")
		}
		r := &sshrunner.Runner{}
		var names []string
		for _, h := range cfg.Runners.SSH {
			r.Hosts = append(r.Hosts, sshrunner.Host{
				Host: h.Host, User: h.User, Port: h.Port, Identity: expandHome(h.Identity), KnownHosts: expandHome(h.KnownHosts),
				Options: h.Options, Slots: h.Slots, Looper: h.Looper, Dir: h.Dir,
			})
			names = append(names, fmt.Sprintf("%s (%d slots)", r.Hosts[len(r.Hosts)-1].Name(), max(h.Slots, 1)))
		}
		if err := r.Validate(); err != nil {
			return nil, nil, "", err
		}
		return r, r.Close, "attempts run on ssh hosts: " + strings.Join(names, ", "), nil
	case config.RunnerContainer:
		c := cfg.Runners.Container
		r := &container.Runner{Local: agent.Local{}, Engine: c.Engine, Image: c.Image, Network: c.Network,
			Mounts: c.Mounts, Env: c.Env, Ulimits: c.Ulimits, Args: c.Args}
		if err := r.Validate(); err != nil {
			return nil, nil, "", err
		}
		return r, func() {}, fmt.Sprintf("attempts run in %s containers of %s", r.Name(), c.Image), nil
	}
	return nil, func() {}, "", nil
}

// expandHome expands a leading "~/" to HOME.
func expandHome(p string) string {
	if rest, ok := strings.CutPrefix(p, "~/"); ok {
		if home, err := os.UserHomeDir(); err == nil {
			return filepath.Join(home, rest)
		}
	}
	return p
}

// placeAttempts sets where attempts run, once the run knows whether they
// get worktrees: [runners] other than local replace the local process
// (and its sandbox, which confines local processes only).
func (s *session) placeAttempts() error {
	if s.cfg.Runner() == config.RunnerKubernetes {
		return s.placeKube()
	}
	place, closePlace, note, err := placeRunner(s.cfg, s.services.Repo != nil)
	if err != nil {
		return err
	}
	s.closePlace = closePlace
	if place == nil {
		return nil
	}
	if ar, ok := s.services.Runner.(*agent.Runner); ok {
		ar.Place = place
	}
	s.emit(slog.LevelInfo, sinks.KindInfo, note)
	return nil
}
