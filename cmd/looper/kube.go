package main

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"

	"github.com/looper-go/looper/config"
	"github.com/looper-go/looper/internal/agent"
	"github.com/looper-go/looper/internal/kube"
	"github.com/looper-go/looper/sinks"
)

// kubeRun is a run's side of the Kubernetes runner: the runner its
// attempts go through, and the clean-up of pods at its start and end.
type kubeRun struct {
	client *kube.Client
	cfg    kube.Config
	runner *kube.Runner
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
	k := &kubeRun{client: cl, cfg: kc, runner: &kube.Runner{Client: cl, Config: kc}}
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

// placeKube runs the session's attempts as pods: it connects to the
// cluster and cleans up after earlier runs (startKube). Like an ssh host,
// a pod's work lands by moving the attempt's branch, which must never be
// the user's checkout, so attempts need worktrees.
func (s *session) placeKube() error {
	if s.services.Repo == nil {
		return fmt.Errorf("kubernetes: attempts run as pods need a worktree per attempt; set [parallel] enabled = true (isolation auto or worktree) in a git repository with a commit, or [runners] use = \"local\"")
	}
	k, err := startKube(s.ctx, s.cfg, s.settings.TodoPath, s.settings.RunID, s.emit)
	if err != nil {
		return err
	}
	s.kube = k
	if ar, ok := s.services.Runner.(*agent.Runner); ok {
		ar.Place = k.runner
	}
	return nil
}
