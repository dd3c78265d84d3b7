// Command looper drives coding-agent CLIs over a JSON task backlog, one task
// at a time or several in parallel. See README.md.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"

	"github.com/alecthomas/kong"

	"github.com/looper-go/looper/config"
	"github.com/looper-go/looper/internal/agent"
	"github.com/looper-go/looper/internal/kube"
	"github.com/looper-go/looper/stages"
)

// Exit codes, shared by every command.
const (
	exitOK          = 0
	exitFailure     = 1   // invalid input, a failed check, failed tasks
	exitUsage       = 2   // the command line could not be parsed
	exitAgent       = 3   // an agent cannot be used: missing or broken binary (preflight), bad credentials, unreachable model API
	exitBudget      = 4   // a [budget] limit of the run was reached
	exitInterrupted = 130 // stopped by SIGINT or SIGTERM
)

// cli is the whole kong grammar. Each command lives in its own file.
type cli struct {
	globalFlags `embed:""`

	Run        runCmd        `cmd:"" default:"withargs" help:"Work through the backlog: one task at a time, or several with --parallel (the default command)."`
	Pipe       pipeCmd       `cmd:"" help:"Run chosen pipeline stages for one pass over the backlog."`
	Demo       demoCmd       `cmd:"" help:"Run a built-in 12-task example project with the fake agent."`
	Version    versionCmd    `cmd:"" help:"Print looper's version."`
	Init       initCmd       `cmd:"" help:"Write a starter backlog, its JSON schema and an example looper.toml under .looper/."`
	Ls         lsCmd         `cmd:"" help:"List the backlog's tasks by status, priority and id."`
	Validate   validateCmd   `cmd:"" help:"Check the backlog; list every problem with its line and column."`
	Fmt        fmtCmd        `cmd:"" help:"Rewrite the backlog in canonical form (sorted, upstream layout)."`
	Config     configCmd     `cmd:"" help:"Print the effective configuration and where each value comes from."`
	Doctor     doctorCmd     `cmd:"" help:"Check agents, git, the backlog, the log directory and the config files."`
	Completion completionCmd `cmd:"" help:"Print a shell completion script (bash, zsh or fish)."`
	Tail       tailCmd       `cmd:"" help:"Print the newest run log of this project, or follow it."`
	Status     statusCmd     `cmd:"" help:"Say whether a run is going on here, what it is doing, or how the last one ended."`
	Watch      watchCmd      `cmd:"" help:"Show the run going on here, full screen and live."`
	Clean      cleanCmd      `cmd:"" help:"Delete old run logs of this project, or leftover attempt worktrees."`

	FakeAgent   fakeAgentCmd   `cmd:"" name:"fake-agent" hidden:"" passthrough:"" help:"Impersonate the claude or codex CLI (for tests and demos)."`
	RemoteAgent remoteAgentCmd `cmd:"" name:"remote-agent" hidden:"" help:"Supervise one attempt's agent on an ssh host (started by the ssh runner)."`
}

