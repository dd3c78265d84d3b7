package sandbox

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
)

// Attempt is what differs between two attempts' sandboxes.
type Attempt struct {
	// Agent is the agent's configured name (for its network).
	Agent string
	// Dir is the attempt's working directory: its worktree, or the project
	// root in place. Empty means the project root.
	Dir string
	// Writes lists files outside Dir the agent must write (codex's
	// --output-last-message file); each must exist, so it can be bound.
	Writes []string
	// Argv is the agent's command line: its binary is kept visible even
	// where it lives under HOME or /tmp.
	Argv []string
	// Env is the agent's environment: the PATH entries under HOME or /tmp
	// stay visible, read-only, so the tools the agent runs are found.
	Env []string
}

// Access is what a sandboxed agent may do with a path.
type Access int

// The accesses, weakest first.
const (
	// Hidden paths are covered by an empty tmpfs: nothing of the host's
	// files there is visible. /tmp is hidden too, and is the agent's own.
	Hidden Access = iota
	// ReadOnly paths can be read, not written.
	ReadOnly
	// ReadWrite paths can be read and written.
	ReadWrite
)

func (a Access) String() string {
	switch a {
	case Hidden:
		return "hidden"
	case ReadOnly:
		return "read-only"
	}
	return "read-write"
}

// Mount is one path of a sandbox and what the agent may do there; a deeper
// path overrides what its parent allows.
type Mount struct {
	// Path is where the agent sees it, and the host path bound there.
	Path string
	// Access is what the agent may do.
	Access Access
	// Why says which rule put it here, for `looper doctor`.
	Why string
	// Optional mounts are skipped by bwrap when the path does not exist
	// (config and credential files a CLI may not have yet).
	Optional bool
}

// Plan is the sandbox of one attempt: its mounts, ordered so that a
// deeper path is mounted after (over) its parent, and its network.
type Plan struct {
	Mounts  []Mount
	Network Network
}

// Plan builds the sandbox of one attempt. Later rules win over earlier
// ones for the same path, and deeper paths over shallower ones, so the
// attempt's own directory stays writable inside a read-only project, and
// only the parts of the git metadata its commits write are writable.
func (p *Policy) Plan(a Attempt) (Plan, error) {
	home := p.home()
	project := realPath(p.Project)
	dir := realPath(a.Dir)
	if dir == "" {
		dir = project
	}
	var ms []Mount
	add := func(path string, acc Access, why string, optional bool) {
		if path == "" || path == "/" && acc != ReadOnly {
			return
		}
		ms = append(ms, Mount{Path: path, Access: acc, Why: why, Optional: optional})
	}
	add("/", ReadOnly, "the rest of the filesystem", false)
	add("/tmp", Hidden, "a private /tmp", false)
	if home != "" && home != "/" {
		add(home, Hidden, "HOME: only the paths below are visible (not ~/.ssh, ~/.aws, ~/.config/gh, ~/.gnupg, ...)", false)
		for _, f := range []string{".gitconfig", ".config/git"} {
			add(filepath.Join(home, f), ReadOnly, "git's user configuration", true)
		}
		for _, f := range []string{".claude", ".claude.json", ".config/claude", ".codex"} {
			add(filepath.Join(home, f), ReadWrite, "the agent CLIs' own config and credentials", true)
		}
	}
	hidden := []string{home, "/tmp"}
	for _, path := range visibleTools(a.Argv, a.Env, hidden) {
		add(path, ReadOnly, "the agent's executable and PATH", true)
	}
	if exe, err := os.Executable(); err == nil && under(realPath(exe), hidden) {
		// Agent wrappers may run looper (the fake agent is looper itself).
		add(realPath(exe), ReadOnly, "looper's own executable", true)
	}
	add(project, ReadOnly, "the project (your checkout)", false)
	for _, path := range p.ReadOnly {
		path, err := p.expand(path)
		if err != nil {
			return Plan{}, err
		}
		add(path, ReadOnly, "[sandbox] read_only", true)
	}
	for _, path := range p.ReadWrite {
		path, err := p.expand(path)
		if err != nil {
			return Plan{}, err
		}
		add(path, ReadWrite, "[sandbox] read_write", true)
	}
	gitDir, common := gitDirs(dir)
	switch {
	case common == "":
	case gitDir == common:
		// In place: the agent's commits write the index, HEAD and the rest
		// of the one git directory. Looper runs no git of its own during an
		// in-place attempt, and inside the sandbox a rename over a mount
		// point fails, so the single files bound here stay covered.
		add(common, ReadWrite, "git metadata the attempt's commits need", false)
		for _, f := range []string{"config", "hooks"} {
			add(filepath.Join(common, f), ReadOnly, "git config and hooks (run by looper outside the sandbox)", true)
		}
	default:
		// A linked worktree: its commits write objects, refs and reflogs in
		// the common directory, and its own git directory; the rest (config,
		// hooks, packed-refs, info) stays read-only with the directory. No
		// single file is bound: looper's git commands for other attempts
		// rewrite .git/config by rename meanwhile, which on Linux detaches
		// a bind over it in every namespace, racing bwrap's setup and then
		// leaving the new config writable.
		add(common, ReadOnly, "git config, hooks and the rest of the shared git directory (run by looper outside the sandbox)", false)
		add(filepath.Join(common, "objects"), ReadWrite, "git objects the attempt's commits write", false)
		add(filepath.Join(common, "refs"), ReadWrite, "git refs the attempt's commits move", false)
		add(filepath.Join(common, "logs"), ReadWrite, "git reflogs of those refs", true)
		add(gitDir, ReadWrite, "the worktree's own git directory (HEAD, index)", false)
	}
	add(dir, ReadWrite, "the attempt's working directory", false)
	if gitDir == common && p.Backlog != "" {
		// In place (not a linked worktree): upstream's agents edit the
		// backlog. A worktree attempt may not; only looper's merge writes it.
		add(filepath.Dir(realPath(p.Backlog)), ReadWrite, "the backlog's directory (in place, the agent may edit the backlog)", true)
	}
	for _, f := range a.Writes {
		add(realPath(f), ReadWrite, "a file looper reads back from the agent", false)
	}
	return Plan{Mounts: order(ms), Network: p.NetworkFor(a.Agent)}, nil
}

