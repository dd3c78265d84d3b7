package kube

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ExitLost is the exit status of an attempt whose pod was lost (deleted,
// evicted, its node gone) or could not be had (unschedulable, no image):
// the runner's failure, reported on stderr with the reason.
const ExitLost = 75

// agentScript runs the agent in the pod: in its tree, with the variables
// looper set for it (sent beforehand to /tmp/looper.env, so their values
// never travel in an exec request's URL) on top of the container's own.
const agentScript = `cd "$0" || exit 127
set -a
. /tmp/looper.env
set +a
rm -f /tmp/looper.env
exec "$@"`

// Attempt is one agent attempt run in a pod: the body of `looper
// kube-attempt`, a local process that stands for the agent in looper's
// process group and leaves the attempt's worktree as the agent left it.
type Attempt struct {
	Client *Client
	Config Config
	// Identity is which attempt this is, for the pod's labels.
	Identity Identity
	// Dir is the attempt's worktree on the coordinator; the pod's tree is
	// made at the same path.
	Dir string
	// Argv is the agent's command line; Argv[0] is looked up on the
	// image's PATH by its base name.
	Argv []string
	// Env is the variables looper set for the agent (KEY=VALUE).
	Env []string
	// Writes are files outside Dir the agent writes for looper, copied
	// back to the same paths.
	Writes []string
	// Grace is the agent's grace period: the pod's termination grace.
	Grace time.Duration
	// Stdin is the prompt (nil for none); Stdout and Stderr receive the
	// agent's streams, Stderr also looper's own messages.
	Stdin          io.Reader
	Stdout, Stderr io.Writer
}

// Run runs the attempt and returns the process's exit status: the agent's
// own, 128+n when a signal ended it, ExitLost when the pod was lost. The
// pod is deleted before Run returns. When stop is closed (SIGTERM from
// looper: a timeout, Ctrl-C, fail_fast), the pod is deleted with the
// agent's grace period, and Run returns when the agent has ended.
func (a *Attempt) Run(ctx context.Context, stop <-chan struct{}) int {
	// Everything below talks to the API server under ctx; stop only turns
	// into deleting the pod, so the calls that end the attempt still run.
	t, err := openTree(ctx, a.Dir)
	if err != nil {
		a.say(err.Error())
		return 1
	}
	pod := podFor(a.Config, a.Identity, a.Grace)
	created, err := a.Client.Set.CoreV1().Pods(a.Client.Namespace).Create(ctx, pod, metav1.CreateOptions{})
	if err != nil {
		a.say(fmt.Sprintf("create the attempt's pod in namespace %s: %v", a.Client.Namespace, err))
		return ExitLost
	}
	name := created.Name
	deleted := make(chan struct{})
	var stopped atomic.Bool
	defer func() {
		if !stopped.Load() {
			_ = a.Client.deletePod(context.WithoutCancel(ctx), name, a.Grace)
		}
	}()
	// stop deletes the pod (the kubelet then passes SIGTERM to the agent
	// through kube-hold); the streams end when the agent has ended.
	runCtx, cancelRun := context.WithCancelCause(ctx)
	defer cancelRun(nil)
	go func() {
		select {
		case <-stop:
		case <-runCtx.Done():
			return
		}
		stopped.Store(true)
		if err := a.Client.deletePod(context.WithoutCancel(ctx), name, a.Grace); err != nil {
			a.say(fmt.Sprintf("delete pod %s: %v", name, err))
		}
		close(deleted)
		// The grace period and a margin for the kubelet: then stop waiting.
		select {
		case <-time.After(a.Grace + 15*time.Second):
			cancelRun(errors.New("the pod outlived its grace period"))
		case <-runCtx.Done():
		}
	}()
	a.say(fmt.Sprintf("pod %s/%s", a.Client.Namespace, name))

	if err := a.Client.waitRunning(runCtx, name, a.Config.scheduleTimeout()); err != nil {
		return a.failed(ctx, name, deleted, err)
	}
	if err := t.send(runCtx, a.Client, name); err != nil {
		return a.failed(ctx, name, deleted, fmt.Errorf("send the attempt's base: %w", err))
	}
	if err := a.sendEnv(runCtx, name); err != nil {
		return a.failed(ctx, name, deleted, err)
	}
	argv := append([]string{"sh", "-c", agentScript, a.Dir}, a.Argv...)
	argv[4] = path.Base(filepath.ToSlash(argv[4]))
	code, err := a.Client.Exec(runCtx, name, argv, a.Stdin, a.Stdout, a.Stderr)
	if isDone(deleted) {
		if code < 0 {
			code = 128 + 15
		}
		return code // looper stopped it: the work is not collected
	}
	if lost, why := a.Client.gone(ctx, name); lost {
		return a.failed(ctx, name, deleted, &LostError{Pod: name, Reason: why})
	}
	if err != nil {
		return a.failed(ctx, name, deleted, err)
	}
	if err := t.receive(runCtx, a.Client, name); err != nil {
		return a.failed(ctx, name, deleted, fmt.Errorf("bring the attempt's work home: %w", err))
	}
	for _, w := range a.Writes {
		if err := copyOut(runCtx, a.Client, name, w); err != nil {
			a.say(err.Error())
		}
	}
	return code
}

// failed reports why the attempt could not run or finish and returns its
// exit status: ExitLost when the pod is gone, 143 when looper stopped it.
func (a *Attempt) failed(ctx context.Context, name string, deleted <-chan struct{}, err error) int {
	if isDone(deleted) {
		return 128 + 15
	}
	var lost *LostError
	if !errors.As(err, &lost) {
		if gone, why := a.Client.gone(context.WithoutCancel(ctx), name); gone {
			err = &LostError{Pod: name, Reason: why}
		}
	}
	a.say(err.Error())
	return ExitLost
}

func isDone(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

// sendEnv writes the agent's variables into the pod as a shell file the
// agent's exec sources, and makes the directories of the files it writes.
func (a *Attempt) sendEnv(ctx context.Context, name string) error {
	var b strings.Builder
	for _, kv := range a.Env {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || !shellName(k) {
			continue
		}
		b.WriteString(k + "=" + shellQuote(v) + "\n")
	}
	script := `cat >/tmp/looper.env`
	args := []string{"sh", "-c", script + ` && shift && for d in "$@"; do mkdir -p "$d"; done`, "sh", "-"}
	for _, w := range a.Writes {
		args = append(args, path.Dir(filepath.ToSlash(w)))
	}
	var errOut strings.Builder
	code, err := a.Client.Exec(ctx, name, args, strings.NewReader(b.String()), io.Discard, &errOut)
	if err != nil {
		return err
	}
	if code != 0 {
		return fmt.Errorf("write the agent's environment in pod %s (exit %d): %s", name, code, errOut.String())
	}
	return nil
}

func shellName(k string) bool {
	if k == "" || (k[0] >= '0' && k[0] <= '9') {
		return false
	}
	for _, c := range k {
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// shellQuote quotes s for a POSIX shell.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// say writes one of looper's own lines on the attempt's stderr, where the
// run log and the failure's stderr tail show it.
func (a *Attempt) say(msg string) {
	fmt.Fprintln(a.Stderr, "looper kubernetes: "+msg)
}
