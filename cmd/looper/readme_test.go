package main

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// readmeBlocks returns the code blocks in lang (```sh, ```go) of the
// README.md section under heading ("## Quick start"), each as its lines.
// The section ends at the next heading of any level.
func readmeBlocks(t *testing.T, heading, lang string) [][]string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	var blocks [][]string
	in, block := false, false
	sc := bufio.NewScanner(strings.NewReader(string(data)))
	for sc.Scan() {
		line := sc.Text()
		switch {
		case !block && strings.HasPrefix(line, "#"):
			in = line == heading
		case !in:
		case strings.HasPrefix(line, "```"):
			block = !block && strings.TrimPrefix(line, "```") == lang
			if block {
				blocks = append(blocks, nil)
			}
		case block:
			blocks[len(blocks)-1] = append(blocks[len(blocks)-1], line)
		}
	}
	return blocks
}

// quickStart returns the commands of README.md's Quick start section, in
// order: every line of its ```sh blocks with the trailing comment cut off.
func quickStart(t *testing.T) []string {
	t.Helper()
	var cmds []string
	for _, block := range readmeBlocks(t, "## Quick start", "sh") {
		for _, line := range block {
			cmd, _, _ := strings.Cut(line, " #")
			if cmd = strings.TrimSpace(cmd); cmd != "" {
				cmds = append(cmds, cmd)
			}
		}
	}
	return cmds
}

// TestReadmeQuickStart runs README.md's Quick start as a newcomer would:
// every command it shows, in order, in a fresh git repository standing
// for "my-project", with no API key (looper's fake agent is what the
// quick start tries first, and the claude on PATH is the fake too), and
// $EDITOR a no-op. Every command must succeed.
func TestReadmeQuickStart(t *testing.T) {
	cmds := quickStart(t)
	if len(cmds) < 5 || cmds[0] != "cd my-project" {
		t.Fatalf("README.md's Quick start has %d commands and starts %q; want it to start with cd my-project", len(cmds), cmds)
	}
	var script strings.Builder
	script.WriteString(`# Generated from README.md's Quick start by TestReadmeQuickStart.
env EDITOR=true
env ANTHROPIC_API_KEY=
mkdir my-project
exec git -C my-project init -q -b main
exec git -C my-project config user.name newcomer
exec git -C my-project config user.email newcomer@example.invalid
exec git -C my-project config commit.gpgsign false
cp project-readme my-project/README.md
exec git -C my-project add README.md
exec git -C my-project commit -q -m 'my project'
`)
	for _, c := range cmds {
		if dir, ok := strings.CutPrefix(c, "cd "); ok {
			fmt.Fprintf(&script, "cd %s\n", dir)
			continue
		}
		fmt.Fprintf(&script, "exec sh -c '%s'\n", strings.ReplaceAll(c, "'", "''"))
	}
	script.WriteString("-- project-readme --\n# my project\n")
	runGeneratedScript(t, "quickstart", script.String())
}

// runGeneratedScript runs one testscript script written by a test (from
// README.md), with looper, the fake claude and codex on PATH as in
// TestScript.
func runGeneratedScript(t *testing.T, name, script string) {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, name+".txtar"), []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	testscript.Run(t, testscript.Params{
		Dir:                 dir,
		RequireExplicitExec: true,
		Cmds:                scriptCmds,
		Setup:               scriptSetup,
		Condition:           scriptCondition,
	})
}
