package agent

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestPreflightFindsTheFakes: the fake claude and codex answer --version
// with the tested versions; their checks pass without warnings and carry
// the version into the Spec the runner gets. A generic agent is only
// resolved.
func TestPreflightFindsTheFakes(t *testing.T) {
	t.Parallel()
	specs := []Spec{
		{Name: "claude", Binary: filepath.Join(fakeBin, "claude")},
		{Name: "codex", Binary: filepath.Join(fakeBin, "codex")},
		{Name: "amp", Dialect: DialectGeneric, Binary: "sh"},
	}
	checks := Preflight{}.Run(t.Context(), specs)
	if len(checks) != 3 {
		t.Fatalf("%d checks", len(checks))
	}
	for i, want := range []struct{ banner, version string }{
		{"2.1.328 (Claude Code)", TestedClaudeVersion},
		{"codex-cli 0.169.0", TestedCodexVersion},
		{"", ""},
	} {
		c := checks[i]
		if c.Err != nil || c.Warning != "" || c.Path == "" {
			t.Errorf("%s: err %v, warning %q, path %q", specs[i].Name, c.Err, c.Warning, c.Path)
		}
		if c.Banner != want.banner || c.Version != want.version || c.Spec.Version != want.version || c.Spec.Name != specs[i].Name {
			t.Errorf("%s: banner %q version %q spec version %q; want %q, %q", specs[i].Name, c.Banner, c.Version, c.Spec.Version, want.banner, want.version)
		}
	}
}

// TestPreflightFailures: each way an agent cannot be used is an error that
// names the binary, with a fix that says how to install or point at it.
func TestPreflightFailures(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	broken := writeScript(t, dir, "broken", "echo 'node: cannot find module' >&2\nexit 3\n")
	for _, tc := range []struct {
		spec     Spec
		err, fix []string
	}{
		{Spec{Name: "claude", Binary: filepath.Join(dir, "no-claude")},
			[]string{"no-claude", "no such file"},
			[]string{"npm install -g @anthropic-ai/claude-code", "CLAUDE_BIN", "[agents.claude] binary"}},
		{Spec{Name: "codex", Binary: "looper-test-no-such-codex"},
			[]string{`"looper-test-no-such-codex"`, "not found"},
			[]string{"npm install -g @openai/codex", "CODEX_BIN", "[agents.codex] binary"}},
		{Spec{Name: "amp", Dialect: DialectGeneric, Binary: "looper-test-no-such-amp"},
			[]string{"amp", "not found"},
			[]string{"set [agents.amp] binary to the path of an executable"}},
		{Spec{Name: "claude", Binary: broken},
			[]string{broken + " --version failed", "exit status 3", "cannot find module"},
			[]string{"run " + broken + " --version yourself", "npm install -g @anthropic-ai/claude-code"}},
		{Spec{Name: "claude", Binary: filepath.Join(fakeBin, "claude"), PermissionMode: "delegate"},
			[]string{`permission_mode "delegate" is not one of acceptEdits, auto, bypassPermissions, default, dontAsk, manual, plan`},
			[]string{"[agents.claude]"}},
	} {
		c := Preflight{}.Run(t.Context(), []Spec{tc.spec})[0]
		if c.Err == nil {
			t.Errorf("%+v: no error", tc.spec)
			continue
		}
		for _, w := range tc.err {
			if !strings.Contains(c.Err.Error(), w) {
				t.Errorf("%s: error %q lacks %q", tc.spec.Binary, c.Err, w)
			}
		}
		for _, w := range tc.fix {
			if !strings.Contains(c.Fix, w) {
				t.Errorf("%s: fix %q lacks %q", tc.spec.Binary, c.Fix, w)
			}
		}
	}
}

// TestPreflightUntestedVersion: a release outside the tested minor line is
// a warning with the version to install, never an error.
func TestPreflightUntestedVersion(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		dialect, version string
		warn             bool
	}{
		{"claude", "2.1.400", false},
		{"claude", "2.2.0", true},
		{"codex", "0.171.0", true},
		{"codex", "0.169.5", false},
	} {
		spec := Spec{Name: tc.dialect, Binary: filepath.Join(fakeBin, tc.dialect), Env: []string{"LOOPER_FAKE_VERSION=" + tc.version}}
		c := Preflight{}.Run(t.Context(), []Spec{spec})[0]
		if c.Err != nil || c.Version != tc.version {
			t.Errorf("%s %s: err %v, version %q", tc.dialect, tc.version, c.Err, c.Version)
		}
		if got := c.Warning != ""; got != tc.warn {
			t.Errorf("%s %s: warning %q, want one: %v", tc.dialect, tc.version, c.Warning, tc.warn)
		}
		if tc.warn && (!strings.Contains(c.Warning, "outside the range looper was tested with") || !strings.Contains(c.Warning, "@"+c.Tested)) {
			t.Errorf("%s %s: warning %q", tc.dialect, tc.version, c.Warning)
		}
	}
	spec := Spec{Name: "codex", Binary: filepath.Join(fakeBin, "codex"), Env: []string{"LOOPER_FAKE_VERSION=dev"}}
	if c := (Preflight{}).Run(t.Context(), []Spec{spec})[0]; c.Err != nil || c.Version != "" || !strings.Contains(c.Warning, "printed no version number") {
		t.Errorf("no version number: %+v", c)
	}
}

