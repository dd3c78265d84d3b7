package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/looper-go/looper/internal/fakeagent"
	"github.com/looper-go/looper/internal/golden"
	"github.com/looper-go/looper/internal/sandbox"
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
	// The end-to-end tests run the fake agent as claude, whose argv has
	// --dangerously-skip-permissions, so auto mode would sandbox it where
	// bwrap works, and the tests' record files in $WORK (the project, then
	// read-only) could not be written. They test looper, not the sandbox;
	// the sandbox scripts (testdata/script/*sandbox*.txtar) turn it on.
	// A script's looper is this binary too: the value the script set wins.
	// On an ssh host of the runners test, this binary is the host's
	// looper (remote-agent) and the fake agent it starts (fake-agent).
	if len(os.Args) > 1 && (os.Args[1] == "remote-agent" || os.Args[1] == "fake-agent") {
		main()
	}
	if _, set := os.LookupEnv("LOOPER_SANDBOX"); !set {
		os.Setenv("LOOPER_SANDBOX", "off")
	}
	testscript.Main(scriptParallel{m}, scriptCommands)
}

// scriptParallel runs the tests with more of them at once than go test's
// default (-parallel = GOMAXPROCS), unless -test.parallel is given: the
// scripts and the shell-completion cases spend most of their wall time
// waiting on the processes they start (looper, the fake agents' sleeps and
// polls, git, the preflight's --version timeouts), not on a CPU, so on a
// 2-core machine two at a time left the CPUs idle while the package's wall
// time grew past go test's 10-minute default timeout. Every script holds
// under load, with deadlines for real processes and no wall-clock
// threshold, so running more of them at once changes no outcome.
type scriptParallel struct{ m *testing.M }

// scriptsPerCPU is how many parallel tests run at once per CPU.
const scriptsPerCPU = 3

func (s scriptParallel) Run() int {
	flag.Parse()
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == "test.parallel" })
	if !set {
		_ = flag.Set("test.parallel", strconv.Itoa(scriptsPerCPU*runtime.GOMAXPROCS(0)))
	}
	return s.m.Run()
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
		Condition:           scriptCondition,
		Setup:               scriptSetup,
	})
}

// scriptSetup gives every script the shared fixture backlogs ($BACKLOGS),
// a home of its own, no colour and no sandbox (see TestMain).
func scriptSetup(e *testscript.Env) error {
	backlogs, err := filepath.Abs(filepath.Join("..", "..", "testdata", "backlogs"))
	if err != nil {
		return err
	}
	e.Setenv("BACKLOGS", backlogs)
	e.Setenv("HOME", e.WorkDir)
	e.Setenv("XDG_CONFIG_HOME", filepath.Join(e.WorkDir, ".config"))
	e.Setenv("NO_COLOR", "1")
	e.Setenv("LOOPER_SANDBOX", "off") // see TestMain
	return nil
}

// scriptCondition adds [bwrap] to testscript's conditions: bubblewrap is
// installed and can create namespaces here.
func scriptCondition(cond string) (bool, error) {
	if cond == "bwrap" {
		return (&sandbox.Policy{}).Available().Err == nil, nil
	}
	return false, fmt.Errorf("unknown condition %q", cond)
}
