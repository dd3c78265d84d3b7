package fakeagent

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
)

// mainTree is a shell snippet that sets $main to the repository's main
// working tree from inside an attempt worktree, for scenarios that write
// where an agent must not.
const mainTree = `main="$(dirname "$(git rev-parse --path-format=absolute --git-common-dir)")"; `

// misbehaviours are built-in scenarios in which the agent does to git what
// a careless or confused agent does, and still reports done: looper must
// notice each (issue 16). Branch and file names carry the task id, so that
// parallel attempts do not collide.
var misbehaviours = map[string]Scenario{
	// A merge started and left in conflict: MERGE_HEAD, markers in the file.
	"unfinished-merge": {Steps: []Step{
		{Shell: ptr(`git checkout -q -b fake-theirs-{task} && echo "theirs {task}" > conflict-{task}.txt && git add -A && git commit -qm theirs && ` +
			`git checkout -q - && echo "ours {task}" > conflict-{task}.txt && git add -A && git commit -qm ours && ` +
			`{ git merge fake-theirs-{task} >/dev/null 2>&1; true; }`)},
		{Summary: &SummaryStep{}},
	}},
	// The work committed on a branch of the agent's own.
	"side-branch": {Steps: []Step{
		{Shell: ptr(`git checkout -q -b side-{task} && echo "side {task}" > side-{task}.txt && git add -A && git commit -qm "side work for {task}"`)},
		{Summary: &SummaryStep{}},
	}},
	// The attempt's branch reset below the commit it started from.
	"reset-below-base": {Steps: []Step{
		{Shell: ptr(`git reset -q --hard HEAD~1`)},
		{Summary: &SummaryStep{}},
	}},
	// Edits to a tracked file and a new file in the user's checkout.
	"write-main-tree": {Steps: []Step{
		{Shell: ptr(mainTree + `echo "edited by {task}" >> "$main/README.md" && echo new > "$main/stray-{task}.txt"`)},
		{Summary: &SummaryStep{}},
	}},
	// A commit onto the user's branch, made from the main tree.
	"commit-main-tree": {Steps: []Step{
		{Shell: ptr(mainTree + `echo "{task}" > "$main/agent-{task}.txt" && git -C "$main" add "agent-{task}.txt" && git -C "$main" commit -qm "agent {task} on the user's branch"`)},
		{Summary: &SummaryStep{}},
	}},
	// A dev server started with setsid, out of reach of the group kill.
	"daemon": {Steps: []Step{
		{Daemon: &DaemonStep{Argv: []string{"sleep", "300"}}},
		{Daemon: &DaemonStep{Argv: []string{"sleep", "301"}, HoldStdout: true}},
		{Summary: &SummaryStep{}},
	}},
}

// gitEnv is the environment for git commands the fake runs: a committer
// identity unless the caller set one.
func gitEnv() []string {
	env := os.Environ()
	for _, kv := range []string{"GIT_AUTHOR_NAME=fake agent", "GIT_AUTHOR_EMAIL=fake-agent@example.invalid",
		"GIT_COMMITTER_NAME=fake agent", "GIT_COMMITTER_EMAIL=fake-agent@example.invalid"} {
		k, _, _ := strings.Cut(kv, "=")
		if os.Getenv(k) == "" {
			env = append(env, kv)
		}
	}
	return env
}

// shell runs script with /bin/sh in the working directory and shows it as a
// shell command with its output and exit status.
func (a *agent) shell(script string) {
	var out bytes.Buffer
	cmd := exec.Command("/bin/sh", "-c", script)
	cmd.Dir, cmd.Env, cmd.Stdout, cmd.Stderr = a.workDir(), gitEnv(), &out, &out
	code := 0
	if err := cmd.Run(); err != nil {
		code = 1
		if ee, ok := errors.AsType[*exec.ExitError](err); ok {
			code = ee.ExitCode()
		}
		a.writeStderr(fmt.Sprintf("fakeagent: shell: %v: %s", err, strings.TrimSpace(out.String())))
	}
	a.d.command(script, out.String(), code)
}

// daemon starts d.Argv in a session of its own and leaves it running.
func (a *agent) daemon(d DaemonStep) {
	cmd := exec.Command(d.Argv[0], d.Argv[1:]...)
	cmd.Dir = a.workDir()
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if f, ok := a.stdout.(*os.File); ok && d.HoldStdout {
		cmd.Stdout = f
	}
	if err := cmd.Start(); err != nil {
		a.writeStderr("fakeagent: daemon " + strings.Join(d.Argv, " ") + ": " + err.Error())
		return
	}
	a.record(map[string]any{"event": "background", "pid": cmd.Process.Pid, "argv": d.Argv, "setsid": true})
	_ = cmd.Process.Release()
	a.d.command("setsid "+strings.Join(d.Argv, " ")+" &", "", 0)
}
