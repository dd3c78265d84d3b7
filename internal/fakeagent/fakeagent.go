package fakeagent

import (
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"math/rand/v2"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"time"
)

// Main is the entry point of a binary (or testscript command) named
// "claude" or "codex": the dialect is the base name it was invoked under
// (LOOPER_FAKE_DIALECT overrides it), the arguments are os.Args[1:]. It
// exits with the fake agent's status.
func Main() {
	dialect := strings.TrimSuffix(filepath.Base(os.Args[0]), ".exe")
	if d := os.Getenv("LOOPER_FAKE_DIALECT"); d != "" {
		dialect = d
	}
	os.Exit(Run(dialect, os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// Run behaves like the agent CLI named by dialect ("claude" or "codex")
// invoked with args: it validates the flags as the real CLI does, reads the
// prompt (argument or stdin), picks a scenario, writes the dialect's stream
// to stdout and returns the exit status. SIGTERM and SIGINT end it with
// status 143 and 130 unless the scenario ignores SIGTERM.
func Run(dialect string, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	// Catch signals first: a runner may stop the fake while it starts.
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	defer signal.Stop(sigs)
	var opts options
	var err error
	switch dialect {
	case "claude":
		opts, err = parseClaude(args)
	case "codex":
		opts, err = parseCodex(args)
	default:
		fmt.Fprintf(stderr, "fakeagent: unknown dialect %q; invoke me as claude or codex\n", dialect)
		return 2
	}
	if ue, ok := errors.AsType[*usageError](err); ok {
		w := stderr
		if ue.code == 0 {
			w = stdout
		}
		fmt.Fprintln(w, ue.msg)
		return ue.code
	}

	cwd, _ := os.Getwd()
	if dialect == "codex" {
		if opts.fullAuto {
			fmt.Fprintln(stderr, "warning: `--full-auto` is deprecated; use `--sandbox workspace-write` instead.")
		}
		if opts.cd != "" {
			if !filepath.IsAbs(opts.cd) {
				opts.cd = filepath.Join(cwd, opts.cd)
			}
			cwd = opts.cd
		}
	}

	prompt := opts.prompt
	if !opts.hasPrompt || (dialect == "codex" && prompt == "-") {
		if dialect == "codex" {
			fmt.Fprintln(stderr, "Reading prompt from stdin...")
		}
		b, err := io.ReadAll(stdin)
		if err != nil {
			fmt.Fprintf(stderr, "fakeagent: read prompt: %v\n", err)
			return 1
		}
		prompt = string(b)
	}
	if strings.TrimSpace(prompt) == "" {
		if dialect == "claude" {
			fmt.Fprintln(stderr, "Error: Input must be provided either through stdin or as a prompt argument when using --print")
		} else {
			fmt.Fprintln(stderr, "No prompt provided. Either specify one as an argument or pipe the prompt into stdin.")
		}
		return 1
	}

	rc := newRunContext(dialect, cwd, prompt)
	if dialect == "codex" && !opts.skipGitCheck && !insideGitRepo(cwd) {
		fmt.Fprintln(stderr, "Not inside a trusted directory and --skip-git-repo-check was not specified.")
		return 1
	}
	sc, err := selectScenario(prompt, rc)
	if err != nil {
		fmt.Fprintf(stderr, "fakeagent: %v\n", err)
		return 2
	}
	if dialect == "claude" && opts.skipPerms && sc.RefuseRoot && os.Geteuid() == 0 && os.Getenv("IS_SANDBOX") != "1" {
		fmt.Fprintln(stderr, "--dangerously-skip-permissions cannot be used with root/sudo privileges for security reasons")
		return 1
	}

	a := &agent{
		rc: rc, opts: opts, sc: sc, dialect: dialect, stdout: stdout, stderr: stderr,
		prompt: prompt, start: time.Now(),
		sigs: sigs,
	}
	h := fnv.New64a()
	io.WriteString(h, dialect+"\x00"+prompt)
	a.rng = rand.New(rand.NewPCG(h.Sum64(), 0x100))
	a.out = &lineOut{a: a, w: stdout, delay: time.Duration(sc.LineDelayMS) * time.Millisecond, holdLast: sc.NoFinalNewline}
	a.record(map[string]any{"event": "start", "dialect": dialect, "argv": args, "cwd": cwd, "prompt": prompt,
		"pgid": pgid(), "task_id": rc.taskID, "mode": rc.mode, "env": looperEnv(), "config": opts.config})
	code := a.run()
	a.record(map[string]any{"event": "exit", "code": code})
	return code
}

// runContext is what the fake knows about the attempt, from looper's env
// variables or, when they are absent, the prompt's context block.
type runContext struct {
	cwd          string
	mode         string
	taskID       string
	agentID      string // LOOPER_AGENT_ID, as "claude#2"
	attempt      string // LOOPER_ATTEMPT, the run of the task in this looper run
	todoPath     string
	scenarioFile string
	recordFile   string
	fallback     string // LOOPER_FAKE_DEFAULT: the builtin run in iteration mode when nothing else selects one
}

var contextLineRE = regexp.MustCompile(`(?m)^\s*-\s*(task_id|mode|todo_path):\s*(.*?)\s*$`)

func newRunContext(dialect, cwd, prompt string) runContext {
	rc := runContext{
		cwd:          cwd,
		mode:         os.Getenv("LOOPER_MODE"),
		taskID:       os.Getenv("LOOPER_TASK_ID"),
		agentID:      os.Getenv("LOOPER_AGENT_ID"),
		attempt:      os.Getenv("LOOPER_ATTEMPT"),
		todoPath:     os.Getenv("LOOPER_TODO"),
		scenarioFile: os.Getenv("LOOPER_FAKE_SCENARIOS"),
		recordFile:   os.Getenv("LOOPER_FAKE_RECORD"),
		fallback:     os.Getenv("LOOPER_FAKE_DEFAULT"),
	}
	for _, m := range contextLineRE.FindAllStringSubmatch(prompt, -1) {
		v := strings.Trim(m[2], "`\"'")
		switch m[1] {
		case "task_id":
			if rc.taskID == "" {
				rc.taskID = v
			}
		case "mode":
			if rc.mode == "" {
				rc.mode = v
			}
		case "todo_path":
			if rc.todoPath == "" {
				rc.todoPath = v
			}
		}
	}
	if rc.mode == "" {
		rc.mode = "iteration"
	}
	if rc.todoPath != "" && !filepath.IsAbs(rc.todoPath) {
		rc.todoPath = filepath.Join(cwd, rc.todoPath)
	}
	return rc
}

func insideGitRepo(dir string) bool {
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, ".git")); err == nil {
			return true
		}
		if filepath.Dir(d) == d {
			return false
		}
	}
}

func pgid() int {
	g, err := syscall.Getpgid(os.Getpid())
	if err != nil {
		return 0
	}
	return g
}

func looperEnv() map[string]string {
	env := map[string]string{}
	for _, kv := range os.Environ() {
		if k, v, ok := strings.Cut(kv, "="); ok && strings.HasPrefix(k, "LOOPER_") {
			env[k] = v
		}
	}
	return env
}
