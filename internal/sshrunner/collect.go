package sshrunner

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"syscall"

	"github.com/looper-go/looper/internal/runner"
)

// Wait waits for the session to end, reads how the agent ended, brings
// its work home and removes the attempt's directory from the host. A
// session that ended without the supervisor's status, or a host that does
// not answer afterwards, is a lost place: nothing of the attempt is
// trusted, and the local worktree stays at its base.
func (s *session) Wait() runner.Exit {
	werr := s.client.Wait()
	s.mu.Lock()
	close(s.ended)
	stopped, killed := s.stopped, s.killed
	s.mu.Unlock()
	exit := runner.Exit{Code: -1, Stopped: stopped || killed, Killed: killed}

	ctx, cancel := context.WithTimeout(context.Background(), collectTimeout)
	defer cancel()
	raw, err := s.run(ctx, "cat "+quote(s.dir+"/"+statusFile), nil)
	if err != nil {
		exit.Lost = s.lost(werr, err)
		s.release(true)
		return exit
	}
	st, err := parseStatus(raw)
	if err != nil {
		exit.Lost = fmt.Sprintf("%s: %v", s.host.Name(), err)
		s.cleanup()
		s.release(false)
		return exit
	}
	exit.Code, exit.Signal, exit.Warnings = st.Code, syscall.Signal(st.Signal), st.Warnings
	exit.Stopped = exit.Stopped || st.Stopped
	exit.Killed = exit.Killed || st.Killed
	if err := s.collect(ctx); err != nil {
		var u *unreachableError
		if errors.As(err, &u) {
			exit.Lost = fmt.Sprintf("%s dropped the connection while looper collected the work: %v", s.host.Name(), err)
			s.release(true)
			return exit
		}
		exit.Warnings = append(exit.Warnings, fmt.Sprintf("the work on %s could not be brought back (it is left in %s there): %v", s.host.Name(), s.dir, err))
		s.release(false)
		return exit
	}
	s.cleanup()
	s.release(false)
	return exit
}

// lost says why the session's place was lost.
func (s *session) lost(session, status error) string {
	var u *unreachableError
	if errors.As(status, &u) {
		return fmt.Sprintf("%s dropped the connection (%v)", s.host.Name(), u.err)
	}
	why := "the session ended"
	if session != nil {
		why = "the session ended with " + session.Error()
	}
	return fmt.Sprintf("%s: %s without the supervisor's status (%v)", s.host.Name(), why, status)
}

// collect commits what the agent left uncommitted on the host (looper
// does the same in a local worktree, instead of widening the agent's
// rights), fetches the branch's commits since the base as a bundle and
// lands them in the local worktree, then copies back the files the agent
// wrote for looper.
func (s *session) collect(ctx context.Context) error {
	q := quote
	branch := "refs/heads/" + s.base.branch
	script := strings.Join([]string{
		"set -e",
		"cd " + q(s.tree),
		"git add --all -- . >&2",
		"id=; git config user.email >/dev/null || id='-c user.name=looper -c user.email=looper@localhost'",
		"if ! git diff --cached --quiet; then git $id commit --quiet --no-verify -m " +
			q("looper: uncommitted work on "+s.base.branch+" (left by the agent on "+s.host.Host+")") + " >&2; fi",
		"tip=$(git rev-parse --verify " + q(branch+"^{commit}") + ")",
		"if [ \"$tip\" = " + q(s.base.commit) + " ]; then exit 0; fi",
		"git bundle create --quiet - " + q(branch) + " " + q("^"+s.base.commit),
	}, "\n")
	out, err := s.run(ctx, script, nil)
	if err != nil {
		return err
	}
	if len(out) > 0 {
		f, err := os.CreateTemp("", "looper-result-*.bundle")
		if err != nil {
			return err
		}
		defer os.Remove(f.Name())
		_, werr := f.Write(out)
		if cerr := f.Close(); werr == nil {
			werr = cerr
		}
		if werr != nil {
			return werr
		}
		if _, err := s.base.land(ctx, f.Name(), s.tag); err != nil {
			return err
		}
	}
	for i, remote := range s.writes {
		b, err := s.run(ctx, "cat "+q(remote)+" 2>/dev/null || true", nil)
		if err != nil {
			return err
		}
		if len(b) > 0 {
			if err := os.WriteFile(s.cmd.Writes[i], b, 0o644); err != nil {
				return err
			}
		}
	}
	return nil
}
