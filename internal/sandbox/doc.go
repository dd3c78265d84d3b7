// Package sandbox confines a local agent attempt with bubblewrap (bwrap):
// the agent sees the filesystem read-only, its own working directory, the
// git metadata its commits need and a private /tmp read-write, a HOME
// that holds only its CLI's own config and credentials, and the network
// only when the run allows it. Unattended agents run with their CLI's
// permission prompts switched off; the sandbox is what keeps ~/.ssh, the
// user's main checkout and every other project out of their reach.
//
// A Policy is made once per run from the [sandbox] table; the agent
// runner asks it to Confine each attempt's command, which rewrites the argv
// into `bwrap <mounts> -- argv` (or leaves it alone when the mode or the
// agent's flags say so). Plan builds the mount list for one attempt, so
// `looper doctor` can print what an attempt would see without running one.
package sandbox
