package sandbox

import "testing"

func TestSkipsPermissionsReadsTheFinalArgv(t *testing.T) {
	cases := []struct {
		argv []string
		want string
	}{
		{[]string{"claude", "-p", "--dangerously-skip-permissions"}, "--dangerously-skip-permissions"},
		{[]string{"claude", "-p", "--permission-mode", "bypassPermissions"}, "--permission-mode bypassPermissions"},
		{[]string{"claude", "-p", "--permission-mode=bypassPermissions"}, "--permission-mode bypassPermissions"},
		{[]string{"claude", "-p", "--permission-mode", "acceptEdits"}, ""},
		{[]string{"codex", "exec", "--sandbox", "workspace-write"}, ""},
		{[]string{"codex", "exec", "--full-auto"}, ""},
		{[]string{"codex", "exec", "-s", "danger-full-access"}, "-s danger-full-access"},
		{[]string{"codex", "exec", "--sandbox=danger-full-access"}, "--sandbox danger-full-access"},
		{[]string{"codex", "exec", "--yolo"}, "--yolo"},
		{[]string{"codex", "exec", "--dangerously-bypass-approvals-and-sandbox"}, "--dangerously-bypass-approvals-and-sandbox"},
		{[]string{"codex", "exec", "-c", `sandbox_mode="danger-full-access"`}, "-c sandbox_mode=danger-full-access"},
		{[]string{"codex", "exec", "-c", `approval_policy="never"`}, ""},
		{[]string{"my-agent", "--verbose"}, ""},
	}
	for _, c := range cases {
		if got := skipsPermissions(c.argv); got != c.want {
			t.Errorf("skipsPermissions(%q) = %q, want %q", c.argv, got, c.want)
		}
	}
}

func TestDecide(t *testing.T) {
	works := &Policy{}
	works.probeOnce.Do(func() { works.probe = Availability{Path: "/usr/bin/bwrap"} })
	missing := &Policy{}
	missing.probeOnce.Do(func() { missing.probe = Availability{Err: errTest, Fix: "apt-get install bubblewrap"} })
	skip := []string{"claude", "--dangerously-skip-permissions"}
	own := []string{"codex", "exec", "--sandbox", "workspace-write"}

	if d := works.Decide(skip); !d.Sandboxed || d.Err != nil {
		t.Errorf("auto, bwrap works, skip-permissions: %+v, want sandboxed", d)
	}
	if d := works.Decide(own); d.Sandboxed {
		t.Errorf("auto, codex in its own sandbox: %+v, want not sandboxed", d)
	}
	if d := missing.Decide(skip); d.Sandboxed || d.Err != nil {
		t.Errorf("auto, bwrap missing: %+v, want unsandboxed without an error", d)
	}
	if n := missing.Notice(map[string][]string{"claude": skip, "codex": own}); n == "" {
		t.Error("auto, bwrap missing: no notice")
	} else if want := "agents run without a sandbox (claude): bwrap test failure; fix: apt-get install bubblewrap"; n[:len(want)] != want {
		t.Errorf("notice = %q, want it to start %q", n, want)
	}
	if n := works.Notice(map[string][]string{"claude": skip}); n != "" {
		t.Errorf("bwrap works, notice %q", n)
	}
	missing.Mode = ModeBwrap
	if d := missing.Decide(own); d.Err == nil {
		t.Errorf("mode bwrap, bwrap missing: %+v, want an error", d)
	}
	works.Mode = ModeBwrap
	if d := works.Decide(own); !d.Sandboxed {
		t.Errorf("mode bwrap: %+v, want every agent sandboxed", d)
	}
	works.Mode = ModeOff
	if d := works.Decide(skip); d.Sandboxed {
		t.Errorf("mode off: %+v, want not sandboxed", d)
	}
}

type testError string

func (e testError) Error() string { return string(e) }

const errTest = testError("bwrap test failure")
