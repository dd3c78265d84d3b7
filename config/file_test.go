package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
	"github.com/google/go-cmp/cmp"
)

// TestMistakes loads a file with one mistake per line and checks that each
// is reported with its line, what is wrong, and the fix.
func TestMistakes(t *testing.T) {
	s := newSandbox(t)
	data, err := os.ReadFile(filepath.Join("..", "testdata", "configs", "mistakes.toml"))
	if err != nil {
		t.Fatal(err)
	}
	path := s.write(filepath.Join(s.project, "looper.toml"), string(data))
	_, err = s.load("")
	var cerr *Error
	if !errors.As(err, &cerr) {
		t.Fatalf("error = %v, want *Error", err)
	}
	var got []string
	for _, p := range cerr.Problems {
		got = append(got, strings.TrimPrefix(p.String(), path))
	}
	want := []string{
		`:2: max_iteration: unknown key (did you mean "max_iterations"?)`,
		`:3: PARALLEL: unknown key: keys are case-sensitive; write "parallel"`,
		`:5: Parallel: unknown key: keys are case-sensitive; write "parallel"`,
		`:9: parallel.max_tasks: got -1; want a whole number ≥ 0`,
		`:10: parallel.strategy: got "fastest"; want one of "priority", "dependency", "mixed"`,
		`:11: parallel.fali_fast: unknown key (did you mean "fail_fast"?)`,
		`:12: parallel.output_mode: got 3; want one of "multiplexed", "buffered", "summary"`,
		`:16: roles.reviewer: unknown key (did you mean "review"?)`,
		`:18: agents.Claude: agent names are lower case: write [agents.claude]`,
		`:22: agents.claude.timeout: got "soon"; want a positive duration such as "30m" or "1h30m"`,
		`:23: agents.claude.modle: unknown key (did you mean "model"?)`,
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("problems (-want +got):\n%s", d)
	}
	if !strings.HasPrefix(err.Error(), "config: 11 problems:\n  "+path+":2: ") {
		t.Errorf("Error() = %q", err.Error())
	}
}

