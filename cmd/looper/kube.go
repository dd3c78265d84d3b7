package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/looper-go/looper/config"
	"github.com/looper-go/looper/internal/kube"
	"github.com/looper-go/looper/sinks"
)

// kubeAttemptMain is the hidden `looper kube-attempt -- <argv>`: one attempt
// run in a pod, started by the agent runner in the agent's place when
// [kubernetes] is enabled (kube.Confiner). It handles SIGTERM itself: the
// pod is deleted with the agent's grace period, and the process ends as
// the agent in the pod did.
func kubeAttemptMain(args []string) int {
	if len(args) > 0 && args[0] == "--" {
		args = args[1:]
	}
	a, err := kube.AttemptFromEnv(args)
	if err != nil {
		fmt.Fprintln(os.Stderr, "looper kube-attempt:", err)
		return exitUsage
	}
	cl, err := kube.Connect(a.Config)
	if err != nil {
		fmt.Fprintln(os.Stderr, "looper kube-attempt:", err)
		return kube.ExitLost
	}
	a.Client = cl
	a.Stdin, a.Stdout, a.Stderr = os.Stdin, os.Stdout, os.Stderr
	stop := make(chan struct{})
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		<-sigs
		close(stop)
	}()
	code := a.Run(context.Background(), stop)
	if code > 128 && code < 128+32 {
		// The agent died by a signal: so does its stand-in, so that
		// looper's classification reads the same exit as for a local agent.
		signal.Reset(syscall.SIGTERM, syscall.SIGINT)
		_ = syscall.Kill(os.Getpid(), syscall.Signal(code-128))
		time.Sleep(time.Second)
	}
	return code
}

// kubeRun is a run's side of the Kubernetes runner: the confiner its
// attempts go through, and the clean-up of pods at its start and end.
type kubeRun struct {
	client   *kube.Client
	cfg      kube.Config
	confiner *kube.Confiner
}

// kubeConfig is the [kubernetes] section as internal/kube takes it.
func kubeConfig(c config.KubeConfig, todoPath, runID string) kube.Config {
	return kube.Config{
		Kubeconfig: expandHome(c.Kubeconfig), Context: c.Context, Namespace: c.Namespace,
		Image: c.Image, PullPolicy: c.PullPolicy, Secret: c.Secret, ServiceAccount: c.ServiceAccount,
		NodeSelector: c.NodeSelector, Requests: c.Requests, Limits: c.Limits, ScheduleTimeout: c.ScheduleTimeout,
		Project: kube.ProjectLabel(todoPath), RunID: runID,
	}
}

// startKube connects to the cluster, checks the namespace (and the Secret),
// and reports and deletes the pods an earlier run of this backlog left.
func startKube(ctx context.Context, cfg *config.Config, todoPath, runID string, emit func(slog.Level, sinks.Kind, string)) (*kubeRun, error) {
	kc := kubeConfig(cfg.Kube, todoPath, runID)
	if err := kc.Validate(); err != nil {
		return nil, err
	}
	cl, err := kube.Connect(kc)
	if err != nil {
		return nil, err
	}
	kc.Namespace = cl.Namespace
	if err := cl.Check(ctx, kc); err != nil {
		return nil, err
	}
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("kubernetes runner: looper's executable: %w", err)
	}
	k := &kubeRun{client: cl, cfg: kc, confiner: &kube.Confiner{Config: kc, Looper: exe}}
	left, err := cl.Pods(ctx, kube.ProjectSelector(kc.Project))
	if err != nil {
		return nil, err
	}
	if len(left) > 0 {
		var lines []string
		for _, p := range left {
			lines = append(lines, kube.Describe(p))
		}
		emit(slog.LevelWarn, sinks.KindWarning, fmt.Sprintf("kubernetes: %d pod(s) of an earlier run of this backlog are left in namespace %s; deleting them (their work is lost; the tasks start again):\n  %s",
			len(left), cl.Namespace, strings.Join(lines, "\n  ")))
		sctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
		defer cancel()
		if _, err := cl.Sweep(sctx, kube.ProjectSelector(kc.Project), 0); err != nil {
			return nil, fmt.Errorf("kubernetes: clean up an earlier run's pods: %w", err)
		}
	}
	emit(slog.LevelInfo, sinks.KindInfo, fmt.Sprintf("kubernetes: every attempt runs in a pod of image %s in namespace %s", kc.Image, cl.Namespace))
	kubeKill.Store(k)
	return k, nil
}

// finish deletes whatever pods of this run are left (an attempt process
// killed before it could delete its own), and waits until they are gone.
func (k *kubeRun) finish(grace time.Duration) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), grace+time.Minute)
	defer cancel()
	pods, err := k.client.Sweep(ctx, kube.RunSelector(k.cfg.Project, k.cfg.RunID), grace)
	kubeKill.CompareAndSwap(k, nil)
	if len(pods) == 0 {
		return "", err
	}
	var names []string
	for _, p := range pods {
		names = append(names, p.Name)
	}
	return fmt.Sprintf("kubernetes: deleted %d pod(s) left by this run: %s", len(pods), strings.Join(names, ", ")), err
}

// kubeKill is the run whose pods the second Ctrl-C deletes at once, after
// agent.KillAll has killed the processes that would have deleted them.
var kubeKill atomic.Pointer[kubeRun]

// killKubePods is the second Ctrl-C's part for the Kubernetes runner.
func killKubePods() {
	if k := kubeKill.Load(); k != nil {
		_, _ = k.finish(0)
	}
}
