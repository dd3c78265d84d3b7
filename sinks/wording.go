package sinks

import (
	"path/filepath"
	"unicode/utf8"

	"github.com/looper-go/looper/internal/shellquote"
)

// attemptHead says how an attempt ended in words that agree with the
// task's status: "attempt done", "attempt ended blocked" (the agent said
// so, or its verification failed), "attempt failed (timeout)" when the
// agent itself failed, "attempt stopped" when looper stopped it.
func attemptHead(class, status string) string {
	switch class {
	case "", "ok":
	case "killed":
		return "attempt stopped"
	default:
		return "attempt failed (" + class + ")"
	}
	switch status {
	case "", "reviewed":
		return "attempt finished"
	case outcomeDone:
		return "attempt done"
	case outcomeBlocked:
		return "attempt ended blocked"
	case "skipped":
		return "attempt skipped the task"
	}
	return "attempt reported " + status
}

// maxCommand is how many columns of a command line the text output shows;
// the run log keeps the whole argv.
const maxCommand = 72

// shortCommand is argv as a shell line that fits maxCommand columns: whole
// when it fits, else with the program's base name and cut with "…", so an
// agent's long command line does not wrap the output at every attempt.
func shortCommand(argv []string) string {
	line := shellquote.Join(argv)
	if utf8.RuneCountInString(line) <= maxCommand {
		return line
	}
	short := append([]string{filepath.Base(argv[0])}, argv[1:]...)
	return truncate(shellquote.Join(short), maxCommand)
}
