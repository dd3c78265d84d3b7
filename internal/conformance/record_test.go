package conformance

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/looper-go/looper/internal/mockapi"
)

// recordCase is one failure (or denial) to capture from a real CLI.
type recordCase struct {
	agent, name string
	script      mockapi.Script
	// noKey runs claude without ANTHROPIC_API_KEY.
	noKey bool
	// refused points the CLI at a port nothing listens on.
	refused bool
	// permission runs claude with --permission-mode instead of
	// --dangerously-skip-permissions.
	permission string
	// offline runs codex with its default provider in a network namespace
	// with no network (unshare -n) and kills it after capture.
	offline bool
	capture time.Duration
	// providerExtra are extra fields of codex's mock provider.
	providerExtra []string
}

// recordCases are the streams testdata/transcripts/README.md lists as
// real-<agent>-<version>-<name>.jsonl.
func recordCases() []recordCase {
	commit := mockapi.Script{Steps: func(task string) []mockapi.Step { return mockapi.Commit(task, "a.txt", "hello\n") }}
	always := func(f mockapi.Fault) mockapi.Script { s := commit; s.Faults = []mockapi.Fault{f}; return s }
	return []recordCase{
		{agent: "claude", name: "401", script: always(mockapi.Fault{Status: 401})},
		{agent: "claude", name: "403", script: always(mockapi.Fault{Status: 403})},
		{agent: "claude", name: "429-retry-after", script: always(mockapi.Fault{Status: 429, RetryAfter: "1"})},
		{agent: "claude", name: "529", script: always(mockapi.Fault{Status: 529})},
		{agent: "claude", name: "500", script: always(mockapi.Fault{Status: 500})},
		{agent: "claude", name: "connection-refused", script: commit, refused: true},
		{agent: "claude", name: "acceptedits-bash-denied", script: commit, permission: "acceptEdits"},
		{agent: "claude", name: "no-key", script: commit, noKey: true},
		{agent: "codex", name: "401", script: always(mockapi.Fault{Status: 401})},
		{agent: "codex", name: "429", script: always(mockapi.Fault{Status: 429, RetryAfter: "1"})},
		{agent: "codex", name: "500", script: always(mockapi.Fault{Status: 500})},
		{agent: "codex", name: "stall", script: always(mockapi.Fault{Stall: true}), providerExtra: []string{"stream_idle_timeout_ms=10000"}},
		{agent: "codex", name: "connection-refused", script: commit, refused: true, capture: 60 * time.Second},
		{agent: "codex", name: "workspace-write-commit-fails", script: commit},
		{agent: "codex", name: "offline-default-provider", offline: true, capture: 100 * time.Second},
	}
}

