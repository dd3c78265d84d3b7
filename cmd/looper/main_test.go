package main

import (
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/looper-go/looper/internal/fakeagent"
	"github.com/looper-go/looper/internal/golden"
)

// scriptCommands are the programs testscript scripts can exec: looper itself
// and whatever helpers the end-to-end tests need.
var scriptCommands = map[string]func(){
	"looper": main,
	// The fake agent under the names it impersonates (internal/fakeagent).
	"claude": fakeagent.Main,
	"codex":  fakeagent.Main,
}

func TestMain(m *testing.M) {
	testscript.Main(m, scriptCommands)
}

// TestScript runs every testdata/script/*.txtar file at the repository root
// as an end-to-end test of the looper binary.
func TestScript(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 filepath.Join("..", "..", "testdata", "script"),
		UpdateScripts:       golden.Updating(),
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
		Cmds:                scriptCmds,
		Setup:               scriptSetup,
	})
}

// scriptSetup gives every script the shared fixture backlogs ($BACKLOGS),
// a home of its own and no colour.
func scriptSetup(e *testscript.Env) error {
	backlogs, err := filepath.Abs(filepath.Join("..", "..", "testdata", "backlogs"))
	if err != nil {
		return err
	}
	e.Setenv("BACKLOGS", backlogs)
	e.Setenv("HOME", e.WorkDir)
	e.Setenv("XDG_CONFIG_HOME", filepath.Join(e.WorkDir, ".config"))
	e.Setenv("NO_COLOR", "1")
	return nil
}
