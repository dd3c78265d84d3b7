package kube

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Pods lists the pods matching a label selector, by name.
func (cl *Client) Pods(ctx context.Context, selector string) ([]corev1.Pod, error) {
	list, err := cl.Set.CoreV1().Pods(cl.Namespace).List(ctx, metav1.ListOptions{LabelSelector: selector})
	if err != nil {
		return nil, fmt.Errorf("list pods in namespace %s: %w", cl.Namespace, err)
	}
	pods := list.Items
	sort.Slice(pods, func(i, j int) bool { return pods[i].Name < pods[j].Name })
	return pods, nil
}

// Sweep deletes every pod matching selector with the given grace and waits
// until they are gone or ctx ends. It returns the pods it deleted.
func (cl *Client) Sweep(ctx context.Context, selector string, grace time.Duration) ([]corev1.Pod, error) {
	pods, err := cl.Pods(ctx, selector)
	if err != nil || len(pods) == 0 {
		return nil, err
	}
	for _, p := range pods {
		if err := cl.deletePod(ctx, p.Name, grace); err != nil {
			return pods, fmt.Errorf("delete pod %s: %w", p.Name, err)
		}
	}
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	for {
		left, err := cl.Pods(ctx, selector)
		if err != nil {
			return pods, err
		}
		if len(left) == 0 {
			return pods, nil
		}
		select {
		case <-ctx.Done():
			return pods, fmt.Errorf("%d pod(s) still terminating: %s", len(left), names(left))
		case <-tick.C:
		}
	}
}

// Describe is one line about a pod of an attempt: its name, which attempt
// it ran, and its state.
func Describe(p corev1.Pod) string {
	task := p.Annotations["looper.dev/task-id"]
	if task == "" {
		task = p.Labels[LabelTask]
	}
	agent := p.Annotations["looper.dev/agent-id"]
	if agent == "" {
		agent = p.Labels[LabelAgent]
	}
	state := string(p.Status.Phase)
	if p.DeletionTimestamp != nil {
		state = "Terminating"
	}
	return fmt.Sprintf("%s (run %s, task %s attempt %s, %s, %s)", p.Name, p.Labels[LabelRun], task, p.Labels[LabelAttempt], agent, state)
}

func names(pods []corev1.Pod) string {
	var n []string
	for _, p := range pods {
		n = append(n, p.Name)
	}
	return strings.Join(n, ", ")
}

// Check makes sure the namespace can hold the attempts' pods: it lists
// pods there (the runner's least right) and, when a Secret is named, that
// it exists, so a typo fails the run before any attempt starts. The
// Secret is fetched only to see that it is there: looper never uses or
// shows its values.
func (cl *Client) Check(ctx context.Context, c Config) error {
	if _, err := cl.Set.CoreV1().Pods(cl.Namespace).List(ctx, metav1.ListOptions{Limit: 1}); err != nil {
		return fmt.Errorf("kubernetes: cannot list pods in namespace %s: %w", cl.Namespace, err)
	}
	if c.Secret != "" {
		_, err := cl.Set.CoreV1().Secrets(cl.Namespace).Get(ctx, c.Secret, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return fmt.Errorf("kubernetes: secret %s does not exist in namespace %s", c.Secret, cl.Namespace)
		}
		if err != nil && !apierrors.IsForbidden(err) {
			return fmt.Errorf("kubernetes: secret %s: %w", c.Secret, err)
		}
	}
	return nil
}
