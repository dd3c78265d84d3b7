package worktree

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"

	"github.com/looper-go/looper/internal/proc"
)

// GitError reports a git command that failed, so that a user reading it sees
// the exact command, where it ran, what git printed and, when the failure is a
// known one, how to fix it.
type GitError struct {
	// Args is the argv after "git" (the -c flags looper adds are left out).
	Args []string
	// Dir is the directory the command ran in.
	Dir string
	// ExitCode is git's exit status, or -1 when git did not run to completion
	// (not installed, killed by a cancelled context).
	ExitCode int
	// Stderr is what git wrote to its standard error, trimmed and capped.
	Stderr string
	// Err is the underlying error from os/exec.
	Err error
}

// Error renders the command, directory, status, stderr and a fix when known.
func (e *GitError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "git %s (in %s): ", strings.Join(quoteArgs(e.Args), " "), e.Dir)
	if e.ExitCode >= 0 {
		fmt.Fprintf(&b, "exit status %d", e.ExitCode)
	} else {
		b.WriteString(e.Err.Error())
	}
	if e.Stderr != "" {
		b.WriteString(": ")
		b.WriteString(e.Stderr)
	}
	if hint := e.Hint(); hint != "" {
		b.WriteString(" (fix: ")
		b.WriteString(hint)
		b.WriteString(")")
	}
	return b.String()
}

// Unwrap returns the os/exec error so errors.Is(err, exec.ErrNotFound) and
// context errors can be detected.
func (e *GitError) Unwrap() error { return e.Err }

// Hint returns the fix for a failure git explains in a way looper recognises,
// or "" when there is nothing more useful to say than git's own message.
func (e *GitError) Hint() string {
	s := e.Stderr
	switch {
	case errors.Is(e.Err, exec.ErrNotFound):
		return "install git 2.38 or newer and make sure it is on PATH"
	case strings.Contains(s, "detected dubious ownership"):
		return fmt.Sprintf("if you trust this repository, run: git config --global --add safe.directory %s", e.Dir)
	case strings.Contains(s, "Please tell me who you are"), strings.Contains(s, "empty ident name"):
		return `set an identity: git config user.name "Your Name" && git config user.email you@example.com`
	case strings.Contains(s, ".lock': File exists"):
		return "another git process is working in this repository; wait for it to finish, or delete the named .lock file if no git process is running"
	case strings.Contains(s, "is not a valid branch name"), strings.Contains(s, "cannot lock ref"):
		return "a branch or file in the looper/ ref namespace is in the way (for example a branch named 'looper'); rename it or run looper clean --worktrees"
	case strings.Contains(s, "already exists"):
		return "a leftover worktree or branch from an earlier run is in the way; run looper clean --worktrees"
	case strings.Contains(s, "unknown option") || strings.Contains(s, "unknown switch") || strings.Contains(s, "usage: git"):
		return "looper needs git 2.38 or newer (git merge-tree --write-tree); upgrade git"
	case strings.Contains(s, "MERGE_HEAD exists"), strings.Contains(s, "You have not concluded your merge"):
		return "finish or abort the merge in progress in the main worktree (git merge --continue or git merge --abort)"
	}
	return ""
}

// quoteArgs makes empty, spaced or control-character arguments visible in
// messages; it is for display only, nothing is ever passed through a shell.
func quoteArgs(args []string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		if a == "" || strings.ContainsAny(a, " \t\n\r\"'\\$`\x00") {
			out[i] = fmt.Sprintf("%q", a)
		} else {
			out[i] = a
		}
	}
	return out
}

// repoScopedEnv lists variables that would point git at another repository,
// index or pathspec mode than the one looper means (they are set, for example,
// when looper runs from inside a git hook); they are removed from the
// environment of every git command.
var repoScopedEnv = []string{
	"GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY",
	"GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_COMMON_DIR", "GIT_NAMESPACE",
	"GIT_PREFIX", "GIT_LITERAL_PATHSPECS", "GIT_GLOB_PATHSPECS",
	"GIT_NOGLOB_PATHSPECS", "GIT_ICASE_PATHSPECS", "GIT_QUARANTINE_PATH",
	"GIT_OPTIONAL_LOCKS", "LC_ALL", "LANG", "LANGUAGE",
}

