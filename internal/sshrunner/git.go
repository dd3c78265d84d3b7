package sshrunner

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
)

// base is what an attempt starts from: the commit and branch checked out
// in its local worktree, and the committer identity the project uses, so
// the agent's commits on the host carry the same name as on the
// coordinator.
type base struct {
	dir, commit, branch, name, email string
}

func gitOut(ctx context.Context, dir string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("git %s in %s: %v: %s", strings.Join(args, " "), dir, err, strings.TrimSpace(stderr.String()))
	}
	return strings.TrimSpace(string(out)), nil
}

// readBase reads the attempt's starting point from its local worktree. An
// attempt that runs on a host must be on a branch: its work comes back as
// that branch's new commits.
func readBase(ctx context.Context, dir string) (base, error) {
	b := base{dir: dir}
	var err error
	if b.commit, err = gitOut(ctx, dir, "rev-parse", "--verify", "HEAD^{commit}"); err != nil {
		return b, fmt.Errorf("an ssh runner needs the attempt in a git worktree: %w", err)
	}
	if b.branch, err = gitOut(ctx, dir, "symbolic-ref", "--short", "HEAD"); err != nil {
		return b, fmt.Errorf("an ssh runner needs the attempt's worktree on a branch: %w", err)
	}
	b.name, _ = gitOut(ctx, dir, "config", "user.name")
	b.email, _ = gitOut(ctx, dir, "config", "user.email")
	return b, nil
}

// bundle writes a bundle of the attempt's branch (its whole history: the
// host keeps no copy of the repository between attempts) to a temporary
// file and returns it open at its start.
func (b base) bundle(ctx context.Context) (*os.File, error) {
	f, err := os.CreateTemp("", "looper-base-*.bundle")
	if err != nil {
		return nil, err
	}
	name := f.Name()
	f.Close()
	if _, err := gitOut(ctx, b.dir, "bundle", "create", "--quiet", name, "refs/heads/"+b.branch); err != nil {
		os.Remove(name)
		return nil, err
	}
	f, err = os.Open(name)
	os.Remove(name) // the open file stays readable
	return f, err
}

// land fetches the result bundle (the branch's commits since the base)
// into the local repository and moves the worktree's branch to its tip.
// The local worktree has not been touched since the attempt started, so
// the hard reset only replaces the base's tree with the agent's.
func (b base) land(ctx context.Context, bundle, tag string) (string, error) {
	ref := "refs/looper-remote/" + tag
	if _, err := gitOut(ctx, b.dir, "fetch", "--quiet", "--no-tags", "--no-write-fetch-head", bundle, "+refs/heads/"+b.branch+":"+ref); err != nil {
		return "", err
	}
	defer func() { _, _ = gitOut(context.WithoutCancel(ctx), b.dir, "update-ref", "-d", ref) }() // a leftover ref is harmless
	tip, err := gitOut(ctx, b.dir, "rev-parse", "--verify", ref+"^{commit}")
	if err != nil {
		return "", err
	}
	if _, err := gitOut(ctx, b.dir, "reset", "--quiet", "--hard", tip); err != nil {
		return "", err
	}
	return tip, nil
}
