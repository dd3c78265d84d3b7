package agent

import "github.com/looper-go/looper/internal/proc"

// KillAll sends SIGKILL to the process group of every agent (and every
// other command looper runs) in this process, and to every process
// carrying one of this looper's tags (daemons outside the groups), at once
// and without a grace period (proc.KillAll). It is the second Ctrl-C: the
// user has already asked politely. Each interrupted Run still returns,
// with class killed.
func KillAll() { proc.KillAll() }
