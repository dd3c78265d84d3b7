package sandbox

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/looper-go/looper/internal/agent"
)

// requireBwrap skips a test where bubblewrap cannot run; .ci/run installs
// it, so CI runs them.
func requireBwrap(t *testing.T, p *Policy) {
	t.Helper()
	if av := p.Available(); av.Err != nil {
		t.Skipf("bubblewrap cannot run here: %v (fix: %s)", av.Err, av.Fix)
	}
}

// fixture is a user's machine in miniature: a HOME with a planted SSH key
// and a claude config, a project (a git repository, the user's
// checkout) with a linked worktree for the attempt, and a directory
// outside both.
type fixture struct {
	home, project, worktree, outside string
}

func newFixture(t *testing.T) fixture {
	t.Helper()
	root := t.TempDir()
	f := fixture{
		home:     filepath.Join(root, "home"),
		project:  filepath.Join(root, "project"),
		worktree: filepath.Join(root, "project", ".looper", "worktrees", "T1-1"),
		outside:  filepath.Join(root, "outside"),
	}
	for _, d := range []string{filepath.Join(f.home, ".ssh"), filepath.Join(f.home, ".claude"), f.project, f.outside} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write(t, filepath.Join(f.home, ".ssh", "id_test"), "PRIVATE KEY\n")
	write(t, filepath.Join(f.home, ".claude", "settings.json"), "{}\n")
	write(t, filepath.Join(f.project, "README.md"), "# project\n")
	write(t, filepath.Join(f.project, ".gitignore"), ".looper/\n")
	git(t, f.project, "init", "-q", "-b", "main")
	git(t, f.project, "config", "user.name", "tester")
	git(t, f.project, "config", "user.email", "tester@example.invalid")
	git(t, f.project, "add", ".")
	git(t, f.project, "commit", "-q", "-m", "start")
	git(t, f.project, "worktree", "add", "-q", "-b", "attempt", f.worktree)
	write(t, filepath.Join(f.project, ".looper", "todo.json"), "{}\n")
	return f
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func git(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// runConfined runs script with /bin/sh in dir, confined by p, and returns
// its combined output.
func runConfined(t *testing.T, p *Policy, dir, script string) (string, error) {
	t.Helper()
	c, err := p.Confine(agent.Command{Agent: "claude", Argv: []string{"/bin/sh", "-c", script}, Env: os.Environ(), Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if c.Note == "" {
		t.Fatal("Confine left the command unconfined")
	}
	cmd := exec.Command(c.Argv[0], c.Argv[1:]...)
	cmd.Dir, cmd.Env = c.Dir, append(c.Env, "HOME="+p.Home)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func TestSandboxHidesSecretsAndProtectsTheCheckout(t *testing.T) {
	f := newFixture(t)
	p := &Policy{Mode: ModeBwrap, Home: f.home, Project: f.project, Backlog: filepath.Join(f.project, ".looper", "todo.json")}
	requireBwrap(t, p)
	script := `
cat "$HOME/.ssh/id_test" && echo LEAKED-KEY
ls "$HOME/.ssh" && echo LISTED-SSH
test -r "$HOME/.claude/settings.json" && echo CLAUDE-CONFIG-VISIBLE
echo x > ` + f.outside + `/escape && echo WROTE-OUTSIDE
echo x > ` + f.project + `/main-edit && echo WROTE-CHECKOUT
echo x > ` + f.project + `/.git/hooks/post-commit && echo WROTE-HOOK
echo x >> ` + f.project + `/.looper/todo.json && echo WROTE-BACKLOG
echo x > /tmp/scratch && echo WROTE-PRIVATE-TMP
echo work > work.txt && git add work.txt && git commit -q -m 'attempt work' && echo COMMITTED
`
	out, err := runConfined(t, p, f.worktree, script)
	if err != nil {
		t.Fatalf("sandboxed script: %v\n%s", err, out)
	}
	for _, bad := range []string{"LEAKED-KEY", "LISTED-SSH", "WROTE-OUTSIDE", "WROTE-CHECKOUT", "WROTE-HOOK", "WROTE-BACKLOG"} {
		if strings.Contains(out, bad) {
			t.Errorf("the sandbox allowed %s:\n%s", bad, out)
		}
	}
	for _, good := range []string{"CLAUDE-CONFIG-VISIBLE", "WROTE-PRIVATE-TMP", "COMMITTED"} {
		if !strings.Contains(out, good) {
			t.Errorf("the sandbox refused what an attempt needs (%s):\n%s", good, out)
		}
	}
	for _, path := range []string{filepath.Join(f.outside, "escape"), filepath.Join(f.project, "main-edit"), filepath.Join(f.project, ".git", "hooks", "post-commit")} {
		if _, err := os.Stat(path); err == nil {
			t.Errorf("%s exists after the sandboxed run", path)
		}
	}
	if log := git(t, f.project, "log", "--oneline", "attempt"); !strings.Contains(log, "attempt work") {
		t.Errorf("the attempt's commit is not on its branch:\n%s", log)
	}
}

// TestGitConfigStaysReadOnlyWhenLooperRewritesIt runs an attempt while
// looper, outside the sandbox, rewrites .git/config for other attempts
// (git replaces the file by rename): the attempt still starts, still
// cannot write the config or the hooks looper's own git runs, and still
// commits.
func TestGitConfigStaysReadOnlyWhenLooperRewritesIt(t *testing.T) {
	f := newFixture(t)
	p := &Policy{Mode: ModeBwrap, Home: f.home, Project: f.project}
	requireBwrap(t, p)
	common := filepath.Join(f.project, ".git")
	script := `
touch ready
i=0; while [ ! -e go ] && [ $i -lt 1200 ]; do sleep 0.1; i=$((i+1)); done
echo x >> ` + common + `/config && echo WROTE-CONFIG
echo x > ` + common + `/hooks/post-commit && echo WROTE-HOOK
echo work > work.txt && git add work.txt && git commit -q -m 'attempt work' && echo COMMITTED
`
	c, err := p.Confine(agent.Command{Agent: "claude", Argv: []string{"/bin/sh", "-c", script}, Env: os.Environ(), Dir: f.worktree})
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(c.Argv[0], c.Argv[1:]...)
	cmd.Dir, cmd.Env = c.Dir, append(c.Env, "HOME="+p.Home)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	// Rewrite the config while bwrap sets up, and again once the agent runs.
	for i := range 3 {
		git(t, f.project, "config", "looper.before", strconv.Itoa(i))
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for i := 0; ; i++ {
		git(t, f.project, "config", "looper.during", strconv.Itoa(i))
		if _, err := os.Stat(filepath.Join(f.worktree, "ready")); err == nil {
			break
		}
		if i > 2000 {
			t.Fatalf("the sandboxed agent never started:\n%s", out.String())
		}
	}
	git(t, f.project, "branch", "-q", "other")
	git(t, f.project, "config", "branch.other.looperbase", "x")
	write(t, filepath.Join(f.worktree, "go"), "")
	if err := cmd.Wait(); err != nil {
		t.Fatalf("sandboxed script: %v\n%s", err, out.String())
	}
	if strings.Contains(out.String(), "WROTE-CONFIG") || strings.Contains(out.String(), "WROTE-HOOK") || !strings.Contains(out.String(), "COMMITTED") {
		t.Errorf("after looper rewrote .git/config, the agent should still commit and write neither config nor hooks:\n%s", out.String())
	}
	if cfg, _ := os.ReadFile(filepath.Join(common, "config")); strings.Contains("\n"+string(cfg), "\nx\n") {
		t.Errorf("the config was written from the sandbox:\n%s", cfg)
	}
}

func TestInPlaceAttemptWritesTheProject(t *testing.T) {
	f := newFixture(t)
	p := &Policy{Mode: ModeBwrap, Home: f.home, Project: f.project, Backlog: filepath.Join(f.project, ".looper", "todo.json")}
	requireBwrap(t, p)
	out, err := runConfined(t, p, f.project, `echo x > inplace.txt && git add inplace.txt && git commit -q -m inplace && echo COMMITTED; echo x > `+f.outside+`/escape && echo WROTE-OUTSIDE; echo x >> .looper/todo.json && echo WROTE-BACKLOG`)
	if err != nil {
		t.Fatalf("sandboxed script: %v\n%s", err, out)
	}
	if !strings.Contains(out, "COMMITTED") || !strings.Contains(out, "WROTE-BACKLOG") || strings.Contains(out, "WROTE-OUTSIDE") {
		t.Errorf("in place, the project should be writable and nothing else:\n%s", out)
	}
}

func TestNetworkNoneCutsEvenLoopback(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("bash (for /dev/tcp) is not installed")
	}
	f := newFixture(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	port := ln.Addr().(*net.TCPAddr).Port
	script := `exec ` + bash + ` -c 'exec 3<>/dev/tcp/127.0.0.1/` + strconv.Itoa(port) + ` && echo CONNECTED || echo REFUSED'`
	for _, c := range []struct {
		network Network
		want    string
	}{{NetworkHost, "CONNECTED"}, {NetworkNone, "REFUSED"}} {
		p := &Policy{Mode: ModeBwrap, Home: f.home, Project: f.project, AgentNetwork: map[string]Network{"claude": c.network}}
		requireBwrap(t, p)
		out, err := runConfined(t, p, f.worktree, script)
		if err != nil || !strings.Contains(out, c.want) {
			t.Errorf("network %s: %v, output %q, want %s", c.network, err, out, c.want)
		}
	}
}
