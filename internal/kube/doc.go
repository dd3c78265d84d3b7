// Package kube runs agent attempts as pods on a Kubernetes cluster, through
// the API server only: one bare pod per attempt, the attempt's base sent in
// as a git bundle on an exec's stdin, the agent run by an exec whose
// stdout and stderr are the agent's own streams, and the result brought
// home as a bundle against the base. Nothing else in looper knows where
// the attempt ran.
//
// It plugs into internal/agent as a Confiner: the agent's command is
// rewritten to `looper kube-attempt -- <argv>`, a local process that does
// all of the above (Attempt), so the runner's process group, watchdogs,
// parsers and classification are unchanged. The process leaves the
// attempt's worktree on the coordinator exactly as a local agent would have
// left it (its commits on the branch, its uncommitted changes in the
// tree), and the stages inspect, commit, verify, vote and merge it as
// today.
//
// Pods carry labels (LabelProject, LabelRun, LabelTask, LabelAttempt,
// LabelAgent), so a run deletes what is left of its own pods when it ends
// (Sweep) and reports and deletes those an earlier run of the same backlog
// left (Leftovers).
package kube
