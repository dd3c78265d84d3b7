package kube

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// container is the name of the attempt pod's one container.
const container = "agent"

// Identity is which attempt a pod belongs to, as its labels say.
type Identity struct {
	Task    string
	Attempt int
	Agent   string
}

// podFor is the pod of one attempt: a bare pod (looper decides retries, so
// a Job's controller would add nothing but a second object to clean up)
// whose container runs `looper kube-hold` and waits for the execs that do
// the work. Its grace period is the agent's, since deleting the pod is how
// the agent is stopped.
func podFor(c Config, id Identity, grace time.Duration) *corev1.Pod {
	no := false
	graceSeconds := int64(grace / time.Second)
	lbl := map[string]string{
		LabelProject: c.Project,
		LabelRun:     LabelValue(c.RunID),
		LabelTask:    LabelValue(id.Task),
		LabelAttempt: strconv.Itoa(id.Attempt),
		LabelAgent:   LabelValue(id.Agent),
	}
	ctr := corev1.Container{
		Name:            container,
		Image:           c.Image,
		ImagePullPolicy: corev1.PullPolicy(c.PullPolicy),
		Command:         []string{"looper", "kube-hold"},
		WorkingDir:      "/",
		Resources: corev1.ResourceRequirements{
			Requests: quantities(c.Requests),
			Limits:   quantities(c.Limits),
		},
	}
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			GenerateName: podNamePrefix(id.Task),
			Namespace:    c.Namespace,
			Labels:       lbl,
			Annotations:  map[string]string{"looper.dev/task-id": id.Task, "looper.dev/agent-id": id.Agent},
		},
		Spec: corev1.PodSpec{
			RestartPolicy:                 corev1.RestartPolicyNever,
			TerminationGracePeriodSeconds: &graceSeconds,
			AutomountServiceAccountToken:  &no,
			ServiceAccountName:            c.ServiceAccount,
			NodeSelector:                  maps.Clone(c.NodeSelector),
			EnableServiceLinks:            &no,
		},
	}
	if c.Secret != "" {
		ctr.EnvFrom = []corev1.EnvFromSource{{SecretRef: &corev1.SecretEnvSource{
			LocalObjectReference: corev1.LocalObjectReference{Name: c.Secret}}}}
		ctr.VolumeMounts = []corev1.VolumeMount{{Name: "credentials", MountPath: SecretMount, ReadOnly: true}}
		pod.Spec.Volumes = []corev1.Volume{{Name: "credentials", VolumeSource: corev1.VolumeSource{
			Secret: &corev1.SecretVolumeSource{SecretName: c.Secret}}}}
	}
	pod.Spec.Containers = []corev1.Container{ctr}
	return pod
}

func quantities(m map[string]string) corev1.ResourceList {
	if len(m) == 0 {
		return nil
	}
	l := corev1.ResourceList{}
	for k, v := range m {
		if q, err := resource.ParseQuantity(v); err == nil { // Validate rejected bad ones
			l[corev1.ResourceName(k)] = q
		}
	}
	return l
}

// waitRunning polls the pod until its container runs. It fails when the
// pod ends or is deleted first, when its image cannot be had, and when it
// stays unschedulable longer than the schedule timeout, with the
// scheduler's reason.
func (cl *Client) waitRunning(ctx context.Context, name string, unschedulable time.Duration) error {
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	var since time.Time
	for {
		pod, err := cl.Set.CoreV1().Pods(cl.Namespace).Get(ctx, name, metav1.GetOptions{})
		switch {
		case apierrors.IsNotFound(err):
			return &LostError{Pod: name, Reason: "deleted before it started"}
		case err != nil && ctx.Err() != nil:
			return context.Cause(ctx)
		case err != nil:
			return fmt.Errorf("pod %s: %w", name, err)
		}
		if pod.DeletionTimestamp != nil {
			return &LostError{Pod: name, Reason: "deleted before it started"}
		}
		switch pod.Status.Phase {
		case corev1.PodRunning:
			for _, cs := range pod.Status.ContainerStatuses {
				if cs.Name == container && cs.State.Running != nil {
					return nil
				}
			}
		case corev1.PodFailed, corev1.PodSucceeded:
			return &LostError{Pod: name, Reason: "ended before the agent started: " + podReason(pod)}
		}
		for _, cs := range pod.Status.ContainerStatuses {
			if w := cs.State.Waiting; w != nil && badWaiting[w.Reason] {
				return fmt.Errorf("pod %s cannot start its container: %s: %s", name, w.Reason, w.Message)
			}
		}
		if c := condition(pod, corev1.PodScheduled); c != nil && c.Status == corev1.ConditionFalse && c.Reason == corev1.PodReasonUnschedulable {
			if since.IsZero() {
				since = time.Now()
			}
			if time.Since(since) >= unschedulable {
				return fmt.Errorf("pod %s is unschedulable after %s: %s", name, unschedulable, c.Message)
			}
		}
		select {
		case <-ctx.Done():
			return context.Cause(ctx)
		case <-tick.C:
		}
	}
}

