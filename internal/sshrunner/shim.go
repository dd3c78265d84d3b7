package sshrunner

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/looper-go/looper/internal/runner"
)

// request is the first line the coordinator sends to `looper remote-agent`
// on the session's stdin: the agent's command as it runs on the host.
type request struct {
	Argv  []string      `json:"argv"`
	Env   []string      `json:"env"` // added to the host's environment
	Dir   string        `json:"dir"`
	Stdin []byte        `json:"stdin,omitempty"`
	Grace time.Duration `json:"grace"`
	Agent string        `json:"agent"`
}

// status is what the supervisor leaves in <attempt>/exit.json when the
// agent has ended: the coordinator reads it after the session, so a
// session that ended without one means the host (or the supervisor) died.
type status struct {
	Code     int      `json:"code"`
	Signal   int      `json:"signal,omitempty"`
	Stopped  bool     `json:"stopped,omitempty"`
	Killed   bool     `json:"killed,omitempty"`
	Warnings []string `json:"warnings,omitempty"`
}

// statusFile is the supervisor's record of how the agent ended, in the
// attempt's directory on the host.
const statusFile = "exit.json"

// Shim is the host's side of an attempt, `looper remote-agent <dir>`: it
// reads the request line from in, starts the agent with local (its own
// process group, sweep and tag, as looper runs agents on the coordinator),
// copies the agent's two streams to stdout and stderr, and then reads
// control lines from in: "stop" starts the grace-period escalation, "kill"
// kills at once, and the end of in (the ssh connection is gone, so no one
// will collect the work) stops the agent like "stop". When the agent and
// its streams are done it writes <dir>/exit.json and returns 0; any other
// return means no status was written.
func Shim(local runner.Runner, dir string, in io.Reader, stdout, stderr io.Writer) int {
	br := bufio.NewReader(in)
	line, err := br.ReadBytes('\n')
	if err != nil {
		fmt.Fprintf(stderr, "looper remote-agent: no request: %v\n", err)
		return 2
	}
	var req request
	if err := json.Unmarshal(line, &req); err != nil || len(req.Argv) == 0 {
		fmt.Fprintf(stderr, "looper remote-agent: bad request: %v\n", err)
		return 2
	}
	c := runner.Command{
		Agent: req.Agent, Argv: req.Argv, Dir: req.Dir, Stdin: req.Stdin, Grace: req.Grace,
		Own: req.Env, Env: append(os.Environ(), req.Env...),
	}
	p, err := local.Start(context.Background(), c)
	if err != nil {
		fmt.Fprintf(stderr, "looper remote-agent: %v\n", err)
		// The agent did not start: record it as an agent that exited 127,
		// as a shell reports a command it cannot run.
		return writeStatus(dir, status{Code: 127, Warnings: []string{err.Error()}}, stderr)
	}
	var copies sync.WaitGroup
	copies.Go(func() { _, _ = io.Copy(stdout, p.Stdout()) })
	copies.Go(func() { _, _ = io.Copy(stderr, p.Stderr()) })
	go control(br, p)
	exit := p.Wait()
	copies.Wait()
	return writeStatus(dir, status{Code: exit.Code, Signal: int(exit.Signal), Stopped: exit.Stopped, Killed: exit.Killed, Warnings: exit.Warnings}, stderr)
}

// control obeys the control lines of the session until its end.
func control(br *bufio.Reader, p runner.Process) {
	for {
		line, err := br.ReadString('\n')
		switch strings.TrimSpace(line) {
		case "stop":
			p.Stop()
		case "kill":
			p.Kill()
		}
		if err != nil {
			p.Stop()
			return
		}
	}
}

func writeStatus(dir string, s status, stderr io.Writer) int {
	b, _ := json.Marshal(s)
	tmp := filepath.Join(dir, statusFile+".tmp")
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		fmt.Fprintf(stderr, "looper remote-agent: %v\n", err)
		return 3
	}
	if err := os.Rename(tmp, filepath.Join(dir, statusFile)); err != nil {
		fmt.Fprintf(stderr, "looper remote-agent: %v\n", err)
		return 3
	}
	return 0
}

// parseStatus reads exit.json as the coordinator fetched it.
func parseStatus(b []byte) (status, error) {
	var s status
	if err := json.Unmarshal(b, &s); err != nil {
		return s, fmt.Errorf("the host's %s is not valid: %w", statusFile, err)
	}
	if s.Code < -1 || s.Code > 255 {
		return s, errors.New("the host's " + statusFile + " holds an impossible exit code")
	}
	return s, nil
}
