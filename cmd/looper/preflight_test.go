package main

import (
	"slices"
	"testing"

	"github.com/looper-go/looper/config"
	"github.com/looper-go/looper/internal/agent"
)

// TestPermissionModesAgree: config refuses at load exactly the permission
// modes the runner would refuse, so the two lists cannot drift apart.
func TestPermissionModesAgree(t *testing.T) {
	if got, want := config.Enum("agents.claude.permission_mode"), agent.ClaudePermissionModes(); !slices.Equal(got, want) {
		t.Errorf("config allows %v, the runner %v", got, want)
	}
}
