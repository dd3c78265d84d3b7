package agent

import (
	"fmt"
	"os"
	"strings"
	"sync/atomic"
)

// tagVar is the environment variable that marks every process an attempt
// starts: the agent gets it, and whatever it spawns inherits it, including
// a daemon started with setsid, which leaves the agent's process group and
// so escapes the group kill. Its value is looper's pid and the attempt's
// sequence number, so that one looper never touches another's processes.
const tagVar = "LOOPER_PROCESS_TAG"

// tagSeq numbers the attempts of this looper process.
var tagSeq atomic.Int64

// newTag returns a tag no other attempt of any looper process has.
func newTag() string {
	return fmt.Sprintf("%d.%d", os.Getpid(), tagSeq.Add(1))
}

// tagPrefix is the start of every tag of this looper process.
func tagPrefix() string { return fmt.Sprintf("%d.", os.Getpid()) }

// stray is a process found carrying an attempt's tag after the attempt's
// group was swept: a daemon or a double-forked child the group kill cannot
// reach.
type stray struct {
	pid     int
	command string
}

// String is "pid 123 (sleep 300)".
func (s stray) String() string {
	if s.command == "" {
		return fmt.Sprintf("pid %d", s.pid)
	}
	return fmt.Sprintf("pid %d (%s)", s.pid, s.command)
}

// describeStrays says in one line what had to be killed.
func describeStrays(who string, ss []stray) string {
	parts := make([]string, len(ss))
	for i, s := range ss {
		parts[i] = s.String()
	}
	return fmt.Sprintf("%s left %d process(es) outside its process group (setsid or double fork); killed: %s", who, len(ss), strings.Join(parts, ", "))
}
