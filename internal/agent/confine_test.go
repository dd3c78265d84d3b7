package agent

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/looper-go/looper/internal/proc"
	"github.com/looper-go/looper/sinks"
)

// prefixConfiner runs every command through `env CONFINED=yes`, the way
// the sandbox puts bwrap in front of the agent, and records what it saw.
type prefixConfiner struct {
	seen Command
	err  error
}

func (p *prefixConfiner) Confine(c Command) (Command, error) {
	p.seen = c
	if p.err != nil {
		return c, p.err
	}
	c.Argv = append([]string{"env", "CONFINED=yes"}, c.Argv...)
	c.Note = "confined by the test"
	return c, nil
}

func TestConfinerRewritesTheCommand(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	script := filepath.Join(dir, "agent.sh")
	body := "#!/bin/sh\necho \"confined=$CONFINED\"\nprintf '{\"task_id\":\"T1\",\"status\":\"done\",\"summary\":\"ok\"}\\n'\n"
	if err := os.WriteFile(script, []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
	log := &eventLog{}
	conf := &prefixConfiner{}
	r := Runner{Emit: log.emit, Confine: conf}
	res := r.Run(t.Context(), Spec{Name: "sh-agent", Binary: script, Grace: testGrace},
		Request{Prompt: "work", Dir: dir, TaskID: "T1", Contract: ContractTask})
	if res.Class != ClassOK || !strings.Contains(res.Text, "confined=yes") {
		t.Fatalf("class = %s (%s), text %q: the confined command did not run", res.Class, res.Err, res.Text)
	}
	if conf.seen.Agent != "sh-agent" || conf.seen.Dir != dir || conf.seen.Argv[0] != script {
		t.Errorf("the confiner saw %+v", conf.seen)
	}
	if !slices.ContainsFunc(conf.seen.Env, func(kv string) bool { return strings.HasPrefix(kv, proc.TagVar+"=") }) {
		t.Error("the confiner did not get the attempt's process tag in the environment")
	}
	if !slices.ContainsFunc(log.all(), func(e sinks.Event) bool { return strings.Contains(e.Message, "confined by the test") }) {
		t.Error("no event names how the agent was confined")
	}

	// A codex attempt's --output-last-message file is one the agent writes.
	conf = &prefixConfiner{err: errors.New("no sandbox here")}
	r.Confine = conf
	res = r.Run(t.Context(), Spec{Dialect: DialectCodex, Binary: filepath.Join(fakeBin, "codex"), Grace: testGrace},
		Request{Prompt: "- task_id: T1\n", Dir: dir, TaskID: "T1", LastMessagePath: filepath.Join(dir, "last.json")})
	if res.Class != ClassCrashed || !strings.Contains(res.Err, "no sandbox here") {
		t.Errorf("a refusing confiner: class = %s (%s), want crashed with its reason", res.Class, res.Err)
	}
	if len(conf.seen.Writes) != 1 || conf.seen.Writes[0] != filepath.Join(dir, "last.json") {
		t.Errorf("codex's last-message file is not among the files the agent writes: %q", conf.seen.Writes)
	}
}
