package agent

import (
	"fmt"
	"syscall"
)

// exitMessage is the line that closes an attempt's command in the output:
// "claude exited with status 1: crashed (why)", or for a process ended by
// a signal "claude ended by SIGKILL (killed): stopped by looper (why)",
// never "claude killed by killed: killed". The class is said in words when
// it is looper's doing; the detail, when there is one, follows in
// parentheses unless it only repeats the class.
func exitMessage(name string, code int, sig syscall.Signal, class Class, detail string) string {
	what := string(class)
	if class == ClassKilled {
		what = "stopped by looper"
	}
	msg := fmt.Sprintf("%s exited with status %d: %s", name, code, what)
	if sig != 0 {
		msg = fmt.Sprintf("%s ended by %s: %s", name, signalName(sig), what)
	}
	if detail != "" && detail != string(class) && detail != what {
		msg += " (" + detail + ")"
	}
	return msg
}
