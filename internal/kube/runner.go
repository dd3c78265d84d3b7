package kube

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/looper-go/looper/internal/runner"
	"github.com/looper-go/looper/internal/shellquote"
)

// agentScript runs the agent in the pod: in its tree, with the variables
// looper set for it (sent beforehand to /tmp/looper.env, so their values
// never travel in an exec request's URL) on top of the container's own.
const agentScript = `cd "$0" || exit 127
set -a
. /tmp/looper.env
set +a
rm -f /tmp/looper.env
exec "$@"`

// Runner runs each attempt in a pod of its own (runner.Runner): it makes
// the pod, sends the attempt's base in as a git bundle, runs the agent by
// an exec whose streams are the agent's, and brings the work home as a
// bundle against the base before Wait returns. One Runner serves every
// attempt of a run.
type Runner struct {
	// Client is the connection to the API server, in the pods' namespace.
	Client *Client
	// Config is what every attempt's pod is made from, and the run's
	// identity for its labels.
	Config Config
}

// Name is the runner's kind.
func (r *Runner) Name() string { return "kubernetes" }

// Start makes the attempt's pod, waits until it runs (failing with the
// scheduler's or the kubelet's reason when it cannot), makes the attempt's
// tree in it and starts the agent. A failure of the cluster (the pod
// cannot be made, stays unschedulable, has no image, is deleted) is a
// runner.LostError: the task is left as it was. The pod is deleted before
// Start returns an error.
func (r *Runner) Start(ctx context.Context, c runner.Command) (runner.Process, error) {
	if r.Client == nil {
		return nil, errors.New("kubernetes runner: no connection to the cluster")
	}
	if len(c.Argv) == 0 {
		return nil, errors.New("kubernetes runner: no agent command")
	}
	t, err := openTree(ctx, c.Dir)
	if err != nil {
		return nil, err
	}
	cl := r.Client
	pod := podFor(r.Config, identityOf(c.Own), c.Grace)
	created, err := cl.Set.CoreV1().Pods(cl.Namespace).Create(ctx, pod, metav1.CreateOptions{})
	if err != nil {
		if ctx.Err() != nil {
			return nil, context.Cause(ctx)
		}
		return nil, &runner.LostError{Reason: fmt.Sprintf("create the attempt's pod in namespace %s: %v", cl.Namespace, err)}
	}
	runCtx, cancel := context.WithCancelCause(context.Background())
	p := &process{cl: cl, name: created.Name, grace: c.Grace, ctx: runCtx, cancel: cancel,
		stop: make(chan struct{}), done: make(chan struct{})}
	p.stdoutR, p.stdoutW = io.Pipe()
	p.stderrR, p.stderrW = io.Pipe()
	fail := func(err error) (runner.Process, error) {
		cancel(err)
		// A pod that never ran the agent goes at once.
		if werr := p.remove(0); werr != "" {
			err = fmt.Errorf("%w; %s", err, werr)
		}
		if ctx.Err() != nil {
			return nil, context.Cause(ctx)
		}
		return nil, &runner.LostError{Reason: err.Error()}
	}
	if err := cl.waitRunning(ctx, p.name, r.Config.scheduleTimeout()); err != nil {
		return fail(err)
	}
	if err := t.send(ctx, cl, p.name); err != nil {
		return fail(p.why(fmt.Errorf("send the attempt's base into pod %s: %w", p.name, err)))
	}
	if err := sendEnv(ctx, cl, p.name, c.Own, c.Writes); err != nil {
		return fail(p.why(err))
	}
	argv := append([]string{"sh", "-c", agentScript, c.Dir}, c.Argv...)
	argv[4] = path.Base(filepath.ToSlash(argv[4]))
	var stdin io.Reader
	if c.Stdin != nil {
		stdin = bytes.NewReader(c.Stdin)
	}
	go p.run(t, argv, stdin, c.Writes)
	return p, nil
}

// identityOf reads which attempt a command is from the LOOPER_* variables
// looper set for it (later entries win).
func identityOf(own []string) Identity {
	var id Identity
	for _, kv := range own {
		k, v, _ := strings.Cut(kv, "=")
		switch k {
		case "LOOPER_TASK_ID":
			id.Task = v
		case "LOOPER_AGENT_ID":
			id.Agent = v
		case "LOOPER_ATTEMPT":
			id.Attempt, _ = strconv.Atoi(v)
		}
	}
	return id
}

// sendEnv writes the agent's variables into the pod as a shell file the
// agent's exec sources, and makes the directories of the files it writes.
func sendEnv(ctx context.Context, cl *Client, name string, env, writes []string) error {
	var b strings.Builder
	for _, kv := range env {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || !shellName(k) {
			continue
		}
		b.WriteString(k + "=" + shellquote.Quote(v) + "\n")
	}
	args := []string{"sh", "-c", `cat >/tmp/looper.env && shift && for d in "$@"; do mkdir -p "$d"; done`, "sh", "-"}
	for _, w := range writes {
		args = append(args, path.Dir(filepath.ToSlash(w)))
	}
	var errOut strings.Builder
	code, err := cl.Exec(ctx, name, args, strings.NewReader(b.String()), io.Discard, &errOut)
	if err != nil {
		return err
	}
	if code != 0 {
		return fmt.Errorf("write the agent's environment in pod %s (exit %d): %s", name, code, strings.TrimSpace(errOut.String()))
	}
	return nil
}

// shellName reports whether k can be a shell variable's name.
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

// removeWait bounds how long a deleted pod may take to go, beyond its grace.
const removeWait = time.Minute
