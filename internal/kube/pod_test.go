package kube

import (
	"context"
	"errors"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
)

func TestPodFor(t *testing.T) {
	c := Config{Image: "looper:1", Namespace: "agents", Secret: "creds", ServiceAccount: "runner", PullPolicy: "Never",
		NodeSelector: map[string]string{"pool": "agents"}, Requests: map[string]string{"cpu": "500m"}, Limits: map[string]string{"memory": "1Gi"},
		Project: "todo-abc", RunID: "run/1"}
	p := podFor(c, Identity{Task: "T1.a", Attempt: 2, Agent: "claude#1"}, 7*time.Second)
	want := map[string]string{LabelProject: "todo-abc", LabelRun: "run-1", LabelTask: "T1.a", LabelAttempt: "2", LabelAgent: "claude-1"}
	for k, v := range want {
		if p.Labels[k] != v {
			t.Errorf("label %s = %q, want %q", k, p.Labels[k], v)
		}
	}
	if p.GenerateName != "looper-t1-a-" {
		t.Errorf("GenerateName %q", p.GenerateName)
	}
	s := p.Spec
	if s.RestartPolicy != corev1.RestartPolicyNever || *s.TerminationGracePeriodSeconds != 7 || *s.AutomountServiceAccountToken {
		t.Errorf("restart %s, grace %d, automount %v: want Never, 7, false", s.RestartPolicy, *s.TerminationGracePeriodSeconds, *s.AutomountServiceAccountToken)
	}
	if s.ServiceAccountName != "runner" || s.NodeSelector["pool"] != "agents" {
		t.Errorf("service account %q, node selector %v", s.ServiceAccountName, s.NodeSelector)
	}
	ctr := s.Containers[0]
	if ctr.Image != "looper:1" || ctr.ImagePullPolicy != corev1.PullNever || strings.Join(ctr.Command, " ") != "looper kube-hold" {
		t.Errorf("container %+v", ctr)
	}
	if ctr.Resources.Requests.Cpu().String() != "500m" || ctr.Resources.Limits.Memory().String() != "1Gi" {
		t.Errorf("resources %+v", ctr.Resources)
	}
	if len(ctr.EnvFrom) != 1 || ctr.EnvFrom[0].SecretRef.Name != "creds" {
		t.Errorf("the secret is not the container's environment: %+v", ctr.EnvFrom)
	}
	if len(ctr.VolumeMounts) != 1 || ctr.VolumeMounts[0].MountPath != SecretMount || !ctr.VolumeMounts[0].ReadOnly ||
		len(s.Volumes) != 1 || s.Volumes[0].Secret.SecretName != "creds" {
		t.Errorf("the secret is not mounted read-only at %s: %+v %+v", SecretMount, ctr.VolumeMounts, s.Volumes)
	}
	bare := podFor(Config{Image: "i"}, Identity{Task: "T"}, 0)
	if len(bare.Spec.Volumes) != 0 || len(bare.Spec.Containers[0].EnvFrom) != 0 {
		t.Errorf("a pod without a secret mounts one: %+v", bare.Spec)
	}
}

func fakeClient(objs ...corev1.Pod) *Client {
	set := fake.NewClientset()
	for i := range objs {
		_, _ = set.CoreV1().Pods("ns").Create(context.Background(), &objs[i], metav1.CreateOptions{})
	}
	return &Client{Set: set, Namespace: "ns"}
}

// TestWaitRunningUnschedulable: a pod the scheduler cannot place fails its
// attempt after the bound, with the scheduler's message.
func TestWaitRunningUnschedulable(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cl := fakeClient(corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "ns"},
			Status: corev1.PodStatus{Phase: corev1.PodPending, Conditions: []corev1.PodCondition{{
				Type: corev1.PodScheduled, Status: corev1.ConditionFalse, Reason: corev1.PodReasonUnschedulable,
				Message: "0/1 nodes are available: 1 Insufficient cpu."}}}})
		start := time.Now()
		err := cl.waitRunning(context.Background(), "p", time.Minute)
		if err == nil || !strings.Contains(err.Error(), "Insufficient cpu") || !strings.Contains(err.Error(), "unschedulable") {
			t.Fatalf("waitRunning = %v, want the scheduler's reason", err)
		}
		if took := time.Since(start); took < time.Minute {
			t.Errorf("gave up after %s, before the bound", took)
		}
	})
}

