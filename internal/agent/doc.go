// Package agent runs one attempt of a coding-agent CLI (Claude Code, Codex,
// or any command speaking their stream formats or plain text) as a
// subprocess and turns its output into a stream of events and one
// classified Result.
//
// # Command lines
//
// Spec.Argv builds the argv for a dialect:
//
//	claude  claude -p --output-format stream-json --verbose
//	        (--dangerously-skip-permissions | --permission-mode M) [--model M] [args…]
//	codex   codex exec --json [-m M] [-c model_reasoning_effort="R"] --sandbox S
//	        -c approval_policy="A" --skip-git-repo-check [args…] [--output-last-message P] -
//	generic binary [args…] [prompt]
//
// Claude and codex read the prompt from stdin (no ARG_MAX limit); a generic
// agent does too unless Spec.PromptArg puts it last on the command line.
// Defaults that would otherwise conflict with the user's own args are left
// out when the args already choose them (a --permission-mode, a --sandbox
// or --yolo, an approval_policy override). Codex gets workspace-write and
// approval "never" by default because nobody is there to approve, and
// --skip-git-repo-check because looper chooses the directory itself.
//
// # The process
//
// The child runs through internal/proc (the one process-group runner
// looper uses for everything it starts) in Request.Dir as the leader of a
// new process group, with
// looper's environment plus Spec.Env, LOOPER_TASK_ID, LOOPER_AGENT_ID,
// LOOPER_ATTEMPT, LOOPER_ITERATION, LOOPER_LAST_MESSAGE (and LOOPER_MODEL /
// LOOPER_REASONING for generic agents), then Request.Env; later entries
// win. Its stdin receives the prompt and is closed. Stdout and stderr are
// os.Pipe files read by two goroutines with a bufio.Reader (not a
// bufio.Scanner, whose 64 KiB limit breaks on real output): lines up to
// Spec.MaxLine (16 MiB by default) are handled whole, a longer line keeps
// its first MaxLine bytes, is reported with a warning and, for the JSON
// formats, skipped. Every line is read before Run returns; Wait never
// closes the pipes under the readers.
//
// Stopping: when the context is cancelled, Spec.Timeout (30 minutes by
// default) passes, or the agent prints nothing on stdout or stderr for
// Spec.IdleTimeout, the group gets SIGTERM, then SIGKILL after Spec.Grace
// (10 s by default); exec.Cmd.Cancel does this, and WaitDelay backs it up.
// When the leader has exited, whatever it left in its group gets the same
// treatment, and on Linux looper makes itself the child subreaper
// (PR_SET_CHILD_SUBREAPER, once, process-wide) so those orphans are
// re-parented to it and reaped: no process of the group outlives Run, even
// in a container whose PID 1 reaps nothing. KillAll SIGKILLs every live
// group at once (the second Ctrl-C). On Linux the leader also gets SIGKILL
// from the kernel when looper itself dies (PR_SET_PDEATHSIG), so even a
// looper killed with SIGKILL leaves no agent running; what the agent
// started is orphaned then, and ends by itself. Only a process that leaves the group
// (setsid) can escape; if it holds a pipe open, that pipe is closed once
// its reader has waited a second for a byte after the group is gone.
//
// # Parsing
//
// Each stdout line becomes a KindRaw event (debug, with its Format, and
// marked RawJSON when it is a JSON object or array) and goes to the
// format's parser, whose events are marked Derived: the run log keeps the
// line and not them, and LogReplayer derives them again for `looper
// tail`. Assistant and user lines, nearly all of a session, are read with
// a validating scanner (jsonscan.go) rather than a full encoding/json
// decode. Claude stream-json: system/init (session id),
// assistant text (KindText per line), thinking (KindReasoning), tool_use
// (KindTool, compact), user tool_result (KindToolResult, debug), the result
// event (final text, usage from modelUsage or usage, cost, subtype,
// is_error), rate_limit_event, system/api_retry; also the whole
// --output-format json object or array. Codex exec --json: thread.started
// (thread id), item.started/updated/completed for agent_message,
// reasoning, command_execution, file_change, mcp_tool_call, web_search,
// todo_list and error items, turn.completed (usage), turn.failed, and the
// top-level error notices, which are not failures by themselves; the 0.44
// (item_type) and legacy {"id","msg"} shapes are read too. Text: every line
// is agent text. Unknown types and fields are ignored; a line that is not
// JSON is a warning, never fatal. Stderr lines are KindStderr events, and
// the runner emits KindCommand when the process starts (the whole argv,
// which the text output shortens and the run log keeps) and exits (exit
// code, class, duration, usage; no argv, so it is printed once). Every event carries the Request's
// TaskID, AgentID, Attempt, Iteration and Stage. KindAttempt, KindSummary
// and KindOutcome are left to the stages.
//
// # The result
//
// Text is the agent's final message: claude's result text (its last
// top-level assistant text when the result is empty or missing), codex's
// last agent_message (else what it wrote to --output-last-message), a text
// agent's output (its last 4 MiB). The summary is the last JSON object in
// it that fits the contract, found by brace matching that skips braces
// inside strings, in bare text or in a fence; when the final message has
// none, earlier messages are searched, newest first. An object "looks like"
// a summary when it has a status (or task_id / added_tasks) key; if some
// did but none fits, the newest one is reported as invalid. A task summary
// naming another task does not fit.
//
// The class is decided by this table, first match wins:
//
//	 #  condition                                                          class
//	 1  the agent could not be started (binary missing, bad directory)     crashed
//	 2  looper cancelled the context, or KillAll                           killed
//	 3  Spec.Timeout passed                                                timeout
//	 4  no output for Spec.IdleTimeout                                     idle-timeout
//	 5  looper stopped it for its model API (see "Retries" below), by
//	    what the newest retry notice said: 401/403 or an auth error        auth
//	    429 or a rate-limit error (ResetAt = now + the CLI's own delay)    rate-limited
//	    529, 503 or "overloaded"                                           overloaded
//	    no answer (connection refused, no network) or another 5xx          unreachable
//	    The agent ended by itself. It failed if the stream reported a
//	    failure (claude is_error or an error subtype, codex turn.failed),
//	    it exited non-zero or by a signal, or a claude/codex stream has no
//	    result event. If it failed:
//	 6  the result is error_max_turns (or terminal_reason max_turns)       max-turns
//	 7  the newest error message (error results, codex error notices,
//	    synthetic API-error messages, stderr) names a usage or rate limit,
//	    or, when none names anything, the stream tagged it (a rejected
//	    rate_limit_event, error "rate_limit", HTTP 429); ResetAt from
//	    resetsAt, "|<epoch>", "resets 2pm (Zone)", "try again at 12:16 PM"
//	    or "try again in 2 hours"                                          rate-limited
//	 8  … names an authentication failure (invalid API key, 401,
//	    not logged in), or the stream tagged it (401, 403)                 auth
//	 9  … names an overloaded provider (529, "overloaded")                 overloaded
//	10  the CLI gave up retrying an API that did not answer, or a
//	    message names a connection failure                                 unreachable
//	11  the stream reported a failure                                      agent-error
//	12  a text agent exited non-zero                                       agent-error
//	13  it died from a signal looper did not send                          crashed
//	14  it exited non-zero without a result event                          crashed
//	15  it exited 0 without a result event: "unrecognised output from
//	    codex 0.169.0" naming the event types it did not know, if any      agent-error
//	16  it exited non-zero after reporting success                         agent-error
//	    It succeeded; the contract decides:
//	17  ContractNone                                                       ok
//	18  an object fits the contract                                        ok
//	19  objects look like summaries but none fits                          invalid-summary
//	20  no summary                                                         no-summary
//
// Errors of classes auth and unreachable name the model API's URL and the
// fix: the credential variable (ANTHROPIC_API_KEY, codex's provider
// env_key or OPENAI_API_KEY) and the login command, or the base URL to
// check. Class.Unusable and Class.Limited group the classes the stages
// treat alike.
//
// # Retries
//
// Real CLIs retry a failing model API themselves and say so on every try:
// claude prints system/api_retry (with the HTTP status, null when nothing
// answered), codex prints "Reconnecting... 2/5 (...)" and "Reconnecting...
// waiting for network" error events. Such a line is output, so the idle
// clock does not fire, but it is not progress: the retry clock starts at
// the first notice after the last other line, and when Spec.RetryTimeout
// (two minutes by default) passes with nothing but notices, looper stops
// the agent. A notice of an authentication failure stops it at once, since
// no retry heals a bad key.
//
// # Denials
//
// Tool calls the agent was refused are collected in Result.Denials:
// claude's result permission_denials and system/permission_denied events
// ("Bash(git commit -m x)"), and codex commands its approval policy
// declined or its sandbox stopped (a git commit failing on a read-only
// .git). The stages report them with the attempt.
//
// # The last-message file
//
// When Request.LastMessagePath is set, Run writes it (0600, atomically)
// after every attempt: the summary object the agent returned (also an
// invalid one), else {"raw": <final text>}. It is always JSON, so a hook
// can read task_id and status from it. Codex first writes its own final
// message there through --output-last-message; the runner reads that as
// the fallback text and then replaces it.
package agent
