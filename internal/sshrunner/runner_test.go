package sshrunner

import (
	"bufio"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/looper-go/looper/internal/runner"
	"github.com/looper-go/looper/internal/sshrunner/sshtest"
)

// gitT runs git in dir and returns its trimmed output.
func gitT(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@t", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@t")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// worktree makes a repository with one commit and a linked worktree on a
// branch of its own, as an attempt has.
func worktree(t *testing.T) (repo, wt string) {
	t.Helper()
	root := t.TempDir()
	repo = filepath.Join(root, "repo")
	gitT(t, root, "init", "-q", "-b", "main", repo)
	gitT(t, repo, "config", "user.name", "Project Owner")
	gitT(t, repo, "config", "user.email", "owner@example.com")
	if err := os.WriteFile(filepath.Join(repo, "README"), []byte("base\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	gitT(t, repo, "add", ".")
	gitT(t, repo, "commit", "-q", "-m", "base")
	wt = filepath.Join(root, "wt")
	gitT(t, repo, "worktree", "add", "-q", "-b", "looper/run/T1/1", wt)
	return repo, wt
}

// hosts starts n ssh hosts whose looper is this test binary.
func hosts(t *testing.T, n int) ([]*sshtest.Server, *Runner) {
	t.Helper()
	sshtest.Need(t)
	keys := sshtest.NewKeys(t)
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	r := &Runner{}
	t.Cleanup(r.Close)
	var servers []*sshtest.Server
	for range n {
		s := sshtest.Start(t, keys)
		h := Host{Host: s.Addr, Port: s.Port, Identity: s.Identity, KnownHosts: s.KnownHosts, Looper: self, Dir: t.TempDir()}
		r.Hosts = append(r.Hosts, h)
		servers = append(servers, s)
	}
	return servers, r
}

// lines collects a stream's lines and signals when one contains a word.
type lines struct {
	mu   sync.Mutex
	all  []string
	seen chan struct{}
	word string
	once sync.Once
	done chan struct{}
}

func collect(r io.Reader, word string) *lines {
	l := &lines{seen: make(chan struct{}), done: make(chan struct{}), word: word}
	go func() {
		defer close(l.done)
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			l.mu.Lock()
			l.all = append(l.all, sc.Text())
			l.mu.Unlock()
			if word != "" && strings.Contains(sc.Text(), word) {
				l.once.Do(func() { close(l.seen) })
			}
		}
	}()
	return l
}

func (l *lines) text() string {
	<-l.done
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.all, "\n")
}

