// Package todo is looper's backlog: the JSON task file upstream looper
// defined, read strictly, checked thoroughly, scheduled, and written safely.
//
// # The file
//
// A backlog is upstream's schema_version 1 task file (.looper/todo.json, or
// to-do.json at the project root; see Find). Load and Parse accept every
// upstream file: both schema variants (with and without the newer
// description and reference fields) and timestamps with or without
// fractional seconds, which are kept as text (Timestamp) so they are written
// back byte for byte. They are strict where upstream was lax, and report
// every problem at once in a *ValidationError, each with its JSON path
// (tasks[3].priority) and its line and column:
//
//   - malformed JSON (the position of the first syntax error);
//   - duplicate keys, unknown fields, missing fields, wrong types and values,
//     checked against the embedded draft 2020-12 schema (SchemaJSON);
//   - duplicate ids, dependencies on ids that do not exist, dependency
//     cycles (each reported once, the same way every run, as A -> B -> A),
//     and ids that are unsafe as a file name component (CheckID), since ids
//     become parts of log file names and branch names.
//
// Load refuses files over MaxFileSize before reading them.
//
// # Choosing work
//
// Select is upstream's sequential choice: doing tasks first (lowest id),
// then todo, then blocked, by priority and then id, among tasks whose
// dependencies are all done. Ids compare with CompareIDs, a numeric-aware
// order (T2 < T10) that, unlike upstream's, is total and transitive for any
// mix of ids. ReadySet is the parallel scheduler's view: every task that can
// start now, kept up to date as tasks complete without rescanning the
// backlog, ordered by a Strategy (priority, dependency or mixed).
//
// # Changing and writing the file
//
// SetStatus, AddBlockers, ApplySummary and AddProjectDone change a Backlog
// in memory and stamp updated_at the way upstream does. ParseSummary and
// ParseReviewSummary check an agent's summary against the embedded contract
// schemas before it is applied. Marshal writes upstream's layout (key order,
// 2-space indent, trailing newline) without HTML escaping; Save
// replaces the file atomically (internal/atomicfile: temporary file, fsync,
// rename, fsync of the directory), keeping its mode; RemoveTemporaries
// clears the temporary files of saves a crash cut short. AcquireLock takes an
// advisory flock on <backlog>.lock so a second looper on the same backlog
// is refused with the holder's pid; the kernel releases it when the holder
// dies.
//
// The functions (Load, Parse, ParseSummary, CompareIDs...) may be called from
// any goroutine, but a Backlog and a ReadySet are not safe for concurrent
// use: one goroutine owns a Backlog (in looper, the merge stage) and one owns
// a ReadySet (the select stage).
package todo
