// Package sshrunner runs attempts on other machines over ssh: one or more
// hosts, each with a number of slots. An attempt's base (the commit checked
// out in its local worktree) is shipped as a git bundle and cloned into a
// tree on the host; the agent runs there under `looper remote-agent`, a
// small supervisor that keeps the agent in its own process group, streams
// its output back over the ssh session and takes "stop" and "kill" from
// the session's stdin; when the agent ends, what it committed (and what it
// left uncommitted, committed there) comes back as a bundle against the
// base and the local worktree's branch is moved to it. The vote and the
// merge then run on the coordinator as for a local attempt.
//
// A host that drops its connection fails only its own attempts: their
// Exit says the place was lost, the agent runner classifies them as lost,
// and the scheduler leaves their tasks as they were. The host is then
// avoided for a while, so the next attempts go to the others.
package sshrunner

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Host is one machine attempts may run on: [[runners.ssh]] in TOML.
type Host struct {
	// Host is the address or ssh config alias to connect to.
	Host string
	// User logs in as this user; "" lets ssh decide (its config, $USER).
	User string
	// Port is the ssh port; 0 lets ssh decide (22, or its config).
	Port int
	// Identity is a private key file (ssh -i); "" uses ssh's defaults.
	Identity string
	// KnownHosts is a known_hosts file to check the host's key against
	// (UserKnownHostsFile); "" uses ssh's defaults. The host's key is
	// always checked: an unknown host is refused, never trusted.
	KnownHosts string
	// Options are more ssh options, each as "Name=value" (ssh -o).
	Options []string
	// Slots is how many attempts may run on the host at once; 0 means 1.
	Slots int
	// Looper is the looper executable on the host; "" means "looper" in
	// the remote PATH.
	Looper string
	// Dir is where attempts' trees are made on the host, absolute or
	// relative to the remote HOME; "" means ".looper/attempts".
	Dir string
}

// Name names the host in messages: user@host:port as given.
func (h Host) Name() string {
	n := h.Host
	if h.User != "" {
		n = h.User + "@" + n
	}
	if h.Port != 0 {
		n += ":" + strconv.Itoa(h.Port)
	}
	return n
}

// Validate rejects a host that cannot be used, with what to fix.
func (h Host) Validate() error {
	switch {
	case strings.TrimSpace(h.Host) == "":
		return errors.New("runners.ssh: host is required")
	case strings.HasPrefix(h.Host, "-"), strings.HasPrefix(h.User, "-"):
		return fmt.Errorf("runners.ssh: host %q: a host or user may not start with '-'", h.Host)
	case h.Port < 0 || h.Port > 65535:
		return fmt.Errorf("runners.ssh: host %q: port %d is not a TCP port", h.Host, h.Port)
	case h.Slots < 0:
		return fmt.Errorf("runners.ssh: host %q: slots must be at least 1", h.Host)
	}
	for _, o := range h.Options {
		if !strings.Contains(o, "=") || strings.HasPrefix(o, "-") {
			return fmt.Errorf("runners.ssh: host %q: option %q is not Name=value", h.Host, o)
		}
	}
	return nil
}

func (h Host) slots() int { return max(h.Slots, 1) }

func (h Host) looper() string {
	if h.Looper == "" {
		return "looper"
	}
	return h.Looper
}

func (h Host) dir() string {
	if h.Dir == "" {
		return ".looper/attempts"
	}
	return h.Dir
}

// args is the ssh command line up to and including the destination: batch
// mode (never a password prompt), strict host key checking, keepalives so
// that a host that vanishes is noticed within ServerAliveInterval x
// ServerAliveCountMax seconds (ssh then exits 255), then the host's own
// settings.
func (h Host) args(ssh string) []string {
	a := []string{ssh, "-T",
		"-o", "BatchMode=yes",
		"-o", "StrictHostKeyChecking=yes",
		"-o", "ServerAliveInterval=5",
		"-o", "ServerAliveCountMax=3",
		"-o", "ConnectTimeout=15",
	}
	if h.KnownHosts != "" {
		a = append(a, "-o", "UserKnownHostsFile="+h.KnownHosts)
	}
	if h.Identity != "" {
		a = append(a, "-o", "IdentitiesOnly=yes", "-i", h.Identity)
	}
	if h.Port != 0 {
		a = append(a, "-p", strconv.Itoa(h.Port))
	}
	if h.User != "" {
		a = append(a, "-l", h.User)
	}
	for _, o := range h.Options {
		a = append(a, "-o", o)
	}
	return append(a, "--", h.Host)
}

// quote makes s one word of a POSIX shell command line: ssh joins its
// arguments with spaces and the remote shell splits them again.
func quote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:@+,") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
