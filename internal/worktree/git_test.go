package worktree

import (
	"context"
	"errors"
	"os/exec"
	"strings"
	"testing"
)

func TestGitError(t *testing.T) {
	t.Parallel()
	r := newRepo(t)
	_, err := git(context.Background(), r.Root(), "rev-parse", "--verify", "no such thing")
	var ge *GitError
	if !errors.As(err, &ge) {
		t.Fatalf("err = %v, want a *GitError", err)
	}
	if ge.ExitCode != 128 || ge.Dir != r.Root() || !strings.Contains(ge.Stderr, "fatal") {
		t.Errorf("GitError = %+v", ge)
	}
	if msg := err.Error(); !strings.Contains(msg, `git rev-parse --verify "no such thing" (in `+r.Root()+"): exit status 128: fatal") {
		t.Errorf("Error() = %q", msg)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = git(ctx, r.Root(), "status")
	if !errors.Is(err, context.Canceled) || exitCode(err) != -1 {
		t.Errorf("cancelled: err = %v, exit code %d", err, exitCode(err))
	}

	for stderr, want := range map[string]string{
		"fatal: detected dubious ownership in repository at '/x'":                      "safe.directory",
		"*** Please tell me who you are.":                                              "user.email",
		"fatal: Unable to create '/r/.git/index.lock': File exists.":                   "another git process",
		"fatal: a branch named 'looper/r/t/1' already exists":                          "looper clean --worktrees",
		"error: unknown option `write-tree'":                                           "2.38",
		"fatal: You have not concluded your merge (MERGE_HEAD exists).":                "git merge --abort",
		"fatal: cannot lock ref 'refs/heads/looper/r/t/1': 'refs/heads/looper' exists": "branch named 'looper'",
	} {
		e := &GitError{Args: []string{"x"}, Dir: "/r", ExitCode: 128, Stderr: stderr, Err: errors.New("exit status 128")}
		if !strings.Contains(e.Hint(), want) || !strings.Contains(e.Error(), "(fix: ") {
			t.Errorf("hint for %q = %q, want it to mention %q", stderr, e.Hint(), want)
		}
	}
	missing := &GitError{Args: []string{"status"}, ExitCode: -1, Err: exec.ErrNotFound}
	if !strings.Contains(missing.Error(), "install git") {
		t.Errorf("git missing: %q", missing.Error())
	}
	if (&GitError{Stderr: "fatal: something else", Err: errors.New("x")}).Hint() != "" {
		t.Errorf("unknown failure got a hint")
	}
}