func TestParseFileProblems(t *testing.T) {
	for _, tc := range []struct{ name, file, want string }{
		{"syntax", "a = 1\nparallel = = 2\n", `f.toml:2: invalid TOML at column 12: expected value but found '=' instead`},
		{"section not a table", "parallel = true\n", `f.toml:1: parallel: got true; want a table: write [parallel] on its own line and its keys below it`},
		{"agents not tables", "agents = \"claude\"\n", `f.toml:1: agents: got "claude"; want tables such as [agents.claude]`},
		{"agent not a table", "[agents]\nclaude = 3\n", `f.toml:2: agents.claude: got 3; want a table: write [agents.claude] and its keys below it`},
		{"bad agent name", "[agents.\"my agent\"]\nbinary = \"x\"\n", `f.toml:1: agents."my agent": agent name "my agent": use lower-case letters, digits, '-' and '_', starting with a letter or digit`},
		{"wrong type", "max_iterations = \"50\"\n", `f.toml:1: max_iterations: got "50"; want a whole number ≥ 0`},
		{"float", "loop_delay_seconds = 1.5\n", `f.toml:1: loop_delay_seconds: got 1.5; want a whole number ≥ 0`},
		{"list element", "[worktree]\ncopy = [\".env\", 3]\n", `f.toml:2: worktree.copy: element 3 is not a string; want an array of strings`},
		{"list from string without commas allowed", "[worktree]\ncopy = \".env\"\n", `f.toml:2: worktree.copy: got ".env"; want an array of strings`},
		{"env table value", "[agents.claude]\nenv = { A = 1 }\n", `f.toml:2: agents.claude.env: A = 1 is not a string; want a table of strings ({ NAME = "value" }) or an array of "NAME=value" strings`},
		{"env array without =", "[agents.claude]\nenv = [\"A\"]\n", `f.toml:2: agents.claude.env: element "A" has no "="`},
		{"by_tag value", "[verify.by_tag]\ngo = false\n", `f.toml:2: verify.by_tag: go = false is not a string; want a table of strings`},
		{"negative duration", "[verify]\ntimeout = \"-5m\"\n", `f.toml:2: verify.timeout: got "-5m"; want a positive duration`},
		{"zero timeout", "[agents.codex]\ntimeout = \"0\"\n", `f.toml:2: agents.codex.timeout: got "0"; want a positive duration`},
		{"huge count", "max_iterations = 9999999999\n", `f.toml:1: max_iterations: got 9999999999; want a whole number ≥ 0`},
		{"env-only key", "prompt = \"x\"\n", `f.toml:1: prompt: cannot be set in a file; use the LOOPER_PROMPT variable or the --prompt flag`},
		{"sandbox enum", "[agents.codex]\nsandbox = \"yolo\"\n", `want one of "", "read-only", "workspace-write", "danger-full-access"`},
		{"dotted unknown", "parallel.max_task = 2\n", `f.toml:1: parallel.max_task: unknown key (did you mean "max_tasks"?)`},
		{"unknown section", "[paralel]\nenabled = true\n", `f.toml:1: paralel: unknown key (did you mean "parallel"?)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := parseFile(Source{Kind: SourceProjectFile, Name: "f.toml"}, []byte(tc.file))
			if len(l.problems) != 1 {
				t.Fatalf("problems = %v, want one", l.problems)
			}
			if got := l.problems[0].String(); !strings.Contains(got, tc.want) {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

func TestLegacyWarnings(t *testing.T) {
	file := "schedule = \"odd-even\"\niter_schedule = \"rr\"\nodd_agent = \"codex\"\neven_agent = \"claude\"\nrr_agents = [\"a\"]\n" +
		"repair_agent = \"codex\"\nreview_agent = \"codex\"\nbootstrap_agent = \"codex\"\niter_agent = \"codex\"\n" +
		"[roles]\nschedule = \"odd-even\"\n[agents.codex]\nparser = \"codex_parser.py\"\n[workflows]\n[plugins.amp]\nbinary = \"amp\"\n"
	l := parseFile(Source{Kind: SourceUserFile, Name: "u.toml"}, []byte(file))
	if len(l.problems) != 0 {
		t.Fatalf("problems: %v", l.problems)
	}
	var got []string
	for _, w := range l.warnings {
		got = append(got, w.Source.Where()+" "+w.Key)
	}
	want := []string{
		"u.toml:1 schedule", "u.toml:2 iter_schedule", "u.toml:3 odd_agent", "u.toml:4 even_agent", "u.toml:5 rr_agents",
		"u.toml:6 repair_agent", "u.toml:7 review_agent", "u.toml:8 bootstrap_agent", "u.toml:9 iter_agent",
		"u.toml:11 roles.schedule", "u.toml:13 agents.codex.parser", "u.toml:14 workflows", "u.toml:15 plugins.amp",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	if !strings.Contains(l.warnings[6].Message, `write [roles] review = "<agent>"`) {
		t.Errorf("review_agent warning gives no fix: %s", l.warnings[6].Message)
	}
}

func TestNearest(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"paralel", "parallel"}, {"PARALLEL", "parallel"}, {"max_task", "max_tasks"}, {"Roles", "roles"}, {"agnets", "agents"},
	} {
		if got := nearest(tc.in, []string{"max_tasks", "parallel", "roles", "agents"}); got != tc.want {
			t.Errorf("nearest(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if d := editDistance("kitten", "sitting"); d != 3 {
		t.Errorf("editDistance = %d, want 3", d)
	}
}

// FuzzParseFile checks that any input yields problems or assignments
// without panicking, that every problem names a line when the file parsed,
// and that accepted values have their canonical types.
func FuzzParseFile(f *testing.F) {
	f.Add(ExampleTOML())
	for _, name := range []string{"upstream-looper.toml", "mistakes.toml", "verified-voting.toml", "upstream-nested-agents.toml"} {
		data, err := os.ReadFile(filepath.Join("..", "testdata", "configs", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("[agents.x]\nenv = [\"A=1\"]\nargs = \"a,b\"\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		l := parseFile(Source{Kind: SourceProjectFile, Name: "f.toml"}, data)
		for _, p := range l.problems {
			if p.Source.Line <= 0 {
				t.Errorf("problem without a line: %s", p)
			}
		}
		c := Defaults()
		for _, a := range l.assigns {
			if a.setting != nil {
				a.setting.set(c, a.value) // panics on a non-canonical type
			}
		}
	})
}

// FuzzEnvText feeds arbitrary text to every setting's environment parser:
// it must not panic, and an accepted value must print as a TOML literal
// that a file accepts back as the same value.
func FuzzEnvText(f *testing.F) {
	for _, s := range []string{"", "0", "1", "yes", "off", "-3", "30m", "0s", "a, b,,c", "priority", "9999999999999", "1h30m", "\"quoted\"\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		for _, s := range settings {
			v, err := s.parseText(text)
			if err != nil {
				continue
			}
			lit := formatTOML(displayValue(s, v))
			var raw map[string]any
			if _, err := toml.Decode("x = "+lit, &raw); err != nil {
				t.Fatalf("%s: %q printed as %s, which is not TOML: %v", s.key, text, lit, err)
			}
			back, err := s.convert(raw["x"])
			if err != nil {
				t.Fatalf("%s: %q printed as %s, which a file rejects: %v", s.key, text, lit, err)
			}
			if !cmp.Equal(back, v) {
				t.Fatalf("%s: %q read as %#v, printed as %s, read back as %#v", s.key, text, v, lit, back)
			}
		}
	})
}
