// Command looper drives coding-agent CLIs over a JSON task backlog, one task
// at a time or several in parallel. See README.md.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/alecthomas/kong"
)

// Exit codes, shared by every command.
const (
	exitOK          = 0
	exitFailure     = 1   // invalid input, a failed check, failed tasks
	exitUsage       = 2   // the command line could not be parsed
	exitInterrupted = 130 // stopped by SIGINT or SIGTERM
)

// cli is the whole kong grammar. Each command lives in its own file.
type cli struct {
	Version versionCmd `cmd:"" help:"Print looper's version."`
}

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
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
	parser, err := kong.New(&root,
		kong.Name("looper"),
		kong.Description("Drive coding-agent CLIs over a JSON task backlog, sequentially or in parallel."),
		kong.Writers(stdout, stderr),
		kong.Exit(func(code int) { panic(kongExit(code)) }),
		kong.UsageOnError(),
		kong.ConfigureHelp(kong.HelpOptions{Compact: true}),
		kong.BindFor(ctx),
		kong.BindTo(stdout, (*io.Writer)(nil)),
	)
	if err != nil {
		panic(err) // the grammar is wrong: a programmer error
	}
	kctx, err := parser.Parse(args)
	if err != nil {
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
