package sshrunner

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// conn is the run's connection to one host: a master ssh connection
// (ControlMaster) that every command of every attempt on the host shares,
// so an attempt costs one key exchange per host and run instead of one per
// command. When the master dies (the host went away) the next command
// starts a new one, or fails as the host does.
type conn struct {
	ssh  string
	host Host
	dir  string // the control socket's directory ("" = no master)

	mu sync.Mutex
}

// masterTimeout bounds the start of a master connection.
const masterTimeout = time.Minute

func (c *conn) socket() string { return filepath.Join(c.dir, "master") }

// argv is the ssh command line for a remote command on the host, through
// the master connection when there is one.
func (c *conn) argv(ctx context.Context, remote ...string) ([]string, error) {
	a := c.host.args(c.ssh)
	if c.dir != "" {
		if err := c.master(ctx); err != nil {
			return nil, err
		}
		// The destination is last in args; the control options go before.
		a = append(a[:len(a)-2:len(a)-2], "-o", "ControlMaster=no", "-o", "ControlPath="+c.socket(), "--", c.host.Host)
	}
	return append(a, remote...), nil
}

// master starts the master connection unless it is running: `ssh -M -N
// -f` authenticates, then leaves a background process serving the control
// socket, which ends ten minutes after its last session if looper
// cannot close it. Its output goes to a file, not to a pipe a caller would wait on.
func (c *conn) master(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, err := os.Stat(c.socket()); err == nil {
		check := exec.CommandContext(ctx, c.ssh, "-o", "ControlPath="+c.socket(), "-O", "check", c.host.Host)
		check.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		if check.Run() == nil {
			return nil
		}
		os.Remove(c.socket())
	}
	a := c.host.args(c.ssh)
	a = append(a[:len(a)-2:len(a)-2], "-M", "-N", "-f", "-o", "ControlPath="+c.socket(), "-o", "ControlPersist=10m", "--", c.host.Host)
	logf, err := os.CreateTemp(c.dir, "master-*.log")
	if err != nil {
		return err
	}
	defer os.Remove(logf.Name())
	defer logf.Close()
	mctx, cancel := context.WithTimeout(ctx, masterTimeout)
	defer cancel()
	cmd := exec.CommandContext(mctx, a[0], a[1:]...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Run(); err != nil {
		msg, _ := os.ReadFile(logf.Name())
		if len(bytes.TrimSpace(msg)) == 0 {
			msg = []byte(err.Error())
		}
		return &unreachableError{errors.New(strings.TrimSpace(string(msg)))}
	}
	return nil
}

// close ends the master connection.
func (c *conn) close() {
	if c.dir == "" {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_ = exec.CommandContext(ctx, c.ssh, "-o", "ControlPath="+c.socket(), "-O", "exit", c.host.Host).Run()
	os.RemoveAll(c.dir)
}