// TestProbeKillsAHangingGroup: a --version that does not answer is stopped
// at the timeout with its whole process group, the child it started
// included.
func TestProbeKillsAHangingGroup(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	pidFile := filepath.Join(dir, "pid")
	hang := writeScript(t, dir, "hang", fmt.Sprintf("sleep 300 &\necho $! > %s\nwait\n", pidFile))
	// The timeout leaves a loaded machine time to start the script (and
	// record its child) before the probe gives up on it.
	_, err := Probe(t.Context(), 5*time.Second, nil, "", hang, "--version")
	if err == nil || err.Error() != "no answer within 5s" {
		t.Fatalf("err = %v", err)
	}
	assertGone(t, pidFile)

	// A CLI that answers but leaves a child holding its output open: the
	// answer counts, and the child is stopped.
	leave := writeScript(t, dir, "leave", fmt.Sprintf("sleep 300 &\necho $! > %s\necho 'tool 1.2.3'\n", pidFile))
	out, err := Probe(t.Context(), time.Minute, nil, "", leave, "--version")
	if err != nil || out != "tool 1.2.3" {
		t.Fatalf("Probe = %q, %v", out, err)
	}
	assertGone(t, pidFile)
}

// TestProbeCancelled: a cancelled context ends the probe with its cause.
func TestProbeCancelled(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	hang := writeScript(t, dir, "hang", "exec sleep 300\n")
	ctx, cancel := context.WithCancelCause(t.Context())
	cancel(errors.New("interrupted"))
	if _, err := Probe(ctx, time.Minute, nil, "", hang); err == nil || err.Error() != "interrupted" {
		t.Fatalf("err = %v", err)
	}
}

func writeScript(t *testing.T, dir, name, body string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"+body), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

// assertGone checks that the process whose pid the file holds has exited
// (it may linger as a zombie of an unrelated parent).
func assertGone(t *testing.T, pidFile string) {
	t.Helper()
	data, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil {
		t.Fatal(err)
	}
	// A killed process dies when the kernel gets to it: poll, with a
	// deadline a loaded machine cannot reach.
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid)); err == nil {
			if i := strings.LastIndexByte(string(stat), ')'); i >= 0 {
				if f := strings.Fields(string(stat[i+1:])); len(f) > 0 && f[0] == "Z" {
					return
				}
			}
		}
		if syscall.Kill(pid, 0) != nil {
			return
		}
		if time.Now().After(deadline) {
			syscall.Kill(pid, syscall.SIGKILL)
			t.Fatalf("process %d is still running", pid)
		}
	}
}

// TestParseVersion reads the version out of what the CLIs print.
func TestParseVersion(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want Version
		ok   bool
	}{
		{"2.1.328 (Claude Code)", Version{2, 1, 328}, true},
		{"codex-cli 0.169.0", Version{0, 169, 0}, true},
		{"claude 9.9.9 (fake)", Version{9, 9, 9}, true},
		{"v10.20.30-beta.1", Version{10, 20, 30}, true},
		{"dev build", Version{}, false},
		{"1.2", Version{}, false},
	} {
		got, ok := ParseVersion(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("ParseVersion(%q) = %v, %v; want %v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
	for _, d := range []Dialect{DialectClaude, DialectCodex} {
		if v, ok := testedVersion(d); !ok || v.String() == "0.0.0" {
			t.Errorf("tested version of %s = %v, %v", d, v, ok)
		}
	}
}

// TestPreflightBounded: with Parallel 1, no two --version probes overlap
// (each probe notes a lock file another one left), and the checks come back
// in the order of the specs.
func TestPreflightBounded(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var specs []Spec
	for i := range 3 {
		script := writeScript(t, dir, fmt.Sprintf("claude%d", i), fmt.Sprintf(`cd %s
if [ -e lock ]; then echo overlap >> overlaps; fi
touch lock
sleep 0.1
rm lock
echo "2.1.%d (Claude Code)"
`, dir, i))
		specs = append(specs, Spec{Name: fmt.Sprintf("c%d", i), Dialect: DialectClaude, Binary: script})
	}
	checks := Preflight{Parallel: 1}.Run(t.Context(), specs)
	for i, c := range checks {
		if c.Err != nil || c.Spec.Name != specs[i].Name || c.Version != fmt.Sprintf("2.1.%d", i) {
			t.Errorf("check %d = %+v", i, c)
		}
	}
	if data, err := os.ReadFile(filepath.Join(dir, "overlaps")); err == nil {
		t.Errorf("probes overlapped with Parallel 1: %q", data)
	}
}
