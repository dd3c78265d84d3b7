#!/usr/bin/env bash
# Installs the pinned real agent CLIs that the conformance suite drives, from npm, into a
# cache directory outside the checkout, and prints the two binaries' paths. Idempotent: a
# version already in the cache is reused (Claude Code's package carries a ~370 MB native
# binary). A failed install exits non-zero; CI treats that as a failure, not a skip.
#
#   internal/conformance/install-agents.sh         # install (or reuse) and print CLAUDE=... CODEX=...
#   LOOPER_AGENT_CACHE=DIR internal/conformance/...# cache elsewhere (default ~/.cache/looper/agents)
set -euo pipefail

CLAUDE_VERSION=2.1.328
CODEX_VERSION=0.169.0
cache=${LOOPER_AGENT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/looper/agents}

install() { # install DIR PACKAGE@VERSION
  local dir=$1 pkg=$2
  if [ -f "$dir/.installed" ]; then return 0; fi
  rm -rf "$dir.partial"
  mkdir -p "$dir.partial"
  echo "installing $pkg into $dir" >&2
  (cd "$dir.partial" && npm install --no-audit --no-fund --loglevel=error "$pkg" >&2)
  rm -rf "$dir"
  mv "$dir.partial" "$dir"
  touch "$dir/.installed"
}

install "$cache/claude-code-$CLAUDE_VERSION" "@anthropic-ai/claude-code@$CLAUDE_VERSION"
install "$cache/codex-$CODEX_VERSION" "@openai/codex@$CODEX_VERSION"

claude="$cache/claude-code-$CLAUDE_VERSION/node_modules/@anthropic-ai/claude-code/bin/claude.exe"
codex=$(find "$cache/codex-$CODEX_VERSION/node_modules/@openai" -path '*/vendor/*/bin/codex' -type f | head -n 1)
for b in "$claude" "$codex"; do
  if [ ! -x "$b" ]; then echo "install-agents: $b is missing or not executable" >&2; exit 1; fi
done
"$claude" --version >&2
"$codex" --version >&2
echo "CLAUDE=$claude"
echo "CODEX=$codex"