func main() {
	if completeFromEnv(os.Stdout) {
		// A shell asked what completes its command line (completion.go).
		return
	}
	if len(os.Args) > 1 && os.Args[1] == "fake-agent" {
		// The fake agent handles signals itself, as the CLI it stands in
		// for does: looper's handler would echo looper's own "stopping"
		// message on the agent's stderr, and exit on a second signal.
		os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
	}
	if len(os.Args) > 1 {
		switch os.Args[1] {
		case "kube-hold":
			// The attempt pod's PID 1 (internal/kube): no config, no
			// signal handling but its own.
			kube.Hold()
		}
	}
	ctx, stop := signalContext(os.Stderr)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// runsAgents is set once a command opened a session, which runs agents: a
// signal then says that agents get a grace period. Commands that run no
// agent (tail -f, say) just stop.
var runsAgents atomic.Bool

// signalText names a signal as people know it: "SIGINT (Ctrl-C)" rather
// than Go's "interrupt", so that messages do not read "interrupted by
// interrupt".
func signalText(sig os.Signal) string {
	switch sig {
	case os.Interrupt:
		return "SIGINT (Ctrl-C)"
	case syscall.SIGTERM:
		return "SIGTERM"
	}
	return sig.String()
}

// stopNote is what looper prints on the first signal while agents run.
func stopNote(sig os.Signal) string {
	return fmt.Sprintf("looper: %s: stopping; agents get a grace period to exit (signal again to kill them now)", signalText(sig))
}

// signalContext returns a context cancelled by the first SIGINT or SIGTERM,
// with stages.ErrInterrupted as its cause: the run stops dispatching, gives
// agents their grace period, puts in-flight tasks back and exits 130. A
// second signal kills every agent process group at once and exits 130
// without waiting.
func signalContext(stderr io.Writer) (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(context.Background())
	signals := make(chan os.Signal, 2)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		first := true
		for {
			select {
			case sig := <-signals:
				if first {
					first = false
					if runsAgents.Load() {
						fmt.Fprintf(stderr, "\n%s\n", stopNote(sig))
					}
					cancel(fmt.Errorf("%w by %s", stages.ErrInterrupted, signalText(sig)))
					continue
				}
				if runsAgents.Load() {
					fmt.Fprintf(stderr, "looper: %s again: killing every agent now\n", signalText(sig))
				}
				agent.KillAll()
				killKubePods()
				flushStoreOnExit()
				os.Exit(exitInterrupted)
			case <-done:
				return
			}
		}
	}()
	return ctx, func() {
		signal.Stop(signals)
		close(done)
		cancel(nil)
	}
}

// exitError carries an exit code other than 1 out of a command's Run.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// kongExit is panicked by kong's Exit hook (after --help, say) so that run
// can return the code instead of the process exiting under a test.
type kongExit int

// run parses args, runs the chosen command and returns the process exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) (code int) {
	defer func() {
		if r := recover(); r != nil {
			k, ok := r.(kongExit)
			if !ok {
				panic(r)
			}
			code = int(k)
		}
	}()
	var root cli
	parser, err := newParser(&root, stdout, stderr,
		kong.Exit(func(code int) { panic(kongExit(code)) }),
		kong.BindFor(ctx),
	)
	if err != nil {
		panic(err) // the grammar is wrong: a programmer error
	}
	kctx, err := parser.Parse(args)
	if err != nil {
		fmt.Fprintf(stderr, "looper: %v\n", err)
		return exitUsage
	}
	if err := bindConfig(kctx, &root.globalFlags, stderr); err != nil {
		fmt.Fprintf(stderr, "looper: %v\n", err)
		return exitUsage
	}
	if err := kctx.Run(); err != nil {
		var ee *exitError
		if errors.As(err, &ee) {
			if ee.err != nil {
				fmt.Fprintf(stderr, "looper: %v\n", ee.err)
			}
			return ee.code
		}
		fmt.Fprintf(stderr, "looper: %v\n", err)
		return exitFailure
	}
	return exitOK
}

// newParser builds the kong parser for root with looper's options: the
// config resolver (global flags take their values from the config layers
// when not typed), grouped and annotated help, and stdout bound as the
// io.Writer commands print to. The help tests build it the same way.
func newParser(root any, stdout, stderr io.Writer, extra ...kong.Option) (*kong.Kong, error) {
	opts := []kong.Option{
		kong.Name("looper"),
		kong.Description("Drive coding-agent CLIs over a JSON task backlog, sequentially or in parallel."),
		kong.Writers(stdout, stderr),
		kong.UsageOnError(),
		kong.ConfigureHelp(kong.HelpOptions{Compact: true}),
		kong.ValueFormatter(configHelp),
		flagGroups,
		kong.Resolvers(&config.Resolver{FileFlag: "config"}),
		kong.BindTo(stdout, (*io.Writer)(nil)),
	}
	return kong.New(root, append(opts, extra...)...)
}
