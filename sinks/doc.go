// Package sinks shows and records the one event stream every stage of a
// looper run emits (see Event). A Sink drains a channel of events; the run
// loop tees the stream to one console sink, picked by output_mode and
// log_format, and to the JSONL run log, which is always written.
//
// # Console modes
//
// multiplexed (the default) writes one line per record as events arrive,
// through a single tint (log/slog) handler, so concurrent tasks interleave
// line by line but never within a line. Each line is prefixed with whose it
// is: "[T012/claude#2]" for an attempt, "[T012]" for a task, nothing for
// the run itself; with colour on, each task's prefix keeps one colour,
// chosen by hashing its id. Agent text is split into lines; tool calls read
// as what they did ("Read file.go", "$ go test ./..."); a vote is one line
// ("decided done: 2/3 verified, winner codex#2, +41 -3 lines"). Raw output
// lines and tool results are debug-level detail, shown only with
// Options.Level at slog.LevelDebug. Terminal control characters in agent
// output are made visible (ESC prints as ^[), so an agent cannot repaint
// the user's screen.
//
// buffered holds each attempt's output (events with a TaskID and an
// AgentID) and a task's other events, and shows them as one block per
// attempt when the task's KindOutcome arrives, followed by the outcome:
// parallel tasks then read like sequential ones. Run-level events and task
// status changes show at once. Memory is bounded: past Options.SpillBytes
// (or when all held blocks together reach 16 times that) a block moves to
// an unlinked temp file in Options.TempDir and is streamed back when shown; if even that fails, the block is shown at
// once and the attempt's output from then on as it comes. Tasks that never
// get an outcome are shown when the stream ends, with a warning.
//
// summary shows only status changes, outcomes, warnings and errors while
// the run goes, then a table sorted by task id (numbers by value: T2
// before T10): task, title, status, attempts, votes, winner, duration,
// tokens, cost, and a totals row. Every KindAttempt counts towards the
// attempts, tokens and cost, including attempts a vote discarded and those
// of run-level stages (review, bootstrap), which get a "(run)" row. A cost
// looper estimated (Usage.CostEstimated: codex reports tokens, not cost) is
// shown as "~$0.0123 (est.)" in the table, est_cost=~$0.0123 on the
// attempt's line, and "cost_estimated": true in the run log.
//
// # Time and caller
//
// Text lines start with the event's level ("INF [T012/claude#2] …"). With
// Options.Timestamps (log_timestamps, off by default as upstream) they
// start with the event's local time first, "10:04:05 INF …"; `looper
// tail` always shows it, since a log is read after the fact. With
// Options.Caller (log_caller) each event ends with the pipeline stage that
// emitted it, "stage=merge", after its other attributes on its last line:
// agent output has no Go source position worth showing, and the agent is
// already in the line's prefix. Events without a stage get nothing.
//
// # Machine formats
//
// Options.Format (log_format) "json" or "logfmt" replaces the text
// rendering, whatever the output mode: every event at or above
// Options.Level is one record, printed the moment it arrives (no holding,
// no table, no progress line, no colour). json is the run log's encoding,
// one object per line with the Event field names and the time in UTC, with
// DEL and the C1 controls written as \u escapes too, so no agent output
// reaches the terminal raw. logfmt is the same record as key=value pairs
// in the same order, written the way slog.NewTextHandler writes values
// (quoted in Go syntax when they hold spaces, '=', '"' or anything
// unprintable); nested objects flatten into dotted keys (usage.cost_usd=,
// summary.status=) and arrays are their JSON text. Both formats always
// carry the timestamp, stage and agent_id fields, so Timestamps and Caller
// change nothing there. Instead of the summary line they end with a
// record of type "run_result" with the same counts as fields:
//
//	{"timestamp":"…","level":"INFO","type":"run_result","content":"looper: 9 done, 2 blocked in 3m12s; 1 failed attempt","done":9,"blocked":2,"todo":0,"waiting":0,"failed_attempts":1,"interrupted":false,"duration_ns":192000000000}
//
// ("other" maps further statuses to their counts when there are any). The
// run log never contains a run_result record, and a run refused before its
// KindStart event (with no task finished) ends with none.
//
// # The summary line
//
// Every console mode of the text format ends with one line, computed the
// same way, in the backlog's words:
//
//	looper: 9 done, 2 blocked, 1 back to todo, 3 not run (a dependency is blocked) in 3m12s; 2 failed attempts
//
// It counts tasks by the status their last KindOutcome event leaves them
// in: "done", "blocked" ("failed" too: such a task is blocked in the
// backlog), "todo" (an interrupted task put back) as "back to todo", other
// statuses under their own names, an outcome without a status as
// "unfinished"; then the KindWaiting tasks, which did not run because a
// dependency is blocked. Failed attempts (a KindAttempt whose Class is
// neither "ok" nor "killed") are counted apart, after the time, since one
// task may fail several times. The time is the wall time since
// Options.Start. If the context passed to Run was cancelled, the line
// reads "looper: interrupted: …". A run refused before its KindStart
// event, with no task finished, ends without the line: the refusal is the
// whole story.
//
// # Progress
//
// With Options.Progress (set it only on a terminal), multiplexed and
// summary modes keep a live line at the bottom, "looper: 5/12 done, 1m3s:
// T3 claude#1 12s, T5 codex#1 3s, +2" (the running tasks with their agents
// and elapsed time, as many as fit in Options.Width, then how many more),
// redrawn in place with "\r\x1b[K" at most every 200ms and
// erased before any other output is written, so it never garbles a line.
// A task is running from its KindStatus "doing" event (or its first
// attempt output) until its outcome; done counts outcomes; the total is
// Options.Total, raised by a KindStart or KindInfo event's Total field (sent when the
// run starts and when a review adds tasks) and never below running + done.
//
// # Run log
//
// OpenRunLog creates <log_dir>/<slug>-<hash8>/<run-id>.jsonl (directory
// 0700, file 0600), upstream looper's layout, and RunLog.Sink appends every
// event to it as one JSON line with the Event struct's field names, times
// in UTC, with two exceptions that keep each agent line once: an event
// derived from an agent's stdout line (Event.Derived) is left out, and an
// attempt's stdout lines of one second share a "raw" record with a
// "lines" array (JSON lines as JSON, others as strings; see lineGroups);
// Tail derives the left-out events again through TailOptions.Expand. Lines are batched and written whole, at the latest when the sink
// finds no further event waiting, so the log is current and an
// interrupted run (Ctrl-C) leaves only whole lines; a run killed outright
// in the middle of a write can end with a torn line, which Tail skips.
// RunLog.LastMessagePath names each attempt's
// last-message file beside it. ListRuns groups a project's files back into
// runs, and Tail prints a log the way the multiplexed mode does, following
// it as it grows: `looper tail` and `looper clean` are built on these.
package sinks