func TestAttemptRunsOnAHostAndItsWorkComesHome(t *testing.T) {
	_, r := hosts(t, 2)
	repo, wt := worktree(t)
	base := gitT(t, wt, "rev-parse", "HEAD")
	last := filepath.Join(t.TempDir(), "last.txt")
	script := `read -r first; echo "prompt: $first"; echo "pwd: $(pwd)"; echo "env: $LOOPER_PROBE"
echo "from the host" > committed.txt && git add committed.txt && git commit -q -m "agent commit"
echo "left over" > uncommitted.txt
echo "last message" > "$1"
echo "to stderr" >&2`
	c := runner.Command{
		Agent: "sh", Argv: []string{"/bin/sh", "-c", script, "sh", last},
		Env: os.Environ(), Own: []string{"LOOPER_PROBE=yes"}, Dir: wt, Writes: []string{last},
		Stdin: []byte("work in " + wt + "\n"), Grace: 5 * time.Second,
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	p, err := r.Start(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	out, errs := collect(p.Stdout(), ""), collect(p.Stderr(), "")
	exit := p.Wait()
	if exit.Code != 0 || exit.Lost != "" || exit.Stopped {
		t.Fatalf("exit = %+v; stderr:\n%s", exit, errs.text())
	}
	text := out.text()
	if !strings.Contains(text, "env: yes") || strings.Contains(text, "prompt: work in "+wt) || !strings.Contains(text, "prompt: work in /") {
		t.Errorf("the agent's output does not show the mapped prompt and env:\n%s", text)
	}
	if strings.Contains(text, "pwd: "+wt) {
		t.Errorf("the agent ran in the local worktree, not on the host:\n%s", text)
	}
	if !strings.Contains(errs.text(), "to stderr") {
		t.Errorf("stderr did not come back: %q", errs.text())
	}
	for name, want := range map[string]string{"committed.txt": "from the host\n", "uncommitted.txt": "left over\n"} {
		if b, err := os.ReadFile(filepath.Join(wt, name)); err != nil || string(b) != want {
			t.Errorf("%s in the local worktree = %q, %v; want %q", name, b, err, want)
		}
	}
	if got := gitT(t, wt, "rev-list", "--count", base+"..HEAD"); got != "2" {
		t.Errorf("commits since the base = %s, want 2 (the agent's and looper's for the uncommitted file)", got)
	}
	if author := gitT(t, wt, "log", "-1", "--format=%an", "HEAD~1"); author != "Project Owner" {
		t.Errorf("the agent's commit is by %q, want the project's identity", author)
	}
	if st := gitT(t, wt, "status", "--porcelain"); st != "" {
		t.Errorf("the local worktree is not clean: %q", st)
	}
	if b, _ := os.ReadFile(last); string(b) != "last message\n" {
		t.Errorf("the written file = %q", b)
	}
	if refs := gitT(t, repo, "for-each-ref", "refs/looper-remote"); refs != "" {
		t.Errorf("temporary refs left: %s", refs)
	}
	for _, h := range r.Hosts {
		if entries, _ := os.ReadDir(h.Dir); len(entries) != 0 {
			t.Errorf("the attempt's directory is left on %s: %v", h.Name(), entries)
		}
	}
}

func TestStopEndsTheRemoteProcessTree(t *testing.T) {
	_, r := hosts(t, 1)
	_, wt := worktree(t)
	marker := "looper-stop-test-" + filepath.Base(t.TempDir())
	script := `trap 'echo got-term; exit 7' TERM
sleep 600 & echo started; wait`
	c := runner.Command{Agent: "sh", Argv: []string{"/bin/sh", "-c", script, marker}, Env: os.Environ(), Dir: wt, Grace: 30 * time.Second}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	p, err := r.Start(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	out, errs := collect(p.Stdout(), "started"), collect(p.Stderr(), "")
	select {
	case <-out.seen:
	case <-time.After(2 * time.Minute):
		t.Fatal("the agent did not start")
	}
	p.Stop()
	exit := p.Wait()
	if !exit.Stopped || exit.Code != 7 || exit.Lost != "" {
		t.Fatalf("exit = %+v; stderr:\n%s", exit, errs.text())
	}
	if !strings.Contains(out.text(), "got-term") {
		t.Errorf("the agent did not get SIGTERM: %q", out.text())
	}
	if alive(marker) {
		t.Errorf("a process of the stopped attempt is still running")
	}
}

func TestAHostThatDiesLosesOnlyItsAttempt(t *testing.T) {
	servers, r := hosts(t, 2)
	for i := range r.Hosts {
		r.Hosts[i].Slots = 1
	}
	_, wt1 := worktree(t)
	_, wt2 := worktree(t)
	marker := "looper-lost-test-" + filepath.Base(t.TempDir())
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	long := runner.Command{Agent: "sh", Argv: []string{"/bin/sh", "-c", "echo started; sleep 600", marker}, Env: os.Environ(), Dir: wt1, Grace: 5 * time.Second}
	p1, err := r.Start(ctx, long)
	if err != nil {
		t.Fatal(err)
	}
	out1 := collect(p1.Stdout(), "started")
	collect(p1.Stderr(), "")
	select {
	case <-out1.seen:
	case <-time.After(2 * time.Minute):
		t.Fatal("the first agent did not start")
	}
	// The first host is the one running it: both are free, the first wins.
	victim := servers[0]
	short := runner.Command{Agent: "sh", Argv: []string{"/bin/sh", "-c", "echo ok > done.txt; echo finished"}, Env: os.Environ(), Dir: wt2, Grace: 5 * time.Second}
	p2, err := r.Start(ctx, short)
	if err != nil {
		t.Fatal(err)
	}
	victim.Kill()
	exit1 := p1.Wait()
	if exit1.Lost == "" {
		t.Fatalf("the attempt on the dead host was not reported lost: %+v", exit1)
	}
	out2 := collect(p2.Stdout(), "")
	if exit2 := p2.Wait(); exit2.Code != 0 || exit2.Lost != "" {
		t.Fatalf("the attempt on the live host failed: %+v", exit2)
	}
	if b, _ := os.ReadFile(filepath.Join(wt2, "done.txt")); string(b) != "ok\n" {
		t.Errorf("the live host's work did not come home: %q (output %q)", b, out2.text())
	}
	if alive(marker) {
		t.Errorf("the dead host's agent is still running")
	}
	// The next attempt is not sent to the dead host, and it has a slot.
	_, wt3 := worktree(t)
	p3, err := r.Start(ctx, runner.Command{Agent: "sh", Argv: []string{"/bin/sh", "-c", "echo again > again.txt"}, Env: os.Environ(), Dir: wt3, Grace: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	collect(p3.Stdout(), "")
	if exit3 := p3.Wait(); exit3.Code != 0 || exit3.Lost != "" {
		t.Fatalf("the attempt after the loss failed: %+v", exit3)
	}
	// With every host down, Start says the place is lost.
	servers[1].Kill()
	_, wt4 := worktree(t)
	_, err = r.Start(ctx, runner.Command{Agent: "sh", Argv: []string{"true"}, Env: os.Environ(), Dir: wt4})
	if _, ok := errors.AsType[*runner.LostError](err); !ok {
		t.Fatalf("Start with every host down = %v, want a LostError", err)
	}
}

// alive reports whether a process whose command line holds marker is
// running, polling for a while: the kernel takes a moment to reap.
func alive(marker string) bool {
	deadline := time.Now().Add(60 * time.Second)
	for {
		found := false
		entries, _ := os.ReadDir("/proc")
		for _, e := range entries {
			b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
			if err == nil && strings.Contains(string(b), marker) {
				if st, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat")); err == nil && !strings.Contains(string(st), ") Z ") {
					found = true
				}
			}
		}
		if !found || time.Now().After(deadline) {
			return found
		}
		time.Sleep(100 * time.Millisecond)
	}
}
