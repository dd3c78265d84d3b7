// Package kube runs agent attempts as pods on a Kubernetes cluster, through
// the API server only: one bare pod per attempt, the attempt's base sent in
// as a git bundle on an exec's stdin, the agent run by an exec whose
// stdout and stderr are the agent's own streams, and the result brought
// home as a bundle against the base. Nothing else in looper knows where
// the attempt ran.
//
// Runner is a runner.Runner: internal/agent starts each attempt through
// it and reads the Process's streams with its usual parsers and watchdogs.
// When Wait returns, the attempt's worktree on the coordinator is exactly
// as a local agent would have left it (its commits on the branch, its
// uncommitted changes in the tree), and the stages inspect, commit,
// verify, vote and merge it as today. A pod that is lost (deleted,
// evicted, its node gone) gives Exit.Lost, so the task is left as it was.
//
// Pods carry labels (LabelProject, LabelRun, LabelTask, LabelAttempt,
// LabelAgent), so a run deletes what is left of its own pods when it ends
// (Sweep) and reports and deletes those an earlier run of the same backlog
// left. Hold is the pod's PID 1 (`looper kube-hold`).
package kube
