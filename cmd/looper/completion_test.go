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

// testTree is the completion model of the real grammar.
func testTree(t *testing.T) *compNode {
	t.Helper()
	var root cli
	parser, err := newParser(&root, io.Discard, io.Discard, kong.Exit(func(int) {}))
	if err != nil {
		t.Fatal(err)
	}
	return completionTree(parser.Model.Node)
}

// TestCompletionScriptsCoverGrammar checks that each script names every
// visible command, every flag and every enum value, and that the shells
// accept its syntax (bash always; zsh and fish when installed).
func TestCompletionScriptsCoverGrammar(t *testing.T) {
	tree := testTree(t)
	var words []string
	tree.walk(func(n *compNode) {
		if n.path != "" {
			words = append(words, n.name)
		}
		for _, f := range n.own {
			words = append(words, f.names...)
			words = append(words, f.values...)
		}
		words = append(words, n.args...)
	})
	for _, must := range []string{"config", "doctor", "completion", "--parallel", "--no-parallel", "--max-agents-per-task", "--strategy", "mixed", "summary", "worktree", "fish", "--json"} {
		if !slices.Contains(words, must) {
			t.Errorf("completion model lacks %s", must)
		}
	}
	for _, shell := range []string{"bash", "zsh", "fish"} {
		t.Run(shell, func(t *testing.T) {
			script := completionScript(t, shell)
			for _, w := range words {
				fishForm := strings.TrimLeft(w, "-")
				if !strings.Contains(script, w) && !(shell == "fish" && strings.Contains(script, fishForm)) {
					t.Errorf("%s script lacks %q", shell, w)
				}
			}
			bin, err := exec.LookPath(shell)
			if err != nil {
				if shell == "bash" {
					t.Fatal("bash not found")
				}
				t.Skipf("%s not installed: syntax not checked", shell)
			}
			path := filepath.Join(t.TempDir(), "looper."+shell)
			if err := os.WriteFile(path, []byte(script), 0o644); err != nil {
				t.Fatal(err)
			}
			if out, err := exec.Command(bin, "-n", path).CombinedOutput(); err != nil {
				t.Fatalf("%s -n: %v\n%s", shell, err, out)
			}
		})
	}
}

// TestBashCompletion sources the bash script and asks it to complete
// command lines, the way bash does on Tab (COMP_WORDS split at "=").
func TestBashCompletion(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("bash not found")
	}
	script := filepath.Join(t.TempDir(), "looper.bash")
	if err := os.WriteFile(script, []byte(completionScript(t, "bash")), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		words []string // the last one is being completed
		want  []string
	}{
		{[]string{"looper", "con"}, []string{"config"}},
		{[]string{"looper", "--todo", "x.json", "doc"}, []string{"doctor"}},
		{[]string{"looper", "--todo", "=", "x.json", "doc"}, []string{"doctor"}},
		{[]string{"looper", "--strat"}, []string{"--strategy"}},
		{[]string{"looper", "--strategy", ""}, []string{"dependency", "mixed", "priority"}},
		{[]string{"looper", "--strategy", "=", "m"}, []string{"mixed"}},
		{[]string{"looper", "--output-mode", "="}, []string{"buffered", "multiplexed", "summary"}},
		{[]string{"looper", "config", "--parallel", "--iso"}, []string{"--isolation"}},
		{[]string{"looper", "config", "--isolation", "w"}, []string{"worktree"}},
		{[]string{"looper", "config", "--j"}, []string{"--json"}},
		{[]string{"looper", "doctor", "--j"}, nil},
		{[]string{"looper", "completion", ""}, []string{"bash", "fish", "zsh"}},
		{[]string{"looper", "--no-par"}, []string{"--no-parallel"}},
		{[]string{"looper", "--max-agents"}, []string{"--max-agents", "--max-agents-per-task"}},
		{[]string{"looper", "--todo", ""}, nil}, // file names: left to bash's default
	} {
		var quoted []string
		for _, w := range tc.words {
			quoted = append(quoted, shellQuote(w))
		}
		driver := "source " + shellQuote(script) + "\nCOMP_WORDS=(" + strings.Join(quoted, " ") + ")\n" +
			"COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))\n_looper\nprintf '%s\\n' \"${COMPREPLY[@]}\"\n"
		out, err := exec.Command(bash, "--norc", "--noprofile", "-c", driver).CombinedOutput()
		if err != nil {
			t.Fatalf("%q: %v\n%s", tc.words, err, out)
		}
		got := strings.Fields(string(out))
		slices.Sort(got)
		if !slices.Equal(got, tc.want) {
			t.Errorf("complete %q = %q, want %q", tc.words, got, tc.want)
		}
	}
}

