package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// encode is the message as the webhook and the command get it: one JSON
// object and a newline.
func encode(m Message) ([]byte, error) {
	b, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// post sends body to the webhook, up to Options.Tries times. A network
// error, a timeout, a 5xx, 408 or 429 answer is retried after a backoff
// that starts at Options.Backoff and doubles (at most MaxBackoff); other
// answers outside 2xx are final. The URL is named by scheme and host only
// in errors: a webhook's path often holds its secret token.
func (n *Notifier) post(_ Message, body []byte) error {
	wait := n.o.Backoff
	var last error
	for try := 1; try <= n.o.Tries; try++ {
		if try > 1 {
			t := time.NewTimer(wait)
			select {
			case <-t.C:
			case <-n.ctx.Done():
				t.Stop()
				return fmt.Errorf("%s: gave up at the end of the run after %s: %w", redact(n.o.Webhook), plural(try-1, "try", "tries"), last)
			}
			wait = min(2*wait, MaxBackoff)
		}
		retry, err := n.postOnce(body)
		if err == nil {
			return nil
		}
		last = err
		if !retry {
			return fmt.Errorf("%s: %w", redact(n.o.Webhook), err)
		}
	}
	return fmt.Errorf("%s: %d tries failed, the last: %w", redact(n.o.Webhook), n.o.Tries, last)
}

// postOnce makes one request; retry says whether another may succeed.
func (n *Notifier) postOnce(body []byte) (retry bool, err error) {
	ctx, cancel := context.WithTimeout(n.ctx, n.o.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, n.o.Webhook, bytes.NewReader(body))
	if err != nil {
		return false, errors.New("not a valid URL")
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "looper-notify")
	resp, err := n.o.Client.Do(req)
	if err != nil {
		if ctx.Err() != nil && n.ctx.Err() == nil {
			return true, fmt.Errorf("no answer within %s", n.o.Timeout)
		}
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err // the URL is not repeated: it may hold a token
		}
		return true, err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	switch c := resp.StatusCode; {
	case c >= 200 && c < 300:
		return false, nil
	case c >= 500, c == http.StatusRequestTimeout, c == http.StatusTooManyRequests:
		return true, fmt.Errorf("answered %s", resp.Status)
	default:
		return false, fmt.Errorf("answered %s", resp.Status)
	}
}

// redact names a URL by scheme and host.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "the webhook"
	}
	return u.Scheme + "://" + u.Host
}

// run runs the command with /bin/sh -c, the message on its standard input,
// and LOOPER_NOTIFY_EVENT and LOOPER_NOTIFY_TEXT in its environment (for
// commands that take the text as an argument, such as notify-send), in its
// own process group, killed as a whole after Options.Timeout.
func (n *Notifier) run(m Message, body []byte) error {
	ctx, cancel := context.WithTimeout(n.ctx, n.o.Timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "/bin/sh", "-c", n.o.Command)
	cmd.Dir = n.o.Dir
	cmd.Env = append(os.Environ(), "LOOPER_NOTIFY_EVENT="+m.Event, "LOOPER_NOTIFY_TEXT="+m.Text)
	cmd.Stdin = bytes.NewReader(body)
	var out tail
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = time.Second
	err := cmd.Run()
	if cmd.Process != nil {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) // what it left in its group
	}
	switch {
	case err == nil:
		return nil
	case ctx.Err() != nil && n.ctx.Err() == nil:
		return fmt.Errorf("%q did not finish within %s", n.o.Command, n.o.Timeout)
	case n.ctx.Err() != nil:
		return fmt.Errorf("%q was stopped at the end of the run, after %s", n.o.Command, n.o.Flush)
	}
	if s := strings.TrimSpace(out.String()); s != "" {
		return fmt.Errorf("%q: %v: %s", n.o.Command, err, clip(s, 300))
	}
	return fmt.Errorf("%q: %v", n.o.Command, err)
}

// tail keeps the last 4 KiB written to it.
type tail struct{ b []byte }

func (t *tail) Write(p []byte) (int, error) {
	t.b = append(t.b, p...)
	if len(t.b) > 4096 {
		t.b = t.b[len(t.b)-4096:]
	}
	return len(p), nil
}

func (t *tail) String() string { return string(t.b) }

// plural is "1 try" or "3 tries".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
