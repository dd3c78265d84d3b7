package main

import (
	"testing"
	"time"

	"github.com/looper-go/looper/config"
	"github.com/looper-go/looper/stages"
)

// TestAgentSpecsGrace checks that [agents.<name>] grace reaches the runner:
// a duration as it is, "0" as an immediate SIGKILL (a negative Spec.Grace,
// since a zero one means the default).
func TestAgentSpecsGrace(t *testing.T) {
	cfg, err := config.Load(config.Options{
		Dir: t.TempDir(), Home: t.TempDir(),
		LookupEnv: func(string) (string, bool) { return "", false },
		Overrides: []config.Override{
			{Key: "agents.claude.grace", Value: "1500ms", Flag: "test"},
			{Key: "agents.codex.grace", Value: "0", Flag: "test"},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if g := stages.AgentSpec(cfg, "claude").Grace; g != 1500*time.Millisecond {
		t.Errorf("claude Spec.Grace = %s, want 1.5s", g)
	}
	if g := stages.AgentSpec(cfg, "codex").Grace; g >= 0 {
		t.Errorf("codex Spec.Grace = %s, want negative (SIGKILL at once)", g)
	}
}
