package kube

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/looper-go/looper/internal/agent"
)

type recordConfiner struct{ got []agent.Command }

func (r *recordConfiner) Confine(c agent.Command) (agent.Command, error) {
	r.got = append(r.got, c)
	c.Note = "local"
	return c, nil
}

func TestConfine(t *testing.T) {
	local := &recordConfiner{}
	k := &Confiner{Config: Config{Image: "i", Namespace: "ns"}, Looper: "/bin/looper", Base: []string{"PATH=/bin", "HOME=/root"},
		Root: "/proj", Local: local}
	c := agent.Command{Agent: "claude", Argv: []string{"/usr/bin/claude", "-p"}, Dir: "/wt/T1-1", Grace: 3 * time.Second,
		Env: []string{"PATH=/bin", "HOME=/other", "LOOPER_TASK_ID=T1", "LOOPER_KUBE_PASS=x"}, Writes: []string{"/tmp/a", "/tmp/b"}}
	out, err := k.Confine(c)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"/bin/looper", "kube-attempt", "--", "/usr/bin/claude", "-p"}; !slices.Equal(out.Argv, want) {
		t.Errorf("argv %q, want %q", out.Argv, want)
	}
	env := map[string]string{}
	for _, kv := range out.Env {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	if env[envPass] != "HOME,LOOPER_TASK_ID" {
		t.Errorf("passed %q, want what looper set or changed (HOME,LOOPER_TASK_ID)", env[envPass])
	}
	if env[envGrace] != "3s" || env[envDir] != "/wt/T1-1" || env[envWrites] != "/tmp/a\x00/tmp/b" {
		t.Errorf("grace %q dir %q writes %q", env[envGrace], env[envDir], env[envWrites])
	}
	if _, err := DecodeConfig(env[EnvConfig]); err != nil {
		t.Errorf("the config does not decode: %v", err)
	}

	// The project's own tree (review, bootstrap, in place) stays local.
	c.Dir = "/proj/"
	out, err = k.Confine(c)
	if err != nil || out.Note != "local" || len(local.got) != 1 || out.Argv[0] != "/usr/bin/claude" {
		t.Errorf("a command in the project root went to %q (%q), %v", out.Argv, out.Note, err)
	}
}

func TestAttemptFromEnv(t *testing.T) {
	t.Setenv(EnvConfig, Config{Image: "i", Namespace: "ns"}.Encode())
	t.Setenv(envPass, "FOO,LOOPER_TASK_ID,MISSING")
	t.Setenv("FOO", "a b")
	t.Setenv("LOOPER_TASK_ID", "T9")
	t.Setenv("LOOPER_AGENT_ID", "claude#2")
	t.Setenv("LOOPER_ATTEMPT", "3")
	t.Setenv(envGrace, "2s")
	t.Setenv(envDir, "/wt")
	t.Setenv(envWrites, "")
	a, err := AttemptFromEnv([]string{"claude", "-p"})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(a.Env, []string{"FOO=a b", "LOOPER_TASK_ID=T9"}) || a.Grace != 2*time.Second || a.Dir != "/wt" || len(a.Writes) != 0 {
		t.Errorf("attempt %+v", a)
	}
	if a.Identity != (Identity{Task: "T9", Attempt: 3, Agent: "claude#2"}) {
		t.Errorf("identity %+v", a.Identity)
	}
	if _, err := AttemptFromEnv(nil); err == nil {
		t.Error("no argv was accepted")
	}
}

func TestShellQuote(t *testing.T) {
	for in, want := range map[string]string{"": "''", "a b": "'a b'", "it's": `'it'\''s'`} {
		if got := shellQuote(in); got != want {
			t.Errorf("shellQuote(%q) = %s, want %s", in, got, want)
		}
	}
	if shellName("1A") || shellName("A-B") || !shellName("_A1") {
		t.Error("shellName misjudges")
	}
}
