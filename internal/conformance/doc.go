// Package conformance drives the real, pinned Claude Code and Codex CLIs
// through looper against the scripted model APIs of internal/mockapi, in
// temporary git projects, and checks what looper makes of them: commits on
// the user's branch, backlog statuses, tokens and cost in the run log, and
// how each kind of API failure ends.
//
// The binaries come from LOOPER_CLAUDE_BIN and LOOPER_CODEX_BIN, which
// install-agents.sh (next to this file) prints. Without them the tests
// skip, unless LOOPER_CONFORMANCE=1 (set by CI), where a missing binary is a
// failure. The package has only tests; install-agents.sh is its one
// non-Go file.
package conformance
