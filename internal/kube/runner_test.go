package kube

import (
	"context"
	"errors"
	"os/exec"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"

	"github.com/looper-go/looper/internal/runner"
)

func TestIdentityOf(t *testing.T) {
	id := identityOf([]string{"LOOPER_TASK_ID=T0", "FOO=1", "LOOPER_TASK_ID=T9", "LOOPER_AGENT_ID=claude#2", "LOOPER_ATTEMPT=3"})
	if id != (Identity{Task: "T9", Attempt: 3, Agent: "claude#2"}) {
		t.Errorf("identity %+v", id)
	}
}

func TestShellName(t *testing.T) {
	if shellName("1A") || shellName("A-B") || shellName("") || !shellName("_A1") {
		t.Error("shellName misjudges")
	}
}

// gitTree is a repository whose checkout is on branch "attempt".
func gitTree(t *testing.T) string {
	dir := t.TempDir()
	for _, args := range [][]string{{"init", "-q", "-b", "attempt"}, {"-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "--allow-empty", "-m", "base"}} {
		if out, err := exec.Command("git", append([]string{"-C", dir}, args...)...).CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	return dir
}

// podClient is a fake cluster whose new pods get a name and the given status.
func podClient(status corev1.PodStatus) *Client {
	set := fake.NewClientset()
	set.PrependReactor("create", "pods", func(a k8stesting.Action) (bool, runtime.Object, error) {
		pod := a.(k8stesting.CreateAction).GetObject().(*corev1.Pod)
		pod.Name = pod.GenerateName + "x"
		pod.Status = status
		return false, nil, nil
	})
	return &Client{Set: set, Namespace: "ns"}
}

func command(dir string) runner.Command {
	return runner.Command{Agent: "claude", Argv: []string{"/usr/bin/claude", "-p"}, Dir: dir, Grace: 2 * time.Second,
		Own: []string{"LOOPER_TASK_ID=T1", "LOOPER_AGENT_ID=claude", "LOOPER_ATTEMPT=1"}}
}

func podsLeft(t *testing.T, cl *Client) int {
	list, err := cl.Set.CoreV1().Pods("ns").List(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return len(list.Items)
}

// TestStartUnschedulable: a pod the scheduler cannot place is the place's
// failure (runner.LostError) with the scheduler's reason, after the bound,
// and the pod is deleted.
func TestStartUnschedulable(t *testing.T) {
	dir := gitTree(t)
	synctest.Test(t, func(t *testing.T) {
		cl := podClient(corev1.PodStatus{Phase: corev1.PodPending, Conditions: []corev1.PodCondition{{
			Type: corev1.PodScheduled, Status: corev1.ConditionFalse, Reason: corev1.PodReasonUnschedulable,
			Message: "0/1 nodes are available: 1 Insufficient cpu."}}})
		r := &Runner{Client: cl, Config: Config{Image: "i", Namespace: "ns", ScheduleTimeout: time.Minute}}
		p, err := r.Start(context.Background(), command(dir))
		lost, ok := errors.AsType[*runner.LostError](err)
		if p != nil || !ok || !strings.Contains(lost.Reason, "Insufficient cpu") {
			t.Fatalf("Start = %v, %v; want a LostError with the scheduler's reason", p, err)
		}
		if n := podsLeft(t, cl); n != 0 {
			t.Errorf("%d pods left after a failed start", n)
		}
	})
}

// TestStartStopped: Ctrl-C while the pod waits for a node ends Start with
// the context's cause (not a loss), and the pod is deleted.
func TestStartStopped(t *testing.T) {
	dir := gitTree(t)
	synctest.Test(t, func(t *testing.T) {
		cl := podClient(corev1.PodStatus{Phase: corev1.PodPending})
		r := &Runner{Client: cl, Config: Config{Image: "i", Namespace: "ns"}}
		ctx, cancel := context.WithCancelCause(context.Background())
		time.AfterFunc(10*time.Second, func() { cancel(errors.New("interrupted")) })
		_, err := r.Start(ctx, command(dir))
		if _, lost := errors.AsType[*runner.LostError](err); lost || err == nil || err.Error() != "interrupted" {
			t.Fatalf("Start = %v, want the interruption", err)
		}
		if n := podsLeft(t, cl); n != 0 {
			t.Errorf("%d pods left after an interrupted start", n)
		}
	})
}

// TestStartNoImage: an image the node does not have is reported with the
// kubelet's reason.
func TestStartNoImage(t *testing.T) {
	dir := gitTree(t)
	cl := podClient(corev1.PodStatus{Phase: corev1.PodPending, ContainerStatuses: []corev1.ContainerStatus{{Name: container,
		State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ErrImageNeverPull", Message: "image not present"}}}}})
	r := &Runner{Client: cl, Config: Config{Image: "i", Namespace: "ns"}}
	_, err := r.Start(context.Background(), command(dir))
	if lost, ok := errors.AsType[*runner.LostError](err); !ok || !strings.Contains(lost.Reason, "ErrImageNeverPull") {
		t.Fatalf("Start = %v, want a LostError naming ErrImageNeverPull", err)
	}
	if n := podsLeft(t, cl); n != 0 {
		t.Errorf("%d pods left", n)
	}
}

// TestStartNotABranch: a tree on no branch is the attempt's error, and no
// pod is made.
func TestStartNotABranch(t *testing.T) {
	dir := gitTree(t)
	if out, err := exec.Command("git", "-C", dir, "checkout", "-q", "--detach").CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	cl := podClient(corev1.PodStatus{})
	r := &Runner{Client: cl, Config: Config{Image: "i", Namespace: "ns"}}
	_, err := r.Start(context.Background(), command(dir))
	if _, lost := errors.AsType[*runner.LostError](err); lost || err == nil || !strings.Contains(err.Error(), "no branch") {
		t.Fatalf("Start = %v, want the tree's error", err)
	}
	if n := podsLeft(t, cl); n != 0 {
		t.Errorf("%d pods made", n)
	}
	if _, err := (&Runner{}).Start(context.Background(), command(dir)); err == nil {
		t.Error("a Runner with no client started")
	}
}