// order keeps the last mount of each path and sorts them by depth, so
// bwrap mounts every path over its parents.
func order(ms []Mount) []Mount {
	last := map[string]int{}
	for i, m := range ms {
		last[m.Path] = i
	}
	var out []Mount
	for i, m := range ms {
		if last[m.Path] == i {
			out = append(out, m)
		}
	}
	slices.SortStableFunc(out, func(a, b Mount) int { return depth(a.Path) - depth(b.Path) })
	return out
}

func depth(path string) int {
	if path == "/" {
		return 0
	}
	return strings.Count(path, "/")
}

// Args is the bwrap command line of the plan, up to and including "--":
// the agent's argv follows it. The agent keeps looper's process group
// (no --new-session), so the runner's group signals reach it; bwrap's
// --unshare-pid gives the sandbox its own init, which takes every process
// inside with it when it ends, and --die-with-parent ends the sandbox
// with bwrap.
func (pl Plan) Args() []string {
	args := []string{"--unshare-all"}
	if pl.Network != NetworkNone {
		args = append(args, "--share-net")
	}
	args = append(args, "--die-with-parent")
	for _, m := range pl.Mounts {
		if m.Path == "/" {
			args = append(args, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc")
			continue
		}
		try := ""
		if m.Optional {
			try = "-try"
		}
		switch m.Access {
		case Hidden:
			args = append(args, "--tmpfs", m.Path)
		case ReadOnly:
			args = append(args, "--ro-bind"+try, m.Path, m.Path)
		case ReadWrite:
			args = append(args, "--bind"+try, m.Path, m.Path)
		}
	}
	return append(args, "--")
}

// Describe lists the plan for people, by path: each mount that exists on
// this machine, with what the agent may do there and why.
func (pl Plan) Describe() []string {
	var out []string
	ms := slices.Clone(pl.Mounts)
	slices.SortStableFunc(ms, func(a, b Mount) int { return strings.Compare(a.Path, b.Path) })
	for _, m := range ms {
		if m.Optional {
			if _, err := os.Stat(m.Path); err != nil {
				continue
			}
		}
		out = append(out, fmt.Sprintf("%-10s %s (%s)", m.Access, m.Path, m.Why))
	}
	return append(out, fmt.Sprintf("%-10s %s", "network", pl.Network))
}

// visibleTools lists what must stay readable for the agent to start and
// to find its tools when they live in a hidden tree (HOME, /tmp): each
// PATH entry there, and the installation the agent's executable belongs
// to (see installation).
func visibleTools(argv, env []string, hidden []string) []string {
	pathVar := os.Getenv("PATH")
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "PATH="); ok {
			pathVar = v
		}
	}
	var out []string
	for _, d := range filepath.SplitList(pathVar) {
		if filepath.IsAbs(d) {
			if r := realPath(d); under(r, hidden) {
				out = append(out, r)
			}
		}
	}
	if len(argv) == 0 {
		return out
	}
	bin := argv[0]
	if !strings.Contains(bin, "/") {
		found, err := lookPath(bin, pathVar)
		if err != nil {
			return out
		}
		bin = found
	}
	abs, _ := filepath.Abs(bin)
	real := realPath(abs)
	if !under(real, hidden) {
		return out
	}
	return append(out, installation(real, abs != real))
}

// installation is the directory an agent executable at real belongs to:
// the npm package holding it (the nearest directory above with a
// package.json, up to three levels: Claude Code's and Codex's packages
// carry vendored tools beside their binary); else, for a binary reached
// through a symlink into a bin/ directory, the directory above bin/; else
// the binary's own directory.
func installation(real string, linked bool) string {
	dir := filepath.Dir(real)
	for d, i := dir, 0; i < 4 && d != "/" && d != "."; d, i = filepath.Dir(d), i+1 {
		if _, err := os.Stat(filepath.Join(d, "package.json")); err == nil {
			return d
		}
	}
	if linked && filepath.Base(dir) == "bin" {
		return filepath.Dir(dir)
	}
	return dir
}

// lookPath finds bin in the PATH the agent will have.
func lookPath(bin, pathVar string) (string, error) {
	for _, d := range filepath.SplitList(pathVar) {
		if d == "" {
			continue
		}
		c := filepath.Join(d, bin)
		if st, err := os.Stat(c); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
			return c, nil
		}
	}
	return "", exec.ErrNotFound
}

// under reports whether path is one of roots or inside one.
func under(path string, roots []string) bool {
	for _, h := range roots {
		if h != "" && h != "/" && (path == h || strings.HasPrefix(path, h+"/")) {
			return true
		}
	}
	return false
}
