package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/looper-go/looper/config"
	"github.com/looper-go/looper/internal/agent"
	"github.com/looper-go/looper/source"
	"github.com/looper-go/looper/stages"
	"github.com/looper-go/looper/todo"
)

// doctorCmd checks that a run could start: config files, agent binaries,
// git, the backlog, the log directory and the hook.
type doctorCmd struct {
	Timeout time.Duration `default:"10s" placeholder:"DURATION" help:"How long each agent's --version may take."`
}

func (doctorCmd) Help() string {
	return `Each check prints "ok", "warn" or "FAIL"; every FAIL comes with its fix. The exit status
is 1 when any check fails. Agents are checked as looper run checks them before it starts
(those of the four roles and of parallel.agents): the binary resolves, claude and codex
answer --version within --timeout with a version in the range looper was tested with
(claude-code ` + agent.TestedClaudeVersion + `, codex ` + agent.TestedCodexVersion + `;
another minor version is a warning), and the permission mode is one Claude accepts.`
}

// doctorReport collects check results and prints them as they come.
type doctorReport struct {
	w        io.Writer
	failures int
}

func (r *doctorReport) line(status, check, msg string, fix ...string) {
	fmt.Fprintf(r.w, "%-4s  %-16s %s\n", status, check, msg)
	for _, f := range fix {
		fmt.Fprintf(r.w, "      %-16s fix: %s\n", "", f)
	}
	if status == "FAIL" {
		r.failures++
	}
}

func (r *doctorReport) ok(check, msg string)                  { r.line("ok", check, msg) }
func (r *doctorReport) warn(check, msg string, fix ...string) { r.line("warn", check, msg, fix...) }
func (r *doctorReport) fail(check, msg string, fix ...string) { r.line("FAIL", check, msg, fix...) }

func (d *doctorCmd) Run(ctx context.Context, loader *configLoader, stdout io.Writer) error {
	dir, err := workDir()
	if err != nil {
		return err
	}
	r := &doctorReport{w: stdout}
	cfg := d.checkConfig(r, loader)
	d.checkAgents(ctx, r, cfg, dir)
	d.checkSandbox(ctx, r, cfg, dir)
	d.checkGit(ctx, r, cfg, dir)
	checkBacklog(r, cfg, dir)
	checkLogDir(r, cfg, dir)
	checkHook(r, cfg)
	if r.failures > 0 {
		return &exitError{code: exitFailure, err: fmt.Errorf("doctor: %d check(s) failed", r.failures)}
	}
	fmt.Fprintln(stdout, "doctor: all checks passed")
	return nil
}

// checkConfig reports the config files and warnings, and returns the
// configuration to check the rest with: the defaults when it is invalid.
func (d *doctorCmd) checkConfig(r *doctorReport, loader *configLoader) *config.Config {
	cfg, err := loader.Load()
	if err != nil {
		var cerr *config.Error
		if errors.As(err, &cerr) {
			for _, p := range cerr.Problems {
				r.fail("config", p.String(), "edit the setting as the message says; `looper config` shows every key and its source")
			}
		} else {
			r.fail("config", err.Error())
		}
		r.warn("config", "checking the rest with the built-in defaults")
		return config.Defaults()
	}
	loaded := 0
	for _, f := range cfg.Files {
		if f.Loaded {
			r.ok("config", f.String())
			loaded++
		}
	}
	if loaded == 0 {
		r.ok("config", "no config file; using defaults (looper init writes .looper/looper.toml)")
	}
	for _, w := range cfg.Warnings {
		r.warn("config", w.String())
	}
	return cfg
}

// checkAgents runs preflight, the checks `looper run` makes before it
// moves a task, on the agents of the four roles and of parallel.agents: the
// binary resolves, claude and codex answer --version in time with a version
// in the tested range, the permission mode is one Claude accepts.
func (d *doctorCmd) checkAgents(ctx context.Context, r *doctorReport, cfg *config.Config, dir string) {
	var specs []agent.Spec
	for _, name := range cfg.RoleAgents() {
		if _, ok := cfg.Agent(name); !ok {
			r.fail("agent "+name, "not defined", fmt.Sprintf("add an [agents.%s] table with binary and format", name))
			continue
		}
		specs = append(specs, stages.AgentSpec(cfg, name))
	}
	for _, c := range (agent.Preflight{Timeout: d.Timeout, Dir: dir}).Run(ctx, specs) {
		check := "agent " + c.Spec.Name
		if c.Err != nil {
			r.fail(check, c.Err.Error(), c.Fix)
			continue
		}
		msg := c.Path
		switch {
		case c.Banner != "":
			msg += " (" + c.Banner + ")"
		case c.Tested == "":
			msg += " (a generic agent: its version is not checked)"
		}
		if c.Warning != "" {
			r.warn(check, msg+"; "+c.Warning)
		} else {
			if c.Tested != "" {
				msg += "; tested with " + c.Tested
			}
			r.ok(check, msg)
		}
		if c.Spec.Dialect == agent.DialectClaude {
			if mode := c.Spec.PermissionMode; mode != "" {
				r.ok(check, fmt.Sprintf("permission_mode %q (one of %s)", mode, strings.Join(agent.ClaudePermissionModes(), ", ")))
			} else {
				r.ok(check, "permission_mode unset: --dangerously-skip-permissions, as upstream")
			}
		}
	}
}

