package sandbox

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestPlanOrdersMountsSoTheDeeperPathWins checks the order bwrap gets:
// every path after its parents, and for a path named twice the later rule
// only, so the worktree is writable inside the read-only project and of
// the shared git directory only what the attempt's commits write.
func TestPlanOrdersMountsSoTheDeeperPathWins(t *testing.T) {
	f := newFixture(t)
	p := &Policy{Home: f.home, Project: f.project, ReadOnly: []string{f.worktree}, ReadWrite: []string{"~/.cache"}}
	plan, err := p.Plan(Attempt{Agent: "claude", Dir: f.worktree})
	if err != nil {
		t.Fatal(err)
	}
	at := map[string]int{}
	for i, m := range plan.Mounts {
		if _, dup := at[m.Path]; dup {
			t.Errorf("%s is mounted twice", m.Path)
		}
		at[m.Path] = i
	}
	access := func(path string) Access { return plan.Mounts[at[path]].Access }
	common := filepath.Join(f.project, ".git")
	for _, c := range []struct {
		path string
		want Access
	}{
		{"/", ReadOnly}, {"/tmp", Hidden}, {f.home, Hidden}, {filepath.Join(f.home, ".claude"), ReadWrite},
		{filepath.Join(f.home, ".cache"), ReadWrite}, {f.project, ReadOnly}, {common, ReadOnly},
		{filepath.Join(common, "objects"), ReadWrite}, {filepath.Join(common, "refs"), ReadWrite},
		{filepath.Join(common, "logs"), ReadWrite}, {filepath.Join(common, "worktrees", "T1-1"), ReadWrite},
		{f.worktree, ReadWrite}, // looper's own rule wins over read_only naming it
	} {
		if _, ok := at[c.path]; !ok {
			t.Errorf("%s is not in the plan", c.path)
			continue
		}
		if got := access(c.path); got != c.want {
			t.Errorf("%s is %s, want %s", c.path, got, c.want)
		}
	}
	for _, pair := range [][2]string{{"/", "/tmp"}, {"/tmp", f.project}, {f.project, common}, {common, filepath.Join(common, "refs")}, {f.project, f.worktree}} {
		if at[pair[0]] > at[pair[1]] {
			t.Errorf("%s is mounted after %s, which it would cover", pair[0], pair[1])
		}
	}
	args := strings.Join(plan.Args(), " ")
	if !strings.HasPrefix(args, "--unshare-all --share-net --die-with-parent --ro-bind / / --dev /dev --proc /proc") || !strings.HasSuffix(args, " --") {
		t.Errorf("bwrap args = %s", args)
	}
	if strings.Contains(args, "--new-session") {
		t.Error("--new-session would take the agent out of looper's process group")
	}
	p.Network = NetworkNone
	plan, _ = p.Plan(Attempt{Agent: "claude", Dir: f.worktree})
	if slices.Contains(plan.Args(), "--share-net") {
		t.Error("network none still shares the host's network")
	}
}

// TestPlanInPlaceKeepsGitConfigReadOnly checks the in-place attempt (the
// main working tree, no worktree): the whole git directory is writable for
// its commits, with config and hooks bound read-only over it.
func TestPlanInPlaceKeepsGitConfigReadOnly(t *testing.T) {
	f := newFixture(t)
	p := &Policy{Home: f.home, Project: f.project}
	plan, err := p.Plan(Attempt{Agent: "claude", Dir: f.project})
	if err != nil {
		t.Fatal(err)
	}
	common := filepath.Join(f.project, ".git")
	want := map[string]Access{common: ReadWrite, filepath.Join(common, "config"): ReadOnly, filepath.Join(common, "hooks"): ReadOnly, f.project: ReadWrite}
	for _, m := range plan.Mounts {
		if acc, ok := want[m.Path]; ok {
			if m.Access != acc {
				t.Errorf("%s is %s, want %s", m.Path, m.Access, acc)
			}
			delete(want, m.Path)
		}
	}
	for path := range want {
		t.Errorf("%s is not in the plan", path)
	}
}

func TestInstallationOfAnAgentExecutable(t *testing.T) {
	root := t.TempDir()
	pkg := filepath.Join(root, "lib", "node_modules", "@anthropic-ai", "claude-code")
	mustWrite(t, filepath.Join(pkg, "package.json"), "{}")
	mustWrite(t, filepath.Join(pkg, "bin", "claude.exe"), "")
	mustWrite(t, filepath.Join(root, "share", "claude", "versions", "2.1.328"), "")
	mustWrite(t, filepath.Join(root, "tool", "bin", "tool"), "")
	cases := []struct {
		real   string
		linked bool
		want   string
	}{
		{filepath.Join(pkg, "bin", "claude.exe"), true, pkg},
		{filepath.Join(root, "share", "claude", "versions", "2.1.328"), true, filepath.Join(root, "share", "claude", "versions")},
		{filepath.Join(root, "tool", "bin", "tool"), true, filepath.Join(root, "tool")},
		{filepath.Join(root, "tool", "bin", "tool"), false, filepath.Join(root, "tool", "bin")},
	}
	for _, c := range cases {
		if got := installation(c.real, c.linked); got != c.want {
			t.Errorf("installation(%s, linked %v) = %s, want %s", c.real, c.linked, got, c.want)
		}
	}
}

func mustWrite(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o755); err != nil {
		t.Fatal(err)
	}
}