// TestRecordTranscripts runs the real CLIs into each failure and writes
// their stdout (and stderr when there is any) to testdata/transcripts, for
// the agent package's parser tests. It only runs when asked:
//
//	LOOPER_RECORD_TRANSCRIPTS=1 go test ./internal/conformance/ -run TestRecordTranscripts
func TestRecordTranscripts(t *testing.T) {
	if os.Getenv("LOOPER_RECORD_TRANSCRIPTS") != "1" {
		t.Skip("set LOOPER_RECORD_TRANSCRIPTS=1 to re-record testdata/transcripts/real-*")
	}
	out, err := filepath.Abs(filepath.Join("..", "..", "testdata", "transcripts"))
	if err != nil {
		t.Fatal(err)
	}
	filter := os.Getenv("LOOPER_RECORD_ONLY")
	for _, c := range recordCases() {
		name := c.agent + "-" + c.name
		if filter != "" && !strings.Contains(name, filter) {
			continue
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			stdout, stderr, requests := recordOne(t, c)
			version := claudeVersion
			if c.agent == "codex" {
				version = codexVersion
			}
			base := filepath.Join(out, fmt.Sprintf("real-%s-%s-%s", c.agent, version, c.name))
			if err := os.WriteFile(base+".jsonl", stdout, 0o644); err != nil {
				t.Fatal(err)
			}
			_ = os.Remove(base + ".stderr")
			if len(bytes.TrimSpace(stderr)) > 0 {
				if err := os.WriteFile(base+".stderr", stderr, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			t.Logf("%s: %d stdout lines, %d stderr bytes, %d API requests", name,
				bytes.Count(stdout, []byte("\n")), len(stderr), requests)
		})
	}
}

// recordOne runs one case in a fresh git project and returns the CLI's
// output with the scratch paths replaced by fixed ones.
func recordOne(t *testing.T, c recordCase) (stdout, stderr []byte, requests int) {
	root := scratchDir(t)
	project, home := filepath.Join(root, "project"), filepath.Join(root, "home")
	gitProject(t, project)
	if err := os.MkdirAll(home, 0o755); err != nil {
		t.Fatal(err)
	}
	srv := mockapi.NewResponses(c.script)
	if c.agent == "claude" {
		srv = mockapi.NewAnthropic(c.script)
	}
	t.Cleanup(srv.Close)
	url := srv.URL()
	if c.refused {
		var err error
		if url, err = mockapi.UnusedURL(); err != nil {
			t.Fatal(err)
		}
	}
	env := baseEnv(home)
	var argv []string
	switch {
	case c.agent == "claude":
		argv = []string{claudeBin(t), "-p", "--output-format", "stream-json", "--verbose"}
		if c.permission != "" {
			argv = append(argv, "--permission-mode", c.permission)
		} else {
			argv = append(argv, "--dangerously-skip-permissions")
		}
		key := "sk-ant-conformance"
		if c.noKey {
			key = ""
		}
		env = append(env, claudeEnv(url, key)...)
	default:
		argv = []string{codexBin(t), "exec", "--json", "--sandbox", "workspace-write",
			"-c", `approval_policy="never"`, "--skip-git-repo-check"}
		if c.offline {
			argv = append([]string{"unshare", "-n", "--"}, argv...)
			env = append(env, "CODEX_API_KEY=sk-conformance")
		} else {
			argv = append(argv, codexProviderArgs(url, c.providerExtra...)...)
			env = append(env, codexKeyVar+"=sk-conformance")
		}
		argv = append(argv, "-")
	}
	limit := 4 * time.Minute
	if c.capture > 0 {
		limit = c.capture
	}
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir, cmd.Env = project, env
	cmd.Stdin = strings.NewReader(recordPrompt(project))
	cmd.WaitDelay = 5 * time.Second
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var exitErr *exec.ExitError
	switch {
	case ctx.Err() != nil && c.capture == 0:
		t.Errorf("%s did not end within %v", argv[0], limit)
	case err != nil && !errors.As(err, &exitErr):
		t.Fatalf("running %s: %v", argv[0], err)
	}
	t.Logf("exit: %v", err)
	clean := strings.NewReplacer(project, "/work/project", home, "/home/user", root, "/scratch")
	return []byte(clean.Replace(out.String())), []byte(clean.Replace(errOut.String())), len(srv.Requests())
}

// recordPrompt is a short prompt in looper's shape: the mock finds the task
// and work directory in its context lines.
func recordPrompt(dir string) string {
	return "Work on task T1: write a.txt and commit it.\n\nFinish by replying with only this JSON object, nothing else:\n" +
		`{"task_id": "T1", "status": "done|blocked|skipped", "summary": "what you did", "files": ["changed/file"], "blockers": []}` +
		"\n\nContext:\n- mode: iteration\n- task_id: T1\n- work_dir: " + dir + "\n"
}

// gitProject makes dir a git repository with one commit.
func gitProject(t *testing.T, dir string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "README.md"), []byte("# test project\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	git(t, dir, "init", "-q", "-b", "main")
	git(t, dir, "add", "-A")
	git(t, dir, "commit", "-q", "-m", "init")
}

// git runs git in dir with the suite's identity and returns its trimmed
// output; a failure fails the test.
func git(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = baseEnv(os.Getenv("HOME"))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}
