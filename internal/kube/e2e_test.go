package kube_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/looper-go/looper/internal/kube"
)

// The end-to-end test's cluster objects.
const (
	e2eNamespace = "looper-e2e"
	e2eSecret    = "agent-creds"
	e2eImage     = "looper.local/agent:e2e"
)

// TestKubernetes runs looper with the kubernetes runner against a real
// single-node cluster that cluster/cluster.sh starts (and stops, cleaning
// up): a backlog with a dependency to done on the user's branch, with the
// credentials Secret mounted and never logged; a vote with --max-agents 2;
// a pod deleted mid-attempt; Ctrl-C mid-run. It needs root, the Debian
// packages .ci/run installs, and LOOPER_K8S_E2E=1.
func TestKubernetes(t *testing.T) {
	if os.Getenv("LOOPER_K8S_E2E") != "1" {
		t.Skip("skipped: set LOOPER_K8S_E2E=1 to start a real single-node Kubernetes cluster (needs root, etcd-server, containerd, runc, containernetworking-plugins, busybox-static; the first run builds the cluster binaries into ~/.cache/looper/k8s, several minutes)")
	}
	if runtime.GOOS != "linux" || os.Getuid() != 0 {
		t.Fatal("LOOPER_K8S_E2E=1 needs Linux and root (containerd and the kubelet)")
	}
	e := startE2E(t)
	t.Run("backlog", e.testBacklog)
	t.Run("vote", e.testVote)
	t.Run("pod-deleted", e.testPodDeleted)
	t.Run("interrupt", e.testInterrupt)
	t.Run("crashed", e.testCrashed)
}

// e2e is the cluster and the looper binary the subtests share.
type e2e struct {
	looper     string
	kubeconfig string
	client     *kube.Client
	token      string // the Secret's value, which must never show up in any output
}

func startE2E(t *testing.T) *e2e {
	bin := t.TempDir()
	looper := filepath.Join(bin, "looper")
	build := exec.Command("go", "build", "-o", looper, "github.com/looper-go/looper/cmd/looper")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build looper: %v\n%s", err, out)
	}
	script, err := filepath.Abs(filepath.Join("cluster", "cluster.sh"))
	if err != nil {
		t.Fatal(err)
	}
	dir, err := os.MkdirTemp("", "looper-k8s-")
	if err != nil {
		t.Fatal(err)
	}
	os.Remove(dir) // cluster.sh start makes it
	t.Cleanup(func() {
		bridge, _ := os.ReadFile(filepath.Join(dir, "bridge"))
		cgroup, _ := os.ReadFile(filepath.Join(dir, "cgroup"))
		out, err := exec.Command(script, "stop", dir).CombinedOutput()
		if err != nil {
			t.Errorf("cluster.sh stop: %v\n%s", err, out)
		}
		checkStopped(t, dir, strings.TrimSpace(string(bridge)), strings.TrimSpace(string(cgroup)))
	})
	start := exec.Command(script, "start", dir)
	var serr bytes.Buffer
	start.Stderr = &serr
	out, err := start.Output()
	if err != nil {
		t.Fatalf("cluster.sh start: %v\n%s", err, serr.String())
	}
	kubeconfig := strings.TrimSpace(string(out))
	if out, err := exec.Command(script, "image", dir, looper, e2eImage).CombinedOutput(); err != nil {
		t.Fatalf("cluster.sh image: %v\n%s", err, out)
	}
	cl, err := kube.Connect(kube.Config{Kubeconfig: kubeconfig, Namespace: e2eNamespace})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := cl.Set.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: e2eNamespace}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	token := fmt.Sprintf("s3cr3t-%d-%d", os.Getpid(), time.Now().UnixNano())
	if _, err := cl.Set.CoreV1().Secrets(e2eNamespace).Create(ctx, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: e2eSecret},
		StringData: map[string]string{"LOOPER_E2E_TOKEN": token},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	// The ServiceAccount admission refuses pods until the namespace's
	// default service account exists.
	poll(t, 2*time.Minute, "the namespace's default service account", func() bool {
		_, err := cl.Set.CoreV1().ServiceAccounts(e2eNamespace).Get(ctx, "default", metav1.GetOptions{})
		return err == nil
	})
	return &e2e{looper: looper, kubeconfig: kubeconfig, client: cl, token: token}
}

