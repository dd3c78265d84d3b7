package sshrunner

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/looper-go/looper/internal/runner"
)

// session is one attempt on a host: the ssh client whose session runs
// `looper remote-agent`, and what is needed to bring the work home.
type session struct {
	conn    *conn
	host    Host
	base    base
	cmd     runner.Command
	dir     string // the attempt's directory on the host
	tree    string // its tree, absolute, as the agent sees it
	writes  []string
	tag     string
	release func(failed bool)

	client *exec.Cmd
	ctl    io.WriteCloser
	stdout *os.File
	stderr *os.File

	mu      sync.Mutex
	stopped bool
	killed  bool
	ended   chan struct{}
}

// sessionGrace is how long, beyond the agent's grace, the supervisor on
// the host may take to report the agent's end after "stop" before the ssh
// client is killed (which the supervisor sees as the end of its input).
const sessionGrace = 30 * time.Second

// collectTimeout bounds each command that reads the result back.
const collectTimeout = 10 * time.Minute

// start makes the attempt's tree on h and starts the agent there.
func start(ctx context.Context, cn *conn, b base, c runner.Command, release func(bool)) (_ *session, err error) {
	released := false
	defer func() {
		if err != nil && !released {
			var u *unreachableError
			release(errors.As(err, &u))
		}
	}()
	var tagBytes [6]byte
	_, _ = rand.Read(tagBytes[:])
	h := cn.host
	s := &session{conn: cn, host: h, base: b, cmd: c, tag: hex.EncodeToString(tagBytes[:]), release: release, ended: make(chan struct{})}
	s.dir = path.Join(h.dir(), strings.NewReplacer("/", "-", " ", "-").Replace(b.branch)+"-"+s.tag)
	if err := s.prepare(ctx); err != nil {
		return nil, err
	}
	req := s.request()
	line, err := json.Marshal(req)
	if err != nil {
		s.cleanup()
		return nil, err
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		s.cleanup()
		return nil, err
	}
	errR, errW, err := os.Pipe()
	if err != nil {
		outR.Close()
		outW.Close()
		s.cleanup()
		return nil, err
	}
	argv, err := cn.argv(ctx, quote(h.looper()), "remote-agent", quote(s.dir))
	if err != nil {
		outR.Close()
		outW.Close()
		errR.Close()
		errW.Close()
		s.cleanup()
		return nil, err
	}
	client := exec.Command(argv[0], argv[1:]...)
	client.Stdout, client.Stderr = outW, errW
	// Its own process group: the terminal's Ctrl-C goes to looper, which
	// stops the agent through the session, not to ssh, which would drop it.
	client.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	ctl, err := client.StdinPipe()
	if err == nil {
		err = client.Start()
	}
	outW.Close()
	errW.Close()
	if err != nil {
		outR.Close()
		errR.Close()
		s.cleanup()
		return nil, fmt.Errorf("start ssh to %s: %w", h.Name(), err)
	}
	s.client, s.ctl, s.stdout, s.stderr = client, ctl, outR, errR
	// The request cannot block for long: the supervisor reads it first.
	if _, err := ctl.Write(append(line, '\n')); err != nil {
		ctl.Close() // the session failed; Wait reports how
	}
	released = true
	return s, nil
}

// request maps the command onto the host: the local worktree's path
// becomes the tree's, each file of Writes a file in the attempt's
// directory, in the argv, the environment and the prompt alike. Only the
// environment looper set (Own) is passed on: the host has its own PATH
// and HOME.
func (s *session) request() request {
	pairs := []string{}
	for i, w := range s.cmd.Writes {
		remote := path.Join(s.tree, "..", fmt.Sprintf("write-%d", i))
		s.writes = append(s.writes, remote)
		pairs = append(pairs, w, remote)
	}
	if s.cmd.Dir != "" {
		pairs = append(pairs, s.cmd.Dir, s.tree)
	}
	m := strings.NewReplacer(pairs...)
	req := request{Agent: s.cmd.Agent, Dir: s.tree, Grace: s.cmd.Grace}
	for _, a := range s.cmd.Argv {
		req.Argv = append(req.Argv, m.Replace(a))
	}
	for _, e := range s.cmd.Own {
		req.Env = append(req.Env, m.Replace(e))
	}
	if s.cmd.Stdin != nil {
		req.Stdin = []byte(m.Replace(string(s.cmd.Stdin)))
	}
	return req
}

