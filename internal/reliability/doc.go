// Package reliability holds looper's heavy end-to-end reliability tests.
// It has no code of its own: its tests build the looper binary once (in
// TestMain, with go build) and drive it as a real process, with real
// signals, real fake agents (looper fake-agent, behind a claude wrapper
// script) and real files, the way a night of unattended work would:
//
//   - crash safety: looper SIGKILLed at random moments of a 200-task
//     parallel run, then the backlog checked (it parses and validates, no
//     task lost, none run again once done) and the run resumed to the end;
//   - signals: SIGINT with eight agents running (one deaf to SIGTERM) ends
//     looper within the agents' grace period plus a second, with no agent
//     process left, the tasks in flight put back, a complete JSONL log and
//     exit status 130; a second SIGINT exits at once;
//   - a single instance per backlog, and a stale lock taken over;
//   - every fake-agent fault under parallel load, classified and blocked,
//     with nothing running past its timeout; rate limits that pause an
//     agent and re-queue its task, and a limit on them;
//   - hostile input: task ids full of shell metacharacters run end to end
//     in worktrees with a hook, and oversized backlogs and agent lines
//     refused without exhausting memory.
//
// README.md's Reliability section cites these tests for each guarantee.
package reliability