// checkStopped checks that cluster.sh stop left nothing of the cluster
// under dir: no process whose command line or working directory names it
// (etcd, containerd, its shims, the Kubernetes binaries, the pods'
// processes), no mount under it, not its bridge interface, not the
// kubelet's cgroup root in any hierarchy, not dir.
func checkStopped(t *testing.T, dir, bridge, cgroup string) {
	t.Helper()
	procs, _ := filepath.Glob("/proc/[0-9]*")
	for _, p := range procs {
		cmdline, _ := os.ReadFile(filepath.Join(p, "cmdline"))
		cwd, _ := os.Readlink(filepath.Join(p, "cwd"))
		if bytes.Contains(cmdline, []byte(dir+"/")) || cwd == dir || strings.HasPrefix(cwd, dir+"/") {
			t.Errorf("process %s is left after cluster.sh stop: %s", filepath.Base(p), bytes.ReplaceAll(cmdline, []byte{0}, []byte{' '}))
		}
	}
	mounts, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.Lines(string(mounts)) {
		if f := strings.Fields(line); len(f) > 4 && (f[4] == dir || strings.HasPrefix(f[4], dir+"/")) {
			t.Errorf("mount left after cluster.sh stop: %s", f[4])
		}
	}
	if bridge == "" {
		t.Errorf("cluster.sh recorded no bridge name in %s", dir)
	} else if _, err := os.Stat("/sys/class/net/" + bridge); err == nil {
		t.Errorf("interface %s is left after cluster.sh stop", bridge)
	}
	if cgroup == "" {
		t.Errorf("cluster.sh recorded no cgroup root in %s", dir)
	} else {
		left, _ := filepath.Glob("/sys/fs/cgroup/*" + cgroup)
		if _, err := os.Stat("/sys/fs/cgroup" + cgroup); err == nil {
			left = append(left, "/sys/fs/cgroup"+cgroup)
		}
		for _, c := range left {
			t.Errorf("cgroup %s is left after cluster.sh stop", c)
		}
	}
	if _, err := os.Stat(dir); err == nil {
		t.Errorf("%s is left after cluster.sh stop", dir)
	}
}

