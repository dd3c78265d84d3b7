package proc

import (
	"fmt"
	"os"
	"strings"
	"sync/atomic"
)

// TagVar is the environment variable that marks every process of a group:
// the command gets it, and whatever it spawns inherits it, including a
// daemon started with setsid, which leaves the process group and so
// escapes the group kill. Its value is looper's pid and the group's
// sequence number, so that one looper never touches another's processes.
const TagVar = "LOOPER_PROCESS_TAG"

// tagSeq numbers the groups of this looper process.
var tagSeq atomic.Int64

// newTag returns a tag no other group of any looper process has.
func newTag() string {
	return fmt.Sprintf("%d.%d", os.Getpid(), tagSeq.Add(1))
}

// tagPrefix is the start of every tag of this looper process.
func tagPrefix() string { return fmt.Sprintf("%d.", os.Getpid()) }

// Stray is a process found carrying a group's tag outside the group: a
// daemon or a double-forked child the group kill cannot reach.
type Stray struct {
	// PID is its process id.
	PID int
	// Command is its command line, for the log ("" when unreadable).
	Command string
}

// String is "pid 123 (sleep 300)".
func (s Stray) String() string {
	if s.Command == "" {
		return fmt.Sprintf("pid %d", s.PID)
	}
	return fmt.Sprintf("pid %d (%s)", s.PID, s.Command)
}

// describeStrays says in one line what had to be killed.
func describeStrays(who string, ss []Stray) string {
	parts := make([]string, len(ss))
	for i, s := range ss {
		parts[i] = s.String()
	}
	return fmt.Sprintf("%s left %d process(es) outside its process group (setsid or double fork); killed: %s", who, len(ss), strings.Join(parts, ", "))
}

// Tagged lists the live processes carrying one of this looper's tags,
// inside or outside their groups (nil where they cannot be found), so a
// test or a diagnosis can see what looper's commands left running.
func Tagged() []Stray {
	prefix := tagPrefix()
	return findTagged(func(tag string) bool { return strings.HasPrefix(tag, prefix) })
}