func TestWaitRunning(t *testing.T) {
	running := corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "ns"}, Status: corev1.PodStatus{Phase: corev1.PodRunning,
		ContainerStatuses: []corev1.ContainerStatus{{Name: container, State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}}}}}
	if err := fakeClient(running).waitRunning(context.Background(), "p", time.Minute); err != nil {
		t.Errorf("a running pod: %v", err)
	}
	var lost *LostError
	if err := fakeClient().waitRunning(context.Background(), "p", time.Minute); !errors.As(err, &lost) {
		t.Errorf("a missing pod: %v, want a LostError", err)
	}
	evicted := corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "ns"}, Status: corev1.PodStatus{Phase: corev1.PodFailed, Reason: "Evicted", Message: "low on memory"}}
	if err := fakeClient(evicted).waitRunning(context.Background(), "p", time.Minute); !errors.As(err, &lost) || !strings.Contains(err.Error(), "Evicted") {
		t.Errorf("an evicted pod: %v, want a LostError naming the eviction", err)
	}
	noImage := corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "ns"}, Status: corev1.PodStatus{Phase: corev1.PodPending,
		ContainerStatuses: []corev1.ContainerStatus{{Name: container, State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ErrImageNeverPull", Message: "image not present"}}}}}}
	if err := fakeClient(noImage).waitRunning(context.Background(), "p", time.Minute); err == nil || !strings.Contains(err.Error(), "ErrImageNeverPull") {
		t.Errorf("a pod without its image: %v", err)
	}
}

func TestSweepAndPods(t *testing.T) {
	mk := func(name, run string) corev1.Pod {
		return corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns",
			Labels: map[string]string{LabelProject: "proj", LabelRun: run, LabelTask: "T1", LabelAttempt: "1"}}}
	}
	other := mk("x", "r1")
	other.Labels[LabelProject] = "other"
	cl := fakeClient(mk("a", "r1"), mk("b", "r2"), other)
	left, err := cl.Pods(context.Background(), ProjectSelector("proj"))
	if err != nil || len(left) != 2 {
		t.Fatalf("Pods = %d pods, %v; want a and b", len(left), err)
	}
	if d := Describe(left[0]); !strings.Contains(d, "a (run r1, task T1 attempt 1") {
		t.Errorf("Describe = %q", d)
	}
	gone, err := cl.Sweep(context.Background(), RunSelector("proj", "r1"), 0)
	if err != nil || len(gone) != 1 || gone[0].Name != "a" {
		t.Fatalf("Sweep = %v, %v; want pod a", gone, err)
	}
	rest, _ := cl.Pods(context.Background(), "")
	if len(rest) != 2 {
		t.Errorf("after the sweep %d pods are left, want b and x", len(rest))
	}
}

func TestCheck(t *testing.T) {
	cl := fakeClient()
	if err := cl.Check(context.Background(), Config{Image: "i"}); err != nil {
		t.Errorf("Check without a secret: %v", err)
	}
	if err := cl.Check(context.Background(), Config{Image: "i", Secret: "creds"}); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("Check with a missing secret: %v", err)
	}
	_, _ = cl.Set.CoreV1().Secrets("ns").Create(context.Background(), &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "creds"}}, metav1.CreateOptions{})
	if err := cl.Check(context.Background(), Config{Image: "i", Secret: "creds"}); err != nil {
		t.Errorf("Check with the secret there: %v", err)
	}
}
