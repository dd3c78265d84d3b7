// Package fakeagent is a stand-in for the `claude` and `codex` CLIs, for
// tests and demos: a real process that accepts the same flags, reads the
// prompt the same way and writes the same stream formats, doing whatever a
// scenario says instead of calling a model.
//
// # Invocation
//
// The dialect is the name it is invoked under: Main takes it from the base
// name of os.Args[0] (a testscript command or a symlink named "claude" or
// "codex"; LOOPER_FAKE_DIALECT overrides it), and `looper fake-agent
// <claude|codex> [args...]` (a hidden command) calls Run directly.
//
// claude: flags are checked against the real 2.1.x option list (an unknown
// option prints "error: unknown option '--x'" and exits 1); -p is required;
// --output-format stream-json without --verbose fails exactly as the real
// CLI does; --output-format json prints one result object (an array of
// every message with --verbose) and text prints the result text; --model
// and --permission-mode / --dangerously-skip-permissions show up in the
// init event; --max-turns ends the run with error_max_turns when the
// scenario makes more tool calls. The prompt is the positional argument,
// else stdin.
//
// Both answer --version as the real CLIs do, with the versions the
// conformance suite ran ("2.1.328 (Claude Code)", "codex-cli 0.169.0"), or
// LOOPER_FAKE_VERSION when it is set.
//
// codex: only `codex exec` (and `codex --version`) is supported. --json selects JSONL output
// (otherwise progress goes to stderr and the final message to stdout);
// -m, -c key=value (model_reasoning_effort and approval_policy values are
// validated), --sandbox, -C, --skip-git-repo-check (without it, a working
// directory outside a git repository is refused as codex does),
// --output-last-message (written when the turn completes) and a "-" or
// missing prompt (read from stdin after printing "Reading prompt from
// stdin..." to stderr).
//
// # Which scenario runs
//
// First match wins:
//
//  1. A prompt line "FAKEAGENT: <builtin>" or "FAKEAGENT: {<scenario JSON>}".
//  2. The JSON file named by LOOPER_FAKE_SCENARIOS: an object whose keys are
//     task ids (iteration mode), "review", "bootstrap", "repair" (those
//     modes) and "default"; each value is a builtin name or a scenario
//     object. In iteration mode a key may also name the attempt and the
//     agent, most specific first: "T1@2/claude#3", "T1/claude#3", "T1@2"
//     (LOOPER_ATTEMPT and LOOPER_AGENT_ID), so tests can make one agent of
//     a vote, or the re-run of a task, behave differently.
//  3. In iteration mode, the builtin named by LOOPER_FAKE_DEFAULT (`looper
//     run --agent fake` sets it to "try").
//  4. The default for the mode: "success" in iteration mode (a short run
//     that reports done for its task), "review" in review mode (reviewed,
//     added_tasks 0), a plain sentence in bootstrap and repair mode.
//
// The task id comes from LOOPER_TASK_ID, the mode from LOOPER_MODE and the
// backlog from LOOPER_TODO; when they are unset, from the prompt's context
// lines "- task_id: <id>", "- mode: <mode>", "- todo_path: <path>".
//
// # Scenario JSON
//
//	{
//	  "builtin": "success",         // optional base; the fields below override it
//	  "steps": [ … ],               // run in order, one action each
//	  "exit": 0,                    // exit status (default 0; 1 after fail, rate_limit, auth, max_turns)
//	  "on_sigterm": "exit",         // "exit" (status 143) or "ignore"
//	  "line_delay_ms": 0,           // pause before every stdout line
//	  "no_final_newline": false,    // leave the newline off the last stdout line
//	  "model": "…", "session_id": "…",
//	  "refuse_root": false,         // claude: refuse --dangerously-skip-permissions as root unless IS_SANDBOX=1
//	  "usage": {"input_tokens": 1000, "output_tokens": 100, "cost_usd": 0.25}
//	                                // the usage reported (claude: tokens and cost; codex: tokens), instead of figures derived from the prompt
//	}
//
// Steps (strings may use {task} and {mode}):
//
//	{"sleep_ms": 200}                                 delay
//	{"text": "…"}                                     assistant text / agent_message
//	{"reasoning": "…"}                                thinking block / reasoning item
//	{"tool": {"name", "input", "output", "is_error"}} tool call and result (codex: mcp_tool_call)
//	{"command": {"cmd", "output", "exit_code"}}       shell command shown, not run (Bash / command_execution)
//	{"write_file": {"path", "content"}}               really writes the file; shown as Write / file_change
//	{"git_commit": {"message"}}                       really runs git add -A && git commit in the working directory
//	{"shell": "git merge side"}                       really runs /bin/sh -c in the working directory; shown as a shell command
//	{"daemon": {"argv": ["sleep", "300"], "hold_stdout": false}}
//	                                                  starts a process with setsid (out of the agent's group) and leaves it running
//	{"append_tasks": [{"id", "title", …}]}            appends tasks to the backlog (status todo, priority 3 by default)
//	{"set_status": {"task", "status"}}                edits a task's status in the backlog
//	{"summary": {…}}                                  ends the turn with the contract's JSON (see SummaryStep)
//	{"final": "…"}                                    ends the turn with this final message
//	{"fail": {"message", "subtype"}}                  ends the turn with an error result / turn.failed
//	{"rate_limit": {"resets_in_s": 3600}}             usage limit: rejected rate_limit_event + error result / turn.failed
//	{"auth": {"message"}}                             authentication failure (claude invalid key, codex 401 after reconnects)
//	{"max_turns": {"turns": 1}}                       claude error_max_turns (codex rejects it: it has no turn limit)
//	{"stderr": "…"}                                   a line on stderr
//	{"raw": "…", "no_newline": false}                 any stdout bytes
//	{"huge_line": 20000000}                           one valid JSON line of about that many bytes
//	{"flood": 100000}                                 that many small text events
//	{"malformed": true}                               a line of broken JSON
//	{"hang": true}                                    wait for a signal, for ever
//	{"background": ["sleep", "60"]}                   start a process in the group and leave it running
//	{"exit": 3}                                       exit now, nothing more written
//	{"signal": "KILL"}                                die by this signal now
//	{"replay": {"path", "line_delay_ms"}}             copy a transcript to stdout (relative to the scenario file)
//
// When the steps end without a turn-ending step, a successful end is added
// (claude: a result event with the last text; codex: turn.completed).
//
// Built-in scenarios: success, noop, blocked, delay, fail, hang,
// ignore-sigterm, huge-line, flood, malformed, partial-line, truncated,
// rate-limit, auth, max-turns, edit, commit, try (writes and commits
// looper-fake/<task>.txt, saying it is not real work), review, crash, orphan,
// no-summary, invalid-summary, wrong-task, and the git misbehaviours
// unfinished-merge, side-branch, reset-below-base, write-main-tree,
// commit-main-tree and daemon (see builtins.go and misbehave.go).
//
// # Layout
//
// fakeagent.go and flags.go emulate the CLIs (flags, prompt, errors);
// scenario.go, builtins.go and select.go define and choose the scenario;
// interpreter.go runs its steps, which actions.go and backlog.go carry
// out and claude.go and codex.go render through output.go. A signal, a
// dead stdout or an exit step sets the run's explicit stop value: the
// interpreter then unwinds by returning, without panics.
//
// # Recording
//
// When LOOPER_FAKE_RECORD names a file, every run appends JSON lines to it:
// {"event":"start"} with argv, cwd, prompt, pid, pgid, task id, mode and
// the LOOPER_* environment; {"event":"background"} with the pid of each
// background process; {"event":"signal"}; {"event":"exit"} with the
// status. Tests use it to check what looper passed and that no process was
// left behind.
package fakeagent
