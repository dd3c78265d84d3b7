// Package proc runs looper's child processes: agents, verify commands,
// hooks, worktree setup commands and version probes. Each runs as the
// leader of its own process group under one escalation policy (Group):
// SIGTERM to the group when it is stopped, SIGKILL after a grace period,
// and, once the leader has exited, a sweep that stops what it left in its
// group and, by an environment tag every descendant inherits, what left
// the group (setsid daemons, double forks; Linux, by /proc). On Linux
// looper also becomes the child subreaper, so orphans are reaped, and each
// leader dies with looper (PR_SET_PDEATHSIG). KillAll is the second
// Ctrl-C for all of them.
//
// Start and Process are the building blocks the agent runner uses: pipes
// looper reads itself, so no byte is lost, and a drain that stops waiting
// for a pipe only an escaped process holds open. Run is the whole sequence
// for a helper command, with a timeout and the end of its output (Tail).
//
// Process groups are a Unix notion; the package builds for Linux and
// macOS. On macOS processes that left the group cannot be found, which
// Group.Strays says once, and the leader does not die with looper.
package proc
