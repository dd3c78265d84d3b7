package config

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestRunnersTable(t *testing.T) {
	s := newSandbox(t)
	s.write(filepath.Join(s.project, "looper.toml"), `
[runners]
use = "auto"

[[runners.ssh]]
host = "build1"
slots = 4
identity = "~/.ssh/looper"
options = ["ServerAliveInterval=10"]

[[runners.ssh]]
host = "build2"
user = "ci"
port = 2222

[runners.container]
image = "localhost/agents:1"
network = "none"
mounts = ["~/.claude:/root/.claude:ro"]
env = ["ANTHROPIC_API_KEY"]
`)
	c, err := s.load("")
	if err != nil {
		t.Fatal(err)
	}
	want := []SSHHost{
		{Host: "build1", Slots: 4, Identity: "~/.ssh/looper", Options: []string{"ServerAliveInterval=10"}},
		{Host: "build2", User: "ci", Port: 2222},
	}
	if diff := cmp.Diff(want, c.Runners.SSH); diff != "" {
		t.Errorf("hosts (-want +got):\n%s", diff)
	}
	if c.Runner() != RunnerSSH {
		t.Errorf("auto with hosts = %q, want ssh", c.Runner())
	}
	if c.Runners.Container.Image != "localhost/agents:1" || c.Runners.Container.Network != "none" || len(c.Runners.Container.Env) != 1 {
		t.Errorf("container = %+v", c.Runners.Container)
	}
	if src := c.Source("runners.ssh.1.port"); !strings.HasSuffix(src.Name, "looper.toml") {
		t.Errorf("runners.ssh.1.port comes from %v, want the project file", src)
	}
	d := c.Clone()
	d.Runners.SSH[0].Options[0] = "changed"
	if c.Runners.SSH[0].Options[0] != "ServerAliveInterval=10" {
		t.Error("Clone shares the hosts' options")
	}
}

func TestRunnersMistakes(t *testing.T) {
	s := newSandbox(t)
	s.write(filepath.Join(s.project, "looper.toml"), `
[runners]
use = "pods"

[[runners.ssh]]
hots = "x"

[runners.container]
imag = "y"
`)
	_, err := s.load("")
	var cerr *Error
	if !errors.As(err, &cerr) {
		t.Fatalf("error = %v, want *Error", err)
	}
	text := cerr.Error()
	for _, want := range []string{`runners.use: got "pods"`, `hots: unknown key (did you mean "host"?)`, `imag: unknown key (did you mean "image"?)`} {
		if !strings.Contains(text, want) {
			t.Errorf("errors lack %q:\n%s", want, text)
		}
	}
}

// TestRunnerKubernetes: [kubernetes] enabled picks the kubernetes runner
// under auto, after ssh hosts and before a container image; an explicit
// use wins.
func TestRunnerKubernetes(t *testing.T) {
	c := Defaults()
	if c.Runner() != RunnerLocal {
		t.Fatalf("defaults run %q, want local", c.Runner())
	}
	c.Kube.Enabled = true
	c.Runners.Container.Image = "img"
	if c.Runner() != RunnerKubernetes {
		t.Errorf("auto with [kubernetes] enabled = %q, want kubernetes", c.Runner())
	}
	c.Runners.SSH = []SSHHost{{Host: "h"}}
	if c.Runner() != RunnerSSH {
		t.Errorf("auto with hosts and [kubernetes] = %q, want ssh", c.Runner())
	}
	c.Runners.Use = RunnerKubernetes
	if c.Runner() != RunnerKubernetes {
		t.Errorf("use = kubernetes gives %q", c.Runner())
	}
}
