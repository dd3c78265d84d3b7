package container

import (
	"archive/tar"
	"bufio"
	"context"
	"crypto/rand"
	"debug/elf"
	"encoding/hex"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/looper-go/looper/internal/agent"
	"github.com/looper-go/looper/internal/runner"
)

// image imports a busybox image made from this machine's static busybox,
// as no registry is reachable from the machines the tests run on.
func image(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("podman"); err != nil {
		t.Skip("podman is not installed (apt-get install podman)")
	}
	busybox := ""
	for _, p := range []string{"/bin/busybox", "/usr/bin/busybox"} {
		if static(p) {
			busybox = p
			break
		}
	}
	if busybox == "" {
		t.Skip("no statically linked busybox (apt-get install busybox-static)")
	}
	tarPath := filepath.Join(t.TempDir(), "rootfs.tar")
	f, err := os.Create(tarPath)
	if err != nil {
		t.Fatal(err)
	}
	tw := tar.NewWriter(f)
	bin, err := os.ReadFile(busybox)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"bin/", "tmp/", "proc/", "sys/", "dev/", "etc/"} {
		if err := tw.WriteHeader(&tar.Header{Name: d, Typeflag: tar.TypeDir, Mode: 0o1777}); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.WriteHeader(&tar.Header{Name: "bin/busybox", Mode: 0o755, Size: int64(len(bin))}); err != nil {
		t.Fatal(err)
	}
	if _, err := tw.Write(bin); err != nil {
		t.Fatal(err)
	}
	for _, applet := range []string{"sh", "echo", "cat", "ls", "sleep", "id", "printf", "pwd"} {
		if err := tw.WriteHeader(&tar.Header{Name: "bin/" + applet, Typeflag: tar.TypeSymlink, Linkname: "busybox"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	var tag [4]byte
	_, _ = rand.Read(tag[:])
	name := "localhost/looper-test-" + hex.EncodeToString(tag[:]) + ":1"
	if out, err := exec.Command("podman", "import", "--quiet", tarPath, name).CombinedOutput(); err != nil {
		t.Fatalf("podman import: %v\n%s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("podman", "rmi", "--force", name).Run() })
	return name
}

// static reports whether p is an ELF executable without an interpreter
// (statically linked), which runs in an image with nothing else.
func static(p string) bool {
	f, err := elf.Open(p)
	if err != nil {
		return false
	}
	defer f.Close()
	for _, prog := range f.Progs {
		if prog.Type == elf.PT_INTERP {
			return false
		}
	}
	return true
}

func gitT(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@t", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@t")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// worktree is a linked worktree, as an attempt has, and its repository.
func worktree(t *testing.T) (repo, wt string) {
	t.Helper()
	root := t.TempDir()
	repo = filepath.Join(root, "repo")
	gitT(t, root, "init", "-q", "-b", "main", repo)
	gitT(t, repo, "commit", "-q", "--allow-empty", "-m", "base")
	wt = filepath.Join(root, "wt")
	gitT(t, repo, "worktree", "add", "-q", "-b", "attempt", wt)
	return repo, wt
}

func readAll(r io.Reader) func() string {
	var b strings.Builder
	var wg sync.WaitGroup
	wg.Go(func() { _, _ = io.Copy(&b, r) })
	return func() string { wg.Wait(); return b.String() }
}

func TestAgentRunsInAContainerOnTheWorktree(t *testing.T) {
	img := image(t)
	repo, wt := worktree(t)
	last := filepath.Join(t.TempDir(), "last.txt")
	t.Setenv("LOOPER_TEST_SECRET", "coordinator-only")
	r := &Runner{Local: agent.Local{}, Image: img, Network: "none"}
	script := `read -r line; echo "prompt: $line"; echo "own: $LOOPER_PROBE"; echo "secret: $LOOPER_TEST_SECRET"
echo "pwd: $(pwd)"; echo "net: $(ls /sys/class/net | tr '\n' ' ')"; ls "$2" >/dev/null && echo "git dir visible"
echo made > made.txt; echo "the end" > "$1"`
	c := runner.Command{
		Agent: "sh", Argv: []string{"/bin/sh", "-c", script, "sh", last, filepath.Join(repo, ".git")},
		Env: os.Environ(), Own: []string{"LOOPER_PROBE=passed"}, Dir: wt, Writes: []string{last},
		Stdin: []byte("hello container\n"), Grace: 5 * time.Second,
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	p, err := r.Start(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	out, errs := readAll(p.Stdout()), readAll(p.Stderr())
	exit := p.Wait()
	text := out()
	if exit.Code != 0 {
		t.Fatalf("exit = %+v\nstdout:\n%s\nstderr:\n%s", exit, text, errs())
	}
	for _, want := range []string{"prompt: hello container", "own: passed", "secret: \n", "pwd: " + wt, "git dir visible"} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "coordinator-only") {
		t.Errorf("the coordinator's environment leaked into the container:\n%s", text)
	}
	if line := lineWith(text, "net: "); strings.TrimSpace(line) != "net: lo" {
		t.Errorf("network none should leave only lo: %q", line)
	}
	if b, _ := os.ReadFile(filepath.Join(wt, "made.txt")); string(b) != "made\n" {
		t.Errorf("the agent's file is not in the worktree: %q", b)
	}
	if b, _ := os.ReadFile(last); string(b) != "the end\n" {
		t.Errorf("the written file = %q", b)
	}
}

func lineWith(text, prefix string) string {
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), prefix) {
			return sc.Text()
		}
	}
	return ""
}

func TestStopKillsAContainerThatIgnoresSIGTERM(t *testing.T) {
	img := image(t)
	_, wt := worktree(t)
	r := &Runner{Local: agent.Local{}, Image: img, Network: "none"}
	c := runner.Command{Agent: "sh", Argv: []string{"/bin/sh", "-c", "trap '' TERM; echo started; while :; do sleep 1; done"},
		Env: os.Environ(), Dir: wt, Grace: 2 * time.Second}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	p, err := r.Start(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	name := p.(*process).name
	started := make(chan struct{})
	var once sync.Once
	go func() {
		sc := bufio.NewScanner(p.Stdout())
		for sc.Scan() {
			if sc.Text() == "started" {
				once.Do(func() { close(started) })
			}
		}
	}()
	errs := readAll(p.Stderr())
	select {
	case <-started:
	case <-time.After(3 * time.Minute):
		t.Fatal("the container did not start")
	}
	p.Stop()
	exit := p.Wait()
	if !exit.Stopped || exit.Code == 0 {
		t.Fatalf("exit = %+v; stderr:\n%s", exit, errs())
	}
	out, err := exec.Command("podman", "ps", "--all", "--quiet", "--filter", "name=^"+name+"$").Output()
	if err != nil || strings.TrimSpace(string(out)) != "" {
		t.Errorf("container %s is still there: %q %v", name, out, err)
	}
}

func TestValidate(t *testing.T) {
	for _, r := range []*Runner{
		{},
		{Local: agent.Local{}},
		{Local: agent.Local{}, Image: "-x"},
		{Local: agent.Local{}, Image: "i", Mounts: []string{"nocolon"}},
		{Local: agent.Local{}, Image: "i", Ulimits: []string{"nofile"}},
	} {
		if r.Validate() == nil {
			t.Errorf("%+v was accepted", r)
		}
	}
	if err := (&Runner{Local: agent.Local{}, Image: "i"}).Validate(); err != nil {
		t.Error(err)
	}
}