// gitEnv returns the environment for a git command: the process environment
// without repoScopedEnv, plus settings that make git predictable unattended
// (C locale for parseable messages, no prompts, no editor, no pager).
func gitEnv(extra ...string) []string {
	env := make([]string, 0, len(os.Environ())+8+len(extra))
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		drop := false
		for _, s := range repoScopedEnv {
			if name == s {
				drop = true
				break
			}
		}
		if !drop {
			env = append(env, kv)
		}
	}
	env = append(env,
		"LC_ALL=C",
		"GIT_TERMINAL_PROMPT=0",
		"GIT_EDITOR=:",
		"GIT_SEQUENCE_EDITOR=:",
		"GIT_MERGE_AUTOEDIT=no",
		"GIT_PAGER=cat",
	)
	return append(env, extra...)
}

// baseConfig is passed as -c flags to every git command: looper creates and
// deletes many refs in a burst, and an automatic gc or maintenance run
// started in the background by one of them would pack refs under the feet of
// the next command. The user's own git commands still trigger them.
var baseConfig = []string{"-c", "gc.auto=0", "-c", "maintenance.auto=false"}

// stderrCap bounds how much of git's stderr an error carries.
const stderrCap = 8 << 10

// git runs one git command in dir and returns its standard output. A failure
// is a *GitError. Cancelling ctx sends SIGTERM (git removes its lock files on
// SIGTERM) and, if git has not exited 5 seconds later, SIGKILL.
func git(ctx context.Context, dir string, args ...string) ([]byte, error) {
	return gitWithEnv(ctx, dir, nil, args...)
}

// gitRead runs a read-only git command that must not take optional locks
// (git status otherwise refreshes and rewrites the index, which competes with
// the user's own git commands for index.lock).
func gitRead(ctx context.Context, dir string, args ...string) ([]byte, error) {
	return gitWithEnv(ctx, dir, []string{"GIT_OPTIONAL_LOCKS=0"}, args...)
}

func gitWithEnv(ctx context.Context, dir string, env []string, args ...string) ([]byte, error) {
	argv := make([]string, 0, len(baseConfig)+len(args))
	argv = append(argv, baseConfig...)
	argv = append(argv, args...)
	cmd := exec.CommandContext(ctx, "git", argv...)
	cmd.Dir = dir
	cmd.Env = gitEnv(env...)
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 5 * time.Second
	var stdout bytes.Buffer
	stderr := proc.NewTail(stderrCap)
	cmd.Stdout = &stdout
	cmd.Stderr = stderr
	err := cmd.Run()
	if err == nil {
		return stdout.Bytes(), nil
	}
	ge := &GitError{Args: args, Dir: dir, ExitCode: -1, Stderr: strings.TrimSpace(stderr.String()), Err: err}
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) && exitErr.Exited() {
		ge.ExitCode = exitErr.ExitCode()
	}
	if ctxErr := ctx.Err(); ctxErr != nil {
		ge.ExitCode = -1
		ge.Err = fmt.Errorf("%w (%v)", ctxErr, err)
	}
	return stdout.Bytes(), ge
}

// exitCode returns the exit status of a failed git command, or -1 when err is
// not a *GitError that ran to completion.
func exitCode(err error) int {
	var ge *GitError
	if errors.As(err, &ge) {
		return ge.ExitCode
	}
	return -1
}

// literal turns a repository-relative path into a pathspec that git matches
// byte for byte: no globbing, and a leading ':' is not read as magic.
func literal(path string) string { return ":(literal)" + path }

// literals maps literal over paths.
func literals(paths []string) []string {
	out := make([]string, len(paths))
	for i, p := range paths {
		out[i] = literal(p)
	}
	return out
}

// splitNUL splits NUL-terminated records, dropping the empty record after the
// final terminator.
func splitNUL(out []byte) []string {
	s := string(out)
	s = strings.TrimSuffix(s, "\x00")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\x00")
}

// firstLine returns the output's first line without its newline.
func firstLine(out []byte) string {
	s, _, _ := strings.Cut(string(out), "\n")
	return strings.TrimSpace(s)
}