func unwrapExec(err error) error {
	var ee *exec.Error
	if errors.As(err, &ee) {
		return ee.Err
	}
	return err
}

// checkGit fails when git is missing and something needs it: git_init, or
// parallel runs that isolate attempts in worktrees.
func (d *doctorCmd) checkGit(ctx context.Context, r *doctorReport, cfg *config.Config, dir string) {
	needed := cfg.GitInit || (cfg.Parallel.Enabled && cfg.Parallel.Isolation != config.IsolationNone)
	path, err := exec.LookPath("git")
	if err != nil {
		fix := "install git (https://git-scm.com/downloads)"
		if needed {
			r.fail("git", "git not found in PATH", fix+", or set git_init = false and [parallel] isolation = \"none\"")
		} else {
			r.warn("git", "git not found in PATH", fix)
		}
		return
	}
	version, err := agent.Probe(ctx, d.Timeout, nil, dir, path, "--version")
	if err != nil {
		r.fail("git", fmt.Sprintf("%s --version failed: %v", path, err), "reinstall git")
		return
	}
	top, err := agent.Probe(ctx, d.Timeout, nil, dir, path, "-C", dir, "rev-parse", "--show-toplevel")
	switch {
	case err == nil:
		r.ok("git", fmt.Sprintf("%s; repository %s", version, top))
	case cfg.GitInit:
		r.ok("git", version+"; not a repository yet (looper run will git init it)")
	default:
		r.warn("git", version+"; not a git repository and git_init = false",
			"run git init, or parallel runs will share one working tree")
	}
}

func checkBacklog(r *doctorReport, cfg *config.Config, dir string) {
	path := cfg.TodoPath(dir)
	native := true
	var b *todo.Backlog
	var err error
	if bk, serr := backlogSource("", cfg, dir); serr == nil && bk.Kind != source.KindTodo {
		path, native = bk.String(), false // another tracker (--backlog, or detected)
		b, err = bk.Load(context.Background())
	} else {
		b, err = todo.Load(path)
	}
	switch {
	case errors.Is(err, fs.ErrNotExist):
		r.warn("backlog", fmt.Sprintf("no backlog at %s", path),
			"run `looper init`, or `looper run --prompt \"<idea>\"` to have the bootstrap agent write one")
		return
	case err != nil:
		r.fail("backlog", err.Error(), "fix the file as the message says, or restore it from git")
		return
	}
	counts := map[todo.Status]int{}
	for _, t := range b.Tasks {
		counts[t.Status]++
	}
	r.ok("backlog", fmt.Sprintf("%s: %d tasks (%d todo, %d doing, %d blocked, %d done)", path, len(b.Tasks),
		counts[todo.StatusTodo], counts[todo.StatusDoing], counts[todo.StatusBlocked], counts[todo.StatusDone]))
	if schema := cfg.SchemaPath(dir); schema != "" && native {
		checkSchema(r, schema, path)
	}
}

// checkSchema validates the backlog against the extra schema_file.
func checkSchema(r *doctorReport, schemaPath, backlogPath string) {
	if err := todo.CheckSchemaFile(backlogPath, schemaPath); err != nil {
		r.fail("schema", err.Error(), "fix the backlog, or the schema file if it is out of date, or unset schema_file")
		return
	}
	r.ok("schema", fmt.Sprintf("%s satisfies %s", backlogPath, schemaPath))
}

// checkLogDir checks that run logs can be written: in the directory if it
// exists, else in its nearest existing parent, where it will be created.
func checkLogDir(r *doctorReport, cfg *config.Config, dir string) {
	logDir := cfg.LogDirPath(dir)
	fix := "make it writable, or set log_dir / LOOPER_LOG_DIR / --log-dir to a writable directory"
	probe, suffix := logDir, ""
	for {
		st, err := os.Stat(probe)
		if err == nil {
			if !st.IsDir() {
				r.fail("log dir", fmt.Sprintf("%s is not a directory", probe), fix)
				return
			}
			break
		}
		if !errors.Is(err, fs.ErrNotExist) {
			r.fail("log dir", err.Error(), fix)
			return
		}
		parent := filepath.Dir(probe)
		if parent == probe {
			r.fail("log dir", fmt.Sprintf("no existing parent of %s", logDir), fix)
			return
		}
		probe, suffix = parent, " (will be created)"
	}
	f, err := os.CreateTemp(probe, ".looper-doctor-*")
	if err != nil {
		r.fail("log dir", fmt.Sprintf("%s is not writable: %v", probe, unwrapPath(err)), fix)
		return
	}
	name := f.Name()
	f.Close()
	os.Remove(name)
	r.ok("log dir", logDir+suffix)
}

func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func checkHook(r *doctorReport, cfg *config.Config) {
	if cfg.HookCommand == "" {
		return
	}
	path, err := exec.LookPath(cfg.HookCommand)
	if err != nil {
		r.fail("hook", fmt.Sprintf("%q: %v", cfg.HookCommand, unwrapExec(err)),
			"hook_command must name one executable (no arguments); make it executable or fix the path")
		return
	}
	r.ok("hook", path)
}
