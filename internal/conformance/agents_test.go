package conformance

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Versions the suite pins; install-agents.sh installs exactly these.
const (
	claudeVersion = "2.1.328"
	codexVersion  = "0.169.0"
)

// agentBin returns the real agent binary named by env (LOOPER_CLAUDE_BIN or
// LOOPER_CODEX_BIN). Unset, the test skips, or fails when
// LOOPER_CONFORMANCE=1 says the suite must run.
func agentBin(t *testing.T, env string) string {
	t.Helper()
	bin := os.Getenv(env)
	if bin == "" {
		msg := env + " is not set: run internal/conformance/install-agents.sh and export " +
			"LOOPER_CLAUDE_BIN and LOOPER_CODEX_BIN from its output"
		if os.Getenv("LOOPER_CONFORMANCE") == "1" {
			t.Fatal(msg + " (LOOPER_CONFORMANCE=1 makes this a failure)")
		}
		t.Skip(msg)
	}
	if _, err := exec.LookPath(bin); err != nil {
		t.Fatalf("%s=%s: %v", env, bin, err)
	}
	return bin
}

func claudeBin(t *testing.T) string { return agentBin(t, "LOOPER_CLAUDE_BIN") }
func codexBin(t *testing.T) string  { return agentBin(t, "LOOPER_CODEX_BIN") }

// scratchDir returns a fresh directory that is removed when the test ends.
// It is not under /tmp: Codex refuses to set up its sandbox helper under a
// HOME there, and every command it runs then fails.
func scratchDir(t *testing.T) string {
	t.Helper()
	base := os.Getenv("LOOPER_CONFORMANCE_SCRATCH")
	if base == "" {
		cache, err := os.UserCacheDir()
		if err != nil {
			t.Fatal(err)
		}
		base = filepath.Join(cache, "looper-conformance")
	}
	if err := os.MkdirAll(base, 0o755); err != nil {
		t.Fatal(err)
	}
	if strings.HasPrefix(base, "/tmp/") {
		t.Fatalf("scratch directory %s is under /tmp, where codex cannot set up its sandbox", base)
	}
	name := strings.NewReplacer("/", "-", " ", "_").Replace(t.Name())
	dir, err := os.MkdirTemp(base, name+"-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// Codex and git leave read-only files; make them removable first.
		_ = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
			if err == nil && d.IsDir() {
				_ = os.Chmod(p, 0o755)
			}
			return nil
		})
		if err := os.RemoveAll(dir); err != nil {
			t.Errorf("removing scratch directory: %v", err)
		}
	})
	return dir
}

// baseEnv is the environment every agent process starts from: no
// credentials or settings of the machine's user leak in, git has an
// identity, and HOME is the test's own.
func baseEnv(home string) []string {
	env := []string{
		"HOME=" + home,
		"XDG_CONFIG_HOME=" + filepath.Join(home, ".config"),
		"PATH=" + os.Getenv("PATH"),
		"NO_COLOR=1",
		"GIT_AUTHOR_NAME=looper conformance", "GIT_AUTHOR_EMAIL=conformance@looper.invalid",
		"GIT_COMMITTER_NAME=looper conformance", "GIT_COMMITTER_EMAIL=conformance@looper.invalid",
		"GIT_CONFIG_NOSYSTEM=1",
	}
	if v := os.Getenv("GOCOVERDIR"); v != "" {
		env = append(env, "GOCOVERDIR="+v)
	}
	return env
}

// claudeEnv is what Claude Code needs to talk to a mock at baseURL: the URL,
// a key (none when key is empty), no telemetry or update checks, and
// IS_SANDBOX=1 so it accepts --dangerously-skip-permissions as root.
func claudeEnv(baseURL, key string) []string {
	env := []string{
		"ANTHROPIC_BASE_URL=" + baseURL,
		"CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1",
		"DISABLE_AUTOUPDATER=1",
		"DISABLE_TELEMETRY=1",
		"DISABLE_ERROR_REPORTING=1",
		"IS_SANDBOX=1",
	}
	if key != "" {
		env = append(env, "ANTHROPIC_API_KEY="+key)
	}
	return env
}

// codexKeyVar is the variable the mock provider tells Codex to read its key
// from.
const codexKeyVar = "MOCK_API_KEY"

// codexProviderArgs are the -c flags that point Codex at a Responses API
// mock at baseURL, with no retries of its own (looper decides what to do)
// and extra provider settings appended (e.g. stream_idle_timeout_ms=5000).
func codexProviderArgs(baseURL string, extra ...string) []string {
	fields := append([]string{
		`name="mock"`,
		`base_url="` + baseURL + `/v1"`,
		`wire_api="responses"`,
		`env_key="` + codexKeyVar + `"`,
		"supports_websockets=false",
		"request_max_retries=0",
		"stream_max_retries=0",
	}, extra...)
	return []string{"-c", `model_provider="mock"`, "-c", "model_providers.mock={" + strings.Join(fields, ", ") + "}"}
}
