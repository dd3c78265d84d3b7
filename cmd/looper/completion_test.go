package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/alecthomas/kong"

	"github.com/looper-go/looper/internal/shellquote"
)

// completionScript runs `looper completion shell`.
func completionScript(t *testing.T, shell string) string {
	t.Helper()
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"completion", shell}, &out, &errOut); code != exitOK {
		t.Fatalf("completion %s: exit %d: %s", shell, code, errOut.String())
	}
	return out.String()
}

// completionProject makes a project directory with a backlog (ids T1, B3
// and T10) and a config defining an agent "mine", and makes it the working
// directory.
func completionProject(t *testing.T) {
	t.Helper()
	dir, env := completionDir(t)
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	t.Chdir(dir)
}

// completionDir writes the completion project and returns it with the
// environment looper needs there (HOME, XDG_CONFIG_HOME), for tests that
// run shells in it without changing the test process's own.
func completionDir(t *testing.T) (dir string, env []string) {
	t.Helper()
	dir = t.TempDir()
	backlog := `{"schema_version":1,"source_files":[],"tasks":[
{"id":"T1","title":"a","priority":1,"status":"todo"},
{"id":"B3","title":"b","priority":1,"status":"todo"},
{"id":"T10","title":"c","priority":1,"status":"done"}]}`
	if err := os.WriteFile(filepath.Join(dir, "to-do.json"), []byte(backlog), 0o644); err != nil {
		t.Fatal(err)
	}
	toml := "[agents.mine]\nbinary = \"mine\"\nformat = \"claude\"\n"
	if err := os.WriteFile(filepath.Join(dir, "looper.toml"), []byte(toml), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir, []string{"HOME=" + dir, "XDG_CONFIG_HOME=" + filepath.Join(dir, ".config")}
}

// complete asks looper what completes line, as the shell scripts do: with
// the line in COMP_LINE.
func completeWords(t *testing.T, line string) []string {
	t.Helper()
	t.Setenv("COMP_LINE", line)
	t.Setenv("COMP_POINT", "")
	var out bytes.Buffer
	if !completeFromEnv(&out) {
		t.Fatal("completeFromEnv ignored COMP_LINE")
	}
	got := strings.Fields(out.String())
	slices.Sort(got)
	return got
}

// completionCases are command lines and everything that completes them,
// shared by the protocol test and the bash test.
var completionCases = []struct {
	line string
	want []string
}{
	{"looper con", []string{"config"}},
	{"looper --todo x.json doc", []string{"doctor"}},
	{"looper --strat", []string{"--strategy"}},
	{"looper --strategy ", []string{"dependency", "mixed", "priority"}},
	{"looper --strategy=m", []string{"mixed"}},
	{"looper --output-mode=", []string{"buffered", "multiplexed", "summary"}},
	{"looper config --parallel --iso", []string{"--isolation"}},
	{"looper config --isolation w", []string{"worktree"}},
	{"looper config --j", []string{"--json"}},
	{"looper doctor --j", nil},
	{"looper completion ", []string{"bash", "fish", "zsh"}},
	{"looper --no-par", []string{"--no-parallel"}},
	{"looper --max-agents", []string{"--max-agents", "--max-agents-per-task"}},
	{"looper --todo ", nil}, // file names: left to the shell
	{"looper ls ", []string{"blocked", "doing", "done", "todo"}},
	{"looper ls bl", []string{"blocked"}},
	{"looper tail --task ", []string{"B3", "T1", "T10"}},
	{"looper tail --task=T1", []string{"T1", "T10"}},
	{"looper --agent ", []string{"claude", "codex", "fake", "mine"}},
	{"looper --agent m", []string{"mine"}},
	{"looper fak", nil}, // hidden command
}

// TestCompletionProtocol answers each request in process.
func TestCompletionProtocol(t *testing.T) {
	completionProject(t)
	for _, tc := range completionCases {
		if got := completeWords(t, tc.line); !slices.Equal(got, tc.want) {
			t.Errorf("complete %q = %q, want %q", tc.line, got, tc.want)
		}
	}
	// Another backlog named on the line is the one whose ids are offered.
	other := filepath.Join(t.TempDir(), "other.json")
	if err := os.WriteFile(other, []byte(`{"schema_version":1,"source_files":[],"tasks":[{"id":"X9","title":"x","priority":1,"status":"todo"}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := completeWords(t, "looper --todo "+other+" tail --task "); !slices.Equal(got, []string{"X9"}) {
		t.Errorf("ids of --todo %s = %q, want [X9]", other, got)
	}
	// Without a backlog or with a broken config, the grammar still completes.
	if err := os.WriteFile("looper.toml", []byte("this is = = not toml"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove("to-do.json"); err != nil {
		t.Fatal(err)
	}
	if got := completeWords(t, "looper tail --task "); len(got) != 0 {
		t.Errorf("ids without a backlog = %q, want none", got)
	}
	if got := completeWords(t, "looper --agent "); !slices.Equal(got, []string{"claude", "codex", "fake"}) {
		t.Errorf("agents with a broken config = %q, want the built-in ones", got)
	}
	if got := completeWords(t, "looper ver"); !slices.Equal(got, []string{"version"}) {
		t.Errorf("complete with a broken config = %q, want [version]", got)
	}
}

// TestCompletionCoversGrammar walks kong's model: at every visible command,
// completion offers each visible subcommand, each flag (with its aliases,
// negation and short form) and each enum value.
func TestCompletionCoversGrammar(t *testing.T) {
	completionProject(t)
	var root cli
	parser, err := newParser(&root, io.Discard, io.Discard, kong.Exit(func(int) {}))
	if err != nil {
		t.Fatal(err)
	}
	var walk func(n *kong.Node, path string)
	walk = func(n *kong.Node, path string) {
		words := completeWords(t, path+" ")
		flags := completeWords(t, path+" -")
		for _, c := range n.Children {
			if !c.Hidden && !slices.Contains(words, c.Name) {
				t.Errorf("%q offers %q, not %s", path, words, c.Name)
			}
		}
		for _, f := range n.Flags {
			if f.Hidden {
				continue
			}
			forms := []string{"--" + f.Name}
			for _, a := range f.Aliases {
				forms = append(forms, "--"+a)
			}
			if f.Tag.Negatable == "_" {
				forms = append(forms, "--no-"+f.Name)
			}
			if f.Short != 0 {
				forms = append(forms, "-"+string(f.Short))
			}
			for _, form := range forms {
				if !slices.Contains(flags, form) {
					t.Errorf("%q does not offer %s", path, form)
				}
			}
			if f.Enum != "" {
				values := completeWords(t, path+" --"+f.Name+" ")
				for _, v := range f.EnumSlice() {
					if !slices.Contains(values, v) {
						t.Errorf("%s --%s offers %q, not %s", path, f.Name, values, v)
					}
				}
			}
		}
		for _, c := range n.Children {
			if !c.Hidden && c.Type == kong.CommandNode {
				walk(c, path+" "+c.Name)
			}
		}
	}
	walk(parser.Model.Node, "looper")
}

// TestCompletionScriptsParse checks that each shell accepts its script's
// syntax (bash always; zsh and fish when installed).
func TestCompletionScriptsParse(t *testing.T) {
	for _, shell := range []string{"bash", "zsh", "fish"} {
		t.Run(shell, func(t *testing.T) {
			bin, err := exec.LookPath(shell)
			if err != nil {
				if shell == "bash" {
					t.Fatal("bash not found")
				}
				t.Skipf("%s not installed: syntax not checked", shell)
			}
			path := filepath.Join(t.TempDir(), "looper."+shell)
			if err := os.WriteFile(path, []byte(completionScript(t, shell)), 0o644); err != nil {
				t.Fatal(err)
			}
			if out, err := exec.Command(bin, "-n", path).CombinedOutput(); err != nil {
				t.Fatalf("%s -n: %v\n%s", shell, err, out)
			}
		})
	}
}

// shellProject is completionProject for the shell tests, which run the
// looper on $PATH (this test binary, as testscript.Main installs it).
func shellProject(t *testing.T, shell string) shellRun {
	t.Helper()
	bin, err := exec.LookPath(shell)
	if err != nil {
		if shell == "bash" {
			t.Fatal("bash not found")
		}
		t.Skipf("%s not installed", shell)
	}
	if _, err := exec.LookPath("looper"); err != nil {
		t.Fatalf("no looper on $PATH: %v", err)
	}
	name := map[string]string{"bash": "looper.bash", "zsh": "_looper", "fish": "looper.fish"}[shell]
	script := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(script, []byte(completionScript(t, shell)), 0o644); err != nil {
		t.Fatal(err)
	}
	dir, env := completionDir(t)
	return shellRun{bin: bin, script: script, dir: dir, env: append(os.Environ(), env...)}
}

// shellRun is a shell with looper's completion script, run in the
// completion project. Each case is a subtest of its own, run in parallel
// with the others: every case starts a shell that starts looper, and it
// changes nothing in the test process, so the cases need not wait for
// each other.
type shellRun struct {
	bin, script, dir string
	env              []string
}

// output runs the shell with args in the project and returns what it
// printed.
func (s shellRun) output(args ...string) ([]byte, error) {
	cmd := exec.Command(s.bin, args...)
	cmd.Dir, cmd.Env = s.dir, s.env
	return cmd.CombinedOutput()
}

// TestBashCompletion sources the bash script and calls its completion
// function the way bash does on Tab (COMP_LINE, COMP_POINT, the command
// word as $1), which runs looper.
func TestBashCompletion(t *testing.T) {
	t.Parallel()
	sh := shellProject(t, "bash")
	for _, tc := range completionCases {
		t.Run(tc.line, func(t *testing.T) {
			t.Parallel()
			driver := "source " + shellquote.Quote(sh.script) + "\ncomplete -p looper\n" +
				"COMP_LINE=" + shellquote.Quote(tc.line) + "\nCOMP_POINT=${#COMP_LINE}\n" +
				"_looper looper\nprintf '%s\\n' \"${COMPREPLY[@]}\"\n"
			out, err := sh.output("--norc", "--noprofile", "-c", driver)
			if err != nil {
				t.Fatalf("%q: %v\n%s", tc.line, err, out)
			}
			reg, rest, _ := strings.Cut(string(out), "\n")
			if reg != "complete -o default -F _looper looper" {
				t.Fatalf("bash registered %q", reg)
			}
			got := strings.Fields(rest)
			slices.Sort(got)
			if !slices.Equal(got, tc.want) {
				t.Errorf("complete %q = %q, want %q", tc.line, got, tc.want)
			}
		})
	}
}

// TestFishCompletion asks fish itself (complete -C) when it is installed.
func TestFishCompletion(t *testing.T) {
	t.Parallel()
	sh := shellProject(t, "fish")
	for _, tc := range []struct {
		line string
		want []string
	}{
		{"looper con", []string{"config"}},
		{"looper --todo x.json doc", []string{"doctor"}},
		{"looper --strategy ", []string{"dependency", "mixed", "priority"}},
		{"looper --strategy=m", []string{"--strategy=mixed"}},
		{"looper config --j", []string{"--json"}},
		{"looper doctor --j", nil},
		{"looper completion ", []string{"bash", "fish", "zsh"}},
		{"looper ls bl", []string{"blocked"}},
		{"looper doctor --output-mode ", []string{"buffered", "multiplexed", "summary"}},
		{"looper tail --task T", []string{"T1", "T10"}},
		{"looper --agent ", []string{"claude", "codex", "fake", "mine"}},
		{"looper --todo to-", []string{"to-do.json"}}, // file names where looper offers nothing
	} {
		t.Run(tc.line, func(t *testing.T) {
			t.Parallel()
			cmd := "source " + shellquote.Quote(sh.script) + "; complete -C " + shellquote.Quote(tc.line)
			out, err := sh.output("--no-config", "-c", cmd)
			if err != nil {
				t.Fatalf("%q: %v\n%s", tc.line, err, out)
			}
			var got []string
			for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
				if l != "" {
					got = append(got, strings.SplitN(l, "\t", 2)[0])
				}
			}
			slices.Sort(got)
			if !slices.Equal(got, tc.want) {
				t.Errorf("complete -C %q = %q, want %q", tc.line, got, tc.want)
			}
		})
	}
}

// TestZshCompletion runs the zsh completion function with the completion
// system's builtins replaced by stubs that print what would be offered.
func TestZshCompletion(t *testing.T) {
	t.Parallel()
	sh := shellProject(t, "zsh")
	stubs := `compdef() { :; }
compset() { :; }
_files() { print -r -- FILES; }
compadd() { [[ $1 == -a ]] && print -rl -- ${(P)2}; }
`
	for _, tc := range []struct {
		words []string
		want  []string
	}{
		{[]string{"looper", "con"}, []string{"config"}},
		{[]string{"looper", "--todo", "x.json", "config", "--j"}, []string{"--json"}},
		{[]string{"looper", "--strategy", ""}, []string{"dependency", "mixed", "priority"}},
		{[]string{"looper", "--strategy=m"}, []string{"mixed"}},
		{[]string{"looper", "--todo", ""}, []string{"FILES"}},
		{[]string{"looper", "completion", ""}, []string{"bash", "fish", "zsh"}},
		{[]string{"looper", "tail", "--task", ""}, []string{"B3", "T1", "T10"}},
	} {
		t.Run(strings.Join(tc.words, " "), func(t *testing.T) {
			t.Parallel()
			var quoted []string
			for _, w := range tc.words {
				quoted = append(quoted, shellquote.Quote(w))
			}
			driver := stubs + "source " + shellquote.Quote(sh.script) + "\nwords=(" + strings.Join(quoted, " ") + ")\nCURRENT=${#words}\n_looper\n"
			out, err := sh.output("-f", "-c", driver)
			if err != nil {
				t.Fatalf("%q: %v\n%s", tc.words, err, out)
			}
			got := strings.Fields(string(out))
			slices.Sort(got)
			if !slices.Equal(got, tc.want) {
				t.Errorf("complete %q = %q, want %q", tc.words, got, tc.want)
			}
		})
	}
}