func poll(t *testing.T, limit time.Duration, what string, ok func() bool) {
	t.Helper()
	end := time.Now().Add(limit)
	for !ok() {
		if time.Now().After(end) {
			t.Fatalf("timed out after %s waiting for %s", limit, what)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// project is a git repository with a backlog and a looper.toml that runs
// the fake agent (as claude) in pods.
type project struct {
	t    *testing.T
	e    *e2e
	dir  string
	logs string
	env  []string
}

type task struct {
	ID          string   `json:"id"`
	Title       string   `json:"title"`
	Description string   `json:"description,omitempty"`
	Priority    int      `json:"priority"`
	Status      string   `json:"status"`
	DependsOn   []string `json:"depends_on,omitempty"`
}

// scenario is a task description that makes the fake agent run sc.
func scenario(sc string) string { return "FAKEAGENT: " + sc }

func (e *e2e) project(t *testing.T, tasks []task, extra string) *project {
	root := t.TempDir()
	p := &project{t: t, e: e, dir: filepath.Join(root, "project"), logs: filepath.Join(root, "logs")}
	for _, d := range []string{filepath.Join(p.dir, ".looper"), filepath.Join(root, "bin"), filepath.Join(root, "home")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for i := range tasks {
		tasks[i].Title = "Task " + tasks[i].ID
		tasks[i].Priority, tasks[i].Status = 3, "todo"
	}
	doc, _ := json.MarshalIndent(map[string]any{"schema_version": 1, "source_files": []string{}, "tasks": tasks}, "", "  ")
	p.write(".looper/todo.json", string(doc)+"\n")
	// The coordinator's claude is only probed (--version); attempts run the
	// image's claude, the same fake agent.
	wrapper := fmt.Sprintf("#!/bin/sh\nexec %q fake-agent claude \"$@\"\n", e.looper)
	if err := os.WriteFile(filepath.Join(root, "bin", "claude"), []byte(wrapper), 0o755); err != nil {
		t.Fatal(err)
	}
	p.write(".looper/looper.toml", fmt.Sprintf(`git_init = false
max_iterations = 100000
log_dir = %q

[agents.claude]
binary = %q
timeout = "300s"
grace = "3s"

[kubernetes]
enabled = true
kubeconfig = %q
namespace = %q
image = %q
pull_policy = "Never"
secret = %q
schedule_timeout = "120s"
%s`, p.logs, filepath.Join(root, "bin", "claude"), e.kubeconfig, e2eNamespace, e2eImage, e2eSecret, extra))
	p.write("README.md", "# e2e\n")
	p.write(".gitignore", ".looper/\n")
	p.env = append(os.Environ(), "HOME="+filepath.Join(root, "home"), "NO_COLOR=1", "LOOPER_SANDBOX=off",
		"GIT_AUTHOR_NAME=looper e2e", "GIT_AUTHOR_EMAIL=e2e@looper.invalid",
		"GIT_COMMITTER_NAME=looper e2e", "GIT_COMMITTER_EMAIL=e2e@looper.invalid", "GIT_CONFIG_NOSYSTEM=1")
	p.git("init", "-q", "-b", "main")
	p.git("add", "README.md", ".gitignore")
	p.git("commit", "-q", "-m", "start")
	return p
}

func (p *project) write(rel, content string) {
	if err := os.WriteFile(filepath.Join(p.dir, rel), []byte(content), 0o644); err != nil {
		p.t.Fatal(err)
	}
}

func (p *project) git(args ...string) string {
	p.t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir, cmd.Env = p.dir, p.env
	out, err := cmd.CombinedOutput()
	if err != nil {
		p.t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// onMain returns a file's content on the user's branch, "" when it is not there.
func (p *project) onMain(path string) string {
	cmd := exec.Command("git", "show", "main:"+path)
	cmd.Dir = p.dir
	out, err := cmd.Output()
	if err != nil {
		return ""
	}
	return string(out)
}

func (p *project) statuses() map[string]string {
	b, err := os.ReadFile(filepath.Join(p.dir, ".looper", "todo.json"))
	if err != nil {
		p.t.Fatal(err)
	}
	var doc struct{ Tasks []task }
	if err := json.Unmarshal(b, &doc); err != nil {
		p.t.Fatal(err)
	}
	m := map[string]string{}
	for _, t := range doc.Tasks {
		m[t.ID] = t.Status
	}
	return m
}

// run is a looper process.
type run struct {
	cmd  *exec.Cmd
	mu   sync.Mutex
	out  bytes.Buffer
	done chan struct{}
	code int
}

func (r *run) Write(b []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.out.Write(b)
}

func (r *run) output() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.out.String()
}

func (p *project) start(args ...string) *run {
	r := &run{done: make(chan struct{})}
	r.cmd = exec.Command(p.e.looper, args...)
	r.cmd.Dir, r.cmd.Env = p.dir, p.env
	r.cmd.Stdout, r.cmd.Stderr = r, r
	if err := r.cmd.Start(); err != nil {
		p.t.Fatal(err)
	}
	go func() {
		_ = r.cmd.Wait()
		r.code = r.cmd.ProcessState.ExitCode()
		close(r.done)
	}()
	p.t.Cleanup(func() {
		_ = r.cmd.Process.Kill()
		<-r.done
	})
	return r
}

func (p *project) wait(r *run, limit time.Duration) int {
	p.t.Helper()
	select {
	case <-r.done:
		return r.code
	case <-time.After(limit):
		_ = r.cmd.Process.Signal(syscall.SIGQUIT)
		<-r.done
		p.t.Fatalf("looper did not end within %s:\n%s", limit, r.output())
	}
	return -1
}

// pods lists the project's pods (every run's).
func (p *project) pods() []corev1.Pod {
	p.t.Helper()
	list, err := p.e.client.Set.CoreV1().Pods(e2eNamespace).List(context.Background(), metav1.ListOptions{LabelSelector: kube.LabelProject})
	if err != nil {
		p.t.Fatal(err)
	}
	return list.Items
}

// noSecret checks the Secret's value is nowhere in looper's output or run logs.
func (p *project) noSecret(r *run) {
	p.t.Helper()
	if strings.Contains(r.output(), p.e.token) {
		p.t.Errorf("looper's output shows the Secret's value")
	}
	_ = filepath.Walk(p.logs, func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return nil
		}
		if b, _ := os.ReadFile(path); bytes.Contains(b, []byte(p.e.token)) {
			p.t.Errorf("the run log %s holds the Secret's value", path)
		}
		return nil
	})
}

// noPods checks that no pod of any run of this project is left.
func (p *project) noPods() {
	p.t.Helper()
	if left := p.pods(); len(left) > 0 {
		var names []string
		for _, pod := range left {
			names = append(names, kube.Describe(pod))
		}
		p.t.Errorf("pods left after looper exited: %s", strings.Join(names, "; "))
	}
}

// testBacklog: A and B in parallel, C after A, and S checking the Secret
// is there (as environment and as a file) without printing it; all done,
// all work on main, no pod left, the Secret's value nowhere.
func (e *e2e) testBacklog(t *testing.T) {
	check := `{"steps": [{"shell": "test -r /var/run/secrets/looper/LOOPER_E2E_TOKEN && test \"$(cat /var/run/secrets/looper/LOOPER_E2E_TOKEN)\" = \"$LOOPER_E2E_TOKEN\" && echo mounted > secret-check.txt"}, {"git_commit": {"message": "secret checked"}}, {"summary": {}}]}`
	p := e.project(t, []task{
		{ID: "A", Description: scenario("try")},
		{ID: "B", Description: scenario("try")},
		{ID: "C", Description: scenario("try"), DependsOn: []string{"A"}},
		{ID: "S", Description: scenario(check)},
	}, "")
	r := p.start("run", "--parallel", "--max-tasks", "3")
	code := p.wait(r, 10*time.Minute)
	if code != 0 {
		t.Fatalf("looper exited %d:\n%s", code, r.output())
	}
	for id, st := range p.statuses() {
		if st != "done" {
			t.Errorf("task %s is %s, want done", id, st)
		}
	}
	for _, id := range []string{"A", "B", "C"} {
		if !strings.Contains(p.onMain("looper-fake/"+id+".txt"), "task "+id) {
			t.Errorf("task %s's work is not on main", id)
		}
	}
	if got := p.onMain("secret-check.txt"); strings.TrimSpace(got) != "mounted" {
		t.Errorf("the Secret was not there for the agent (secret-check.txt on main: %q)\n%s", got, r.output())
	}
	if n := len(podNames(r.output())); n != 4 {
		t.Errorf("the attempts ran in %d pods, want 4, one per task:\n%s", n, r.output())
	}
	p.noPods()
	p.noSecret(r)
}

// testVote: one task, two agents voting, each in its own pod.
func (e *e2e) testVote(t *testing.T) {
	p := e.project(t, []task{{ID: "V", Description: scenario("try")}}, "")
	r := p.start("run", "--parallel", "--max-agents", "2")
	if code := p.wait(r, 10*time.Minute); code != 0 {
		t.Fatalf("looper exited %d:\n%s", code, r.output())
	}
	if st := p.statuses()["V"]; st != "done" {
		t.Errorf("V is %s, want done", st)
	}
	if !strings.Contains(p.onMain("looper-fake/V.txt"), "task V") {
		t.Errorf("V's work is not on main")
	}
	if pods := podNames(r.output()); len(pods) != 2 {
		t.Errorf("the vote ran in %d pods, want 2: %v\n%s", len(pods), pods, r.output())
	}
	p.noPods()
}

// podNames are the pods the attempts' start lines name ("started claude
// (pod looper-e2e/looper-a-x7k2p)").
func podNames(out string) map[string]bool {
	pods := map[string]bool{}
	for _, line := range strings.Split(out, "\n") {
		if _, rest, ok := strings.Cut(line, "(pod "+e2eNamespace+"/"); ok {
			end := strings.IndexFunc(rest, func(r rune) bool { return r != '-' && (r < 'a' || r > 'z') && (r < '0' || r > '9') })
			if end > 0 {
				pods[rest[:end]] = true
			}
		}
	}
	return pods
}

// testPodDeleted deletes the pod of a running attempt: that attempt is
// lost (runner.Exit.Lost), so the task is left as it was, todo, with no
// retry spent; the next run takes it to done.
func (e *e2e) testPodDeleted(t *testing.T) {
	slow := `{"steps": [{"text": "working slowly on {task}"}, {"sleep_ms": 6000}, {"write_file": {"path": "d.txt", "content": "D done\n"}}, {"git_commit": {"message": "D"}}, {"summary": {}}]}`
	p := e.project(t, []task{{ID: "D", Description: scenario(slow)}}, "")
	r := p.start("run", "--parallel")
	var victim string
	poll(t, 5*time.Minute, "D's agent to start in its pod", func() bool {
		if !strings.Contains(r.output(), "working slowly on D") {
			return false
		}
		for _, pod := range p.pods() {
			if pod.Labels[kube.LabelTask] == "D" && pod.DeletionTimestamp == nil {
				victim = pod.Name
				return true
			}
		}
		return false
	})
	if err := e.client.Set.CoreV1().Pods(e2eNamespace).Delete(context.Background(), victim, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	code := p.wait(r, 10*time.Minute)
	out := r.output()
	if !strings.Contains(out, "pod "+victim+" was lost") {
		t.Errorf("the output does not say %s was lost:\n%s", victim, out)
	}
	if st := p.statuses()["D"]; st != "todo" {
		t.Fatalf("D is %s after its only attempt's pod was deleted, want todo (left as it was); looper exited %d:\n%s", st, code, out)
	}
	p.noPods()
	again := p.start("run", "--parallel")
	if code := p.wait(again, 10*time.Minute); code != 0 {
		t.Fatalf("the second run exited %d:\n%s", code, again.output())
	}
	if st := p.statuses()["D"]; st != "done" {
		t.Errorf("D is %s after the second run, want done", st)
	}
	if p.onMain("d.txt") != "D done\n" {
		t.Errorf("D's work is not on main")
	}
	p.noPods()
}

// testInterrupt sends SIGINT while two agents hang in their pods: looper
// exits 130, no pod is left, and the tasks are put back as they were.
func (e *e2e) testInterrupt(t *testing.T) {
	p := e.project(t, []task{{ID: "H1", Description: scenario("hang")}, {ID: "H2", Description: scenario("hang")}}, "")
	r := p.start("run", "--parallel", "--max-tasks", "2")
	poll(t, 5*time.Minute, "both agents to start in their pods", func() bool {
		out := r.output()
		return strings.Contains(out, "Thinking about H1") && strings.Contains(out, "Thinking about H2")
	})
	if n := len(p.pods()); n != 2 {
		t.Errorf("%d pods run, want 2", n)
	}
	if err := r.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	if code := p.wait(r, 5*time.Minute); code != 130 {
		t.Errorf("looper exited %d after SIGINT, want 130:\n%s", code, r.output())
	}
	p.noPods()
	for id, st := range p.statuses() {
		if st != "todo" {
			t.Errorf("task %s is %s after the interrupt, want todo as before the run", id, st)
		}
	}
}

// testCrashed kills looper (SIGKILL: no clean-up at all) while an agent
// hangs in its pod, so the pod is left; the next run of the same backlog
// reports that pod, deletes it, and runs the task to done.
func (e *e2e) testCrashed(t *testing.T) {
	p := e.project(t, []task{{ID: "K", Description: scenario("hang")}}, "")
	r := p.start("run", "--parallel")
	poll(t, 5*time.Minute, "K's agent to start in its pod", func() bool {
		return strings.Contains(r.output(), "Thinking about K")
	})
	if err := r.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-r.done
	left := p.pods()
	if len(left) != 1 {
		t.Fatalf("%d pods after looper was killed, want K's one left behind", len(left))
	}
	doc, err := os.ReadFile(filepath.Join(p.dir, ".looper", "todo.json"))
	if err != nil {
		t.Fatal(err)
	}
	// The next run's agent finishes instead of hanging.
	p.write(".looper/todo.json", strings.Replace(string(doc), scenario("hang"), scenario("try"), 1))
	again := p.start("run", "--parallel")
	if code := p.wait(again, 10*time.Minute); code != 0 {
		t.Fatalf("the run after the crash exited %d:\n%s", code, again.output())
	}
	out := again.output()
	if !strings.Contains(out, "1 pod(s) of an earlier run of this backlog") || !strings.Contains(out, left[0].Name) {
		t.Errorf("the run after the crash did not report the pod %s it found:\n%s", left[0].Name, out)
	}
	if st := p.statuses()["K"]; st != "done" {
		t.Errorf("K is %s, want done", st)
	}
	p.noPods()
}