// badWaiting are the waiting reasons no amount of waiting heals.
var badWaiting = map[string]bool{
	"ErrImageNeverPull": true, "InvalidImageName": true, "ImagePullBackOff": true, "ErrImagePull": true,
	"CreateContainerConfigError": true, "CreateContainerError": true, "RunContainerError": true,
}

func condition(pod *corev1.Pod, t corev1.PodConditionType) *corev1.PodCondition {
	for i := range pod.Status.Conditions {
		if pod.Status.Conditions[i].Type == t {
			return &pod.Status.Conditions[i]
		}
	}
	return nil
}

// podReason says why a pod ended or is going away: its reason (Evicted),
// a DisruptionTarget condition (preemption, node drain, deletion by the
// API), or its phase.
func podReason(pod *corev1.Pod) string {
	var parts []string
	if pod.Status.Reason != "" {
		parts = append(parts, pod.Status.Reason)
	}
	if c := condition(pod, corev1.DisruptionTarget); c != nil && c.Status == corev1.ConditionTrue {
		parts = append(parts, c.Reason)
	}
	if pod.Status.Message != "" {
		parts = append(parts, pod.Status.Message)
	}
	if pod.DeletionTimestamp != nil {
		parts = append(parts, "deleted")
	}
	if len(parts) == 0 {
		parts = append(parts, "phase "+string(pod.Status.Phase))
	}
	return strings.Join(parts, ": ")
}

// LostError is the runner losing an attempt's pod (deleted, evicted, its
// node gone): the agent's work in it is gone, and nothing about the task
// follows from it.
type LostError struct {
	Pod    string
	Reason string
}

func (e *LostError) Error() string {
	return fmt.Sprintf("the attempt's pod %s was lost (%s); the attempt's work in it is gone", e.Pod, e.Reason)
}

// deletePod deletes a pod, giving its containers grace to stop; a pod
// already gone is no error.
func (cl *Client) deletePod(ctx context.Context, name string, grace time.Duration) error {
	g := int64(grace / time.Second)
	err := cl.Set.CoreV1().Pods(cl.Namespace).Delete(ctx, name, metav1.DeleteOptions{GracePeriodSeconds: &g})
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
}

// gone reports whether the pod is deleted or being deleted, and why.
func (cl *Client) gone(ctx context.Context, name string) (bool, string) {
	pod, err := cl.Set.CoreV1().Pods(cl.Namespace).Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return true, "deleted"
	}
	if err != nil {
		return false, ""
	}
	if pod.DeletionTimestamp != nil || pod.Status.Phase == corev1.PodFailed || pod.Status.Phase == corev1.PodSucceeded {
		return true, podReason(pod)
	}
	return false, ""
}

// waitGone polls until the pod no longer exists, or ctx ends.
func (cl *Client) waitGone(ctx context.Context, name string) error {
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	for {
		_, err := cl.Set.CoreV1().Pods(cl.Namespace).Get(ctx, name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return nil
		}
		select {
		case <-ctx.Done():
			return errors.New("still terminating after its grace period")
		case <-tick.C:
		}
	}
}
