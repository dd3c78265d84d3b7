package fakeagent

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

func (a *agent) writeStderr(s string) {
	if !strings.HasSuffix(s, "\n") {
		s += "\n"
	}
	_, _ = io.WriteString(a.stderr, s)
}

// workDir is where the agent edits files: codex's -C, else the cwd.
func (a *agent) workDir() string { return a.rc.cwd }

func (a *agent) writeFile(path, content string) {
	abs := path
	if !filepath.IsAbs(abs) {
		abs = filepath.Join(a.workDir(), path)
	}
	_, statErr := os.Stat(abs)
	created := statErr != nil
	err := os.MkdirAll(filepath.Dir(abs), 0o755)
	if err == nil {
		err = os.WriteFile(abs, []byte(content), 0o644)
	}
	if err != nil {
		a.writeStderr("fakeagent: write " + abs + ": " + err.Error())
		a.d.tool(ToolStep{Name: "Write", Input: mustJSON(map[string]string{"file_path": abs}), Output: err.Error(), IsError: true})
		return
	}
	a.files = append(a.files, path)
	a.d.fileChange(abs, content, created)
}

// gitCommit runs `git add -A` and `git commit` for real. A missing
// identity is filled in so a fresh test repository works.
func (a *agent) gitCommit(msg string) {
	env := gitEnv()
	var out bytes.Buffer
	code := 0
	for _, argv := range [][]string{{"git", "add", "-A"}, {"git", "commit", "-q", "-m", msg}} {
		cmd := exec.Command(argv[0], argv[1:]...)
		cmd.Dir, cmd.Env, cmd.Stdout, cmd.Stderr = a.workDir(), env, &out, &out
		if err := cmd.Run(); err != nil {
			code = 1
			if ee, ok := errors.AsType[*exec.ExitError](err); ok {
				code = ee.ExitCode()
			}
			fmt.Fprintf(&out, "%s: %v\n", strings.Join(argv, " "), err)
			a.writeStderr("fakeagent: " + strings.TrimSpace(out.String()))
			break
		}
	}
	a.d.command(fmt.Sprintf("git add -A && git commit -m %q", msg), out.String(), code)
}

// background starts argv and leaves it running in the agent's process
// group, holding its stdout, as an agent's forgotten dev server would.
func (a *agent) background(argv []string) {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = a.workDir()
	if f, ok := a.stdout.(*os.File); ok {
		cmd.Stdout = f
	}
	if err := cmd.Start(); err != nil {
		a.writeStderr("fakeagent: background " + strings.Join(argv, " ") + ": " + err.Error())
		return
	}
	a.record(map[string]any{"event": "background", "pid": cmd.Process.Pid, "argv": argv})
	_ = cmd.Process.Release()
}

func (a *agent) replay(r ReplayStep) {
	path := r.Path
	if !filepath.IsAbs(path) {
		path = filepath.Join(cmpOr(a.sc.dir, a.rc.cwd), path)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		a.writeStderr("fakeagent: replay: " + err.Error())
		a.stop(2)
		return
	}
	delay := time.Duration(r.LineDelayMS) * time.Millisecond
	for l := range bytes.Lines(data) {
		if a.pause(delay); a.stopped() {
			return
		}
		a.out.line(bytes.TrimRight(l, "\r\n"))
	}
}

// summaryText is the final message for a summary step: the contract's
// object for the mode, with the step's overrides.
func (a *agent) summaryText(s SummaryStep) string {
	var obj []field
	switch a.rc.mode {
	case "bootstrap", "repair":
		return a.expand(cmpOr(s.Summary, "The fake agent finished the {mode}."))
	case "review":
		added := a.added
		if s.AddedTasks != nil {
			added = *s.AddedTasks
		}
		obj = []field{
			{"status", cmpOr(s.Status, "reviewed")},
			{"summary", a.expand(cmpOr(s.Summary, "The fake agent reviewed the backlog."))},
			{"added_tasks", added},
			{"files", nonNil(s.Files)},
		}
	default:
		var taskID any = a.rc.taskID
		if a.rc.taskID == "" {
			taskID = nil
		}
		if len(s.TaskID) > 0 {
			taskID = json.RawMessage(s.TaskID)
		}
		files := s.Files
		if files == nil {
			files = a.files
		}
		obj = []field{
			{"task_id", taskID},
			{"status", cmpOr(s.Status, "done")},
			{"summary", a.expand(cmpOr(s.Summary, "The fake agent finished {task}."))},
			{"files", nonNil(files)},
			{"blockers", nonNil(s.Blockers)},
		}
	}
	for k, v := range s.Extra {
		obj = append(obj, field{k, v})
	}
	body := marshalFields(obj)
	text := body
	if s.Fenced {
		text = "```json\n" + body + "\n```"
	}
	if s.Prose != "" {
		text = a.expand(s.Prose) + "\n\n" + text
	}
	return text
}

// record appends one JSON line to LOOPER_FAKE_RECORD, for tests that check
// what looper passed and which processes ran.
func (a *agent) record(ev map[string]any) {
	if a.rc.recordFile == "" {
		return
	}
	ev["pid"] = os.Getpid()
	ev["time"] = time.Now().Format(time.RFC3339Nano)
	f, err := os.OpenFile(a.rc.recordFile, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		a.writeStderr("fakeagent: record: " + err.Error())
		return
	}
	defer f.Close()
	_, _ = f.Write(append(mustJSON(ev), '\n'))
}
