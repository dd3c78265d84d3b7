package kube

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
)

// receiveScript makes the attempt's tree in the pod at the same path as the
// worktree on the coordinator (so paths in the prompt hold), from the
// bundle on stdin: the branch checked out at the base, the committer the
// coordinator's repository uses.
const receiveScript = `set -e
mkdir -p "$1"
cd "$1"
git init -q
cat >/tmp/looper-base.bundle
git bundle verify -q /tmp/looper-base.bundle >/dev/null
git fetch -q --no-tags --update-head-ok /tmp/looper-base.bundle "+refs/heads/$2:refs/heads/$2"
git symbolic-ref HEAD "refs/heads/$2"
git reset -q --hard
rm -f /tmp/looper-base.bundle
git config user.name "$3"
git config user.email "$4"
`

// sendScript writes what the agent did as a bundle on stdout, against the
// base: the branch, and refs/looper/snapshot, a commit (child of HEAD) of
// the whole tree as the agent left it, so uncommitted work travels too.
const sendScript = `set -e
cd "$1"
git add -A >/dev/null 2>&1 || true
tree=$(git write-tree)
head=$(git rev-parse -q --verify HEAD || echo "$3")
snap=$(git commit-tree "$tree" -p "$head" -m "looper: the tree as the agent left it")
git update-ref refs/looper/snapshot "$snap"
git bundle create - "refs/heads/$2" refs/looper/snapshot --not "$3" 2>/dev/null
`

// snapshotRef is the ref the result bundle carries the agent's tree in.
const snapshotRef = "refs/looper/snapshot"

// tree is the coordinator's side of an attempt's worktree.
type tree struct {
	dir    string
	branch string
	base   string
}

func openTree(ctx context.Context, dir string) (tree, error) {
	t := tree{dir: dir}
	var err error
	if t.branch, err = git(ctx, dir, "symbolic-ref", "--short", "HEAD"); err != nil {
		return t, fmt.Errorf("the attempt's tree %s is on no branch: %w", dir, err)
	}
	if t.base, err = git(ctx, dir, "rev-parse", "--verify", "HEAD^{commit}"); err != nil {
		return t, err
	}
	return t, nil
}

func git(ctx context.Context, dir string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "git", append([]string{"-C", dir}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("git %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return strings.TrimSpace(string(out)), nil
}

// committer is the name and email the pod's commits use: the coordinator
// repository's, else looper's.
func (t tree) committer(ctx context.Context) (name, email string) {
	name, _ = git(ctx, t.dir, "config", "user.name")
	email, _ = git(ctx, t.dir, "config", "user.email")
	if name == "" {
		name = "looper"
	}
	if email == "" {
		email = "looper@localhost"
	}
	return name, email
}

// send streams a bundle of the branch into the pod and makes the tree there.
func (t tree) send(ctx context.Context, cl *Client, pod string) error {
	cmd := exec.CommandContext(ctx, "git", "-C", t.dir, "bundle", "create", "-", "refs/heads/"+t.branch)
	var gitErr bytes.Buffer
	cmd.Stderr = &gitErr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("git bundle create: %w", err)
	}
	name, email := t.committer(ctx)
	var podErr bytes.Buffer
	code, execErr := cl.Exec(ctx, pod, []string{"sh", "-c", receiveScript, "sh", t.dir, t.branch, name, email}, out, io.Discard, &podErr)
	_, _ = io.Copy(io.Discard, out) // never leave git blocked on a full pipe
	waitErr := cmd.Wait()
	switch {
	case execErr != nil:
		return execErr
	case waitErr != nil:
		return fmt.Errorf("git bundle create: %v: %s", waitErr, strings.TrimSpace(gitErr.String()))
	case code != 0:
		return fmt.Errorf("making the tree in pod %s failed (exit %d): %s", pod, code, strings.TrimSpace(podErr.String()))
	}
	return nil
}

// receive brings the pod's work home: it fetches the result bundle into the
// coordinator's repository, points the branch at the pod's HEAD and makes
// the worktree's files the agent's tree, uncommitted changes left
// uncommitted, as a local agent would have left them.
func (t tree) receive(ctx context.Context, cl *Client, pod string) error {
	f, err := os.CreateTemp("", "looper-kube-*.bundle")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	defer f.Close()
	w := bufio.NewWriter(f)
	var podErr bytes.Buffer
	code, err := cl.Exec(ctx, pod, []string{"sh", "-c", sendScript, "sh", t.dir, t.branch, t.base}, nil, w, &podErr)
	if err != nil {
		return err
	}
	if code != 0 {
		return fmt.Errorf("bundling the work in pod %s failed (exit %d): %s", pod, code, strings.TrimSpace(podErr.String()))
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if _, err := git(ctx, t.dir, "bundle", "verify", "-q", f.Name()); err != nil {
		return fmt.Errorf("the result bundle from pod %s: %w", pod, err)
	}
	heads, err := git(ctx, t.dir, "bundle", "list-heads", f.Name())
	if err != nil {
		return err
	}
	refs := map[string]string{}
	for line := range strings.Lines(heads) {
		if sha, ref, ok := strings.Cut(strings.TrimSpace(line), " "); ok {
			refs[ref] = sha
		}
	}
	snap := refs[snapshotRef]
	if snap == "" {
		return errors.New("the result bundle from pod " + pod + " holds no snapshot of the tree")
	}
	if _, err := git(ctx, t.dir, "fetch", "-q", "--no-tags", "--no-write-fetch-head", f.Name(), snapshotRef); err != nil {
		return err
	}
	// The snapshot's parent is the pod's HEAD: the branch's new tip, or
	// wherever the agent moved HEAD (the integrity checks judge that).
	head, err := git(ctx, t.dir, "rev-parse", "--verify", snap+"^1")
	if err != nil {
		return err
	}
	if _, err := git(ctx, t.dir, "reset", "-q", "--hard", head); err != nil {
		return err
	}
	if _, err := git(ctx, t.dir, "read-tree", "-u", "--reset", snap); err != nil {
		return err
	}
	_, err = git(ctx, t.dir, "reset", "-q")
	return err
}

// copyOut copies a file the agent wrote in the pod (codex's last message)
// to the same path on the coordinator; a file the agent did not write is
// no error.
func copyOut(ctx context.Context, cl *Client, pod, path string) error {
	var out, errOut bytes.Buffer
	code, err := cl.Exec(ctx, pod, []string{"sh", "-c", `[ ! -e "$1" ] || cat "$1"`, "sh", path}, nil, &out, &errOut)
	if err != nil {
		return err
	}
	if code != 0 {
		return fmt.Errorf("read %s in pod %s: %s", path, pod, strings.TrimSpace(errOut.String()))
	}
	return os.WriteFile(path, out.Bytes(), 0o600)
}