// run runs a shell script on the host with stdin as its input and returns
// its output. ssh's own failures (exit 255: the host could not be reached
// or dropped the connection) are an unreachableError.
func (s *session) run(ctx context.Context, script string, stdin io.Reader) ([]byte, error) {
	argv, err := s.conn.argv(ctx, "sh", "-c", quote(script))
	if err != nil {
		return nil, err
	}
	c := exec.CommandContext(ctx, argv[0], argv[1:]...)
	c.Stdin = stdin
	c.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	var stdout, stderr bytes.Buffer
	c.Stdout, c.Stderr = &stdout, &stderr
	err = c.Run()
	if err == nil {
		return stdout.Bytes(), nil
	}
	msg := strings.TrimSpace(stderr.String())
	if ee, ok := errors.AsType[*exec.ExitError](err); ok && ee.ExitCode() == 255 {
		if msg == "" {
			msg = "ssh exited 255"
		}
		return nil, &unreachableError{errors.New(msg)}
	}
	if msg == "" {
		msg = err.Error()
	}
	return stdout.Bytes(), fmt.Errorf("on %s: %s", s.host.Name(), msg)
}

// prepare ships the base bundle and makes the tree on the branch.
func (s *session) prepare(ctx context.Context) error {
	bundle, err := s.base.bundle(ctx)
	if err != nil {
		return err
	}
	defer bundle.Close()
	q := quote
	script := strings.Join([]string{
		"set -e",
		"command -v " + q(s.host.looper()) + " >/dev/null 2>&1 || { echo 'looper is not installed on the host as '" + q(s.host.looper()) + " >&2; exit 97; }",
		"mkdir -p " + q(s.dir),
		"cd " + q(s.dir),
		"cat > base.bundle",
		"git clone --quiet --no-checkout base.bundle tree",
		"rm -f base.bundle",
		"cd tree",
		"git checkout --quiet -B " + q(s.base.branch) + " " + q(s.base.commit),
		"git remote remove origin",
	}, "\n")
	if s.base.name != "" {
		script += "\ngit config user.name " + q(s.base.name)
	}
	if s.base.email != "" {
		script += "\ngit config user.email " + q(s.base.email)
	}
	script += "\npwd"
	out, err := s.run(ctx, script, bundle)
	if err != nil {
		if _, unreachable := errors.AsType[*unreachableError](err); !unreachable {
			s.cleanup()
		}
		return err
	}
	s.tree = strings.TrimSpace(string(out))
	if !path.IsAbs(s.tree) {
		s.cleanup()
		return fmt.Errorf("on %s: the attempt's tree has no absolute path (%q)", s.host.Name(), s.tree)
	}
	return nil
}

// cleanup removes the attempt's directory on the host, best effort.
func (s *session) cleanup() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, _ = s.run(ctx, "rm -rf "+quote(s.dir), nil)
}

// Describe names the host.
func (s *session) Describe() string { return "on " + s.host.Name() + " in " + s.tree }

// Stdout is the agent's stdout, carried by the session.
func (s *session) Stdout() io.ReadCloser { return s.stdout }

// Stderr is the agent's stderr and the ssh client's own messages.
func (s *session) Stderr() io.ReadCloser { return s.stderr }

// Stop asks the supervisor to stop the agent with its grace period; a
// session that does not end in time is cut, which stops the agent too.
func (s *session) Stop() { s.signal("stop", s.cmd.Grace+sessionGrace, &s.stopped) }

// Kill asks the supervisor to kill the agent's processes now.
func (s *session) Kill() { s.signal("kill", sessionGrace, &s.killed) }

func (s *session) signal(word string, cut time.Duration, flag *bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	select {
	case <-s.ended:
		return
	default:
	}
	first := !s.stopped && !s.killed
	*flag = true
	_, _ = io.WriteString(s.ctl, word+"\n")
	if first || word == "kill" {
		time.AfterFunc(cut, func() {
			select {
			case <-s.ended:
			default:
				_ = s.client.Process.Kill()
			}
		})
	}
}
