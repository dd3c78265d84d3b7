// Package mockapi serves scripted stand-ins for the model APIs that the real
// agent CLIs talk to: the Anthropic Messages API (Claude Code) and the OpenAI
// Responses API (Codex), on 127.0.0.1.
//
// The conformance suite runs the real, pinned `claude` and `codex` binaries
// against these servers, so it can check what looper makes of their real
// output without a network, an account or a bill. A Script says, per
// conversation, which tool calls the "model" makes (write a file, run a shell
// command) and the text it ends with; faults (401, 403, 429 with retry-after,
// 529, 500, a stall mid-stream) replace answers for the first N requests.
// Every request is recorded so tests can count what the CLI did.
//
// The package uses only the standard library and is meant for tests.
package mockapi