// TestFishCompletion asks fish itself (complete -C) when it is installed.
func TestFishCompletion(t *testing.T) {
	fish, err := exec.LookPath("fish")
	if err != nil {
		t.Skip("fish not installed")
	}
	script := filepath.Join(t.TempDir(), "looper.fish")
	if err := os.WriteFile(script, []byte(completionScript(t, "fish")), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		line string
		want []string
	}{
		{"looper con", []string{"config"}},
		{"looper --todo x.json doc", []string{"doctor"}},
		{"looper --strategy ", []string{"dependency", "mixed", "priority"}},
		{"looper config --j", []string{"--json"}},
		{"looper doctor --j", nil},
		{"looper completion ", []string{"bash", "fish", "zsh"}},
		{"looper ls bl", []string{"blocked"}},
		{"looper doctor --output-mode ", []string{"buffered", "multiplexed", "summary"}},
	} {
		out, err := exec.Command(fish, "--no-config", "-c", "source "+fishQuote(script)+"; complete -C "+fishQuote(tc.line)).CombinedOutput()
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
	}
}

// TestZshCompletion runs the zsh driver with the completion system's
// builtins replaced by stubs that print what would be offered.
func TestZshCompletion(t *testing.T) {
	zsh, err := exec.LookPath("zsh")
	if err != nil {
		t.Skip("zsh not installed")
	}
	script := filepath.Join(t.TempDir(), "_looper")
	if err := os.WriteFile(script, []byte(completionScript(t, "zsh")), 0o644); err != nil {
		t.Fatal(err)
	}
	stubs := `compdef() { :; }
compset() { :; }
_files() { print -r -- FILES; }
compadd() { [[ $1 == -a ]] && print -rl -- ${(P)2}; }
_describe() { local e; for e in ${(P)4}; do print -r -- ${e%%:*}; done; }
`
	// zsh filters candidates by the typed prefix itself, so the stubs show
	// everything the driver offers: the cases check what must be among it,
	// or, with exact, all of it.
	for _, tc := range []struct {
		words    []string
		contains []string
		exact    bool
	}{
		{[]string{"looper", "con"}, []string{"completion", "config", "doctor", "version"}, false},
		{[]string{"looper", "--todo", "x.json", "config", "--j"}, []string{"--json", "--parallel", "--no-parallel", "--max-agents-per-task"}, false},
		{[]string{"looper", "--strategy", ""}, []string{"dependency", "mixed", "priority"}, true},
		{[]string{"looper", "--strategy=m"}, []string{"dependency", "mixed", "priority"}, true},
		{[]string{"looper", "--todo", ""}, []string{"FILES"}, true},
		{[]string{"looper", "completion", ""}, []string{"bash", "fish", "zsh"}, true},
	} {
		var quoted []string
		for _, w := range tc.words {
			quoted = append(quoted, shellQuote(w))
		}
		driver := stubs + "source " + shellQuote(script) + "\nwords=(" + strings.Join(quoted, " ") + ")\nCURRENT=${#words}\n_looper\n"
		out, err := exec.Command(zsh, "-f", "-c", driver).CombinedOutput()
		if err != nil {
			t.Fatalf("%q: %v\n%s", tc.words, err, out)
		}
		got := strings.Fields(string(out))
		slices.Sort(got)
		if tc.exact {
			if !slices.Equal(got, tc.contains) {
				t.Errorf("complete %q = %q, want %q", tc.words, got, tc.contains)
			}
			continue
		}
		for _, w := range tc.contains {
			if !slices.Contains(got, w) {
				t.Errorf("complete %q = %q, want it to include %q", tc.words, got, w)
			}
		}
	}
}
