// Package sinks shows and records the one event stream every stage of a
// looper run emits (see Event). A Sink drains a channel of events; the run
// loop tees the stream to one console sink, picked by output_mode, and to
// the JSONL run log, which is always written.
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
// of run-level stages (review, bootstrap), which get a "(run)" row.
//
// # The summary line
//
// Every console mode ends with one line, computed the same way:
//
//	looper: 9 done, 2 blocked, 1 failed in 3m12s
//
// It counts tasks by their last KindOutcome event: Status "done" is done,
// "blocked" is blocked, "failed" — or any other status on an outcome at
// slog.LevelError or above — is failed. Other statuses (an interrupted task
// put back reports "todo") are counted under their own names after those
// three, and an outcome without a status as "unfinished". The time is the
// wall time since Options.Start. If the context passed to Run was
// cancelled, the line reads "looper: interrupted: …".
//
// # Progress
//
// With Options.Progress (set it only on a terminal), multiplexed and
// summary modes keep a live line at the bottom, "looper: 2 running, 5/12
// done, 1m3s", redrawn in place with "\r\x1b[K" at most every 200ms and
// erased before any other output is written, so it never garbles a line.
// A task is running from its KindStatus "doing" event (or its first
// attempt output) until its outcome; done counts outcomes; the total is
// Options.Total, raised by a KindInfo event's Total field (sent when the
// run starts and when a review adds tasks) and never below running + done.
//
// # Run log
//
// OpenRunLog creates <log_dir>/<slug>-<hash8>/<run-id>.jsonl (directory
// 0700, file 0600), upstream looper's layout, and RunLog.Sink appends every
// event to it as one JSON line with the Event struct's field names, times
// in UTC. Lines are batched and written whole, at the latest when the sink
// finds no further event waiting, so the log is current and a killed run
// leaves no torn line. RunLog.LastMessagePath names each attempt's
// last-message file beside it. ListRuns groups a project's files back into
// runs, and Tail prints a log the way the multiplexed mode does, following
// it as it grows: `looper tail` and `looper clean` are built on these.
package sinks
