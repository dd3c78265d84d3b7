package worktree

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func mustInclude(t testing.TB, text string) *Include {
	t.Helper()
	inc, err := ParseInclude(IncludeFile, []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	return inc
}

func TestIncludeMatchesAsGitignoreDoes(t *testing.T) {
	inc := mustInclude(t, `# secrets
.env
.env.*
!.env.example
/config/*.local
node_modules/ (symlink)
build/**/cache
docs/**
\#notes
trailing\ 
`)
	for _, c := range []struct {
		path     string
		dir      bool
		in, link bool
	}{
		{".env", false, true, false},
		{"services/api/.env", false, true, false},
		{".env.production", false, true, false},
		{".env.example", false, false, false},
		{"config/app.local", false, true, false},
		{"sub/config/app.local", false, false, false},
		{"config/deep/app.local", false, false, false},
		{"node_modules", true, true, true},
		{"node_modules", false, false, false}, // a file named node_modules: dir-only pattern
		{"web/node_modules", true, true, true},
		{"web/node_modules/react/index.js", false, true, true}, // decided by its directory
		{"build/cache", false, true, false},
		{"build/x/y/cache", false, true, false},
		{"docs", true, false, false},
		{"docs/a/b.md", false, true, false},
		{"#notes", false, true, false},
		{"trailing ", false, true, false},
		{"README.md", false, false, false},
	} {
		in, link := inc.Match(c.path, c.dir)
		if in != c.in || link != c.link {
			t.Errorf("Match(%q, dir=%v) = %v, %v; want %v, %v", c.path, c.dir, in, link, c.in, c.link)
		}
	}
}

func TestIncludeRejectsPatternsOutsideTheRepository(t *testing.T) {
	for _, text := range []string{"../secrets", "a/../../b", "/.git/config", ".looper/worktrees/x", "(symlink)", "!", "/", "a//b", `bad\`} {
		_, err := ParseInclude(IncludeFile, []byte("ok\n"+text+"\n"))
		if err == nil || !strings.HasPrefix(err.Error(), IncludeFile+":2: ") {
			t.Errorf("%q: error %v, want one at line 2", text, err)
		}
	}
	if inc, err := LoadInclude(t.TempDir()); inc != nil || err != nil || !inc.Empty() {
		t.Errorf("no file: %v, %v", inc, err)
	}
}

// gitIgnored lists the files of tree that git ignores with patterns as
// its only exclude file: the reference the matcher must agree with.
func gitIgnored(t testing.TB, dir, patterns string) []string {
	t.Helper()
	pf := filepath.Join(dir, ".git", "patterns")
	if err := os.WriteFile(pf, []byte(patterns), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(context.Background(), "git", "ls-files", "-z", "--others", "--ignored", "--exclude-from="+pf)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("git ls-files: %v", err)
	}
	return splitNUL(out)
}

// ours lists the files of files that inc includes.
func ours(inc *Include, files []string) []string {
	var out []string
	for _, f := range files {
		if in, _ := inc.Match(f, false); in {
			out = append(out, f)
		}
	}
	return out
}

func gitTree(t testing.TB, files []string) string {
	t.Helper()
	dir := t.TempDir()
	cmd := exec.Command("git", "init", "-q", dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git init: %v\n%s", err, out)
	}
	for _, f := range files {
		p := filepath.Join(dir, filepath.FromSlash(f))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestIncludeAgreesWithGit checks the matcher against git itself on a
// tree of files and many pattern sets.
func TestIncludeAgreesWithGit(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git")
	}
	files := []string{".env", ".env.local", ".env.example", "a/.env", "a/b/c.txt", "a/b/d.log", "b/a/c.txt",
		"config/x.local", "config/deep/y.local", "node_modules/r/i.js", "web/node_modules/p.js", "docs/a.md",
		"docs/sub/b.md", "x[1].txt", "x1.txt", "foo", "foo.bar/baz", "build/cache/z", "build/q/cache/w", "#hash", "!bang", "sp ace"}
	dir := gitTree(t, files)
	for _, patterns := range []string{
		".env\n", ".env*\n!.env.example\n", "/config/*.local\n", "config/**/*.local\n", "node_modules/\n",
		"node_modules\n", "a/**\n", "**/c.txt\n", "a/**/c.txt\n", "*.txt\n", "x[1].txt\n", "x[!a].txt\n",
		"x\\[1\\].txt\n", "?oo\n", "docs/\n!docs/a.md\n", "docs/*\n!docs/a.md\n", "build/**/cache\n",
		"\\#hash\n\\!bang\n", "sp\\ ace\n", "*\n!*.md\n", "b/\n", "/b\n", "a/b\n", "**/a\n", "foo.bar\n", "[a-c]/**\n",
		"[^a]*\n", "*/*.txt\n", "**\n", "a/*/c.txt\n", "sp?ace\n", "[]]\n", "x[\n",
	} {
		inc := mustInclude(t, patterns)
		want := gitIgnored(t, dir, patterns)
		got := ours(inc, files)
		slices.Sort(want)
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("patterns %q: we include %q, git ignores %q", patterns, got, want)
		}
	}
}

// FuzzIncludeMatch parses any one-line pattern and checks the matcher
// against git on a path made of the fuzzer's bytes: parsing never panics,
// and what is included is exactly what git would ignore.
func FuzzIncludeMatch(f *testing.F) {
	if _, err := exec.LookPath("git"); err != nil {
		f.Skip("no git")
	}
	for _, s := range [][2]string{{".env", ".env"}, {"a/**/b", "a/x/y/b"}, {"*.lo[cg]", "d/x.log"}, {"!x", "x"}, {"[!a-c]?", "dz"},
		{"node_modules/ (symlink)", "node_modules/x"}, {`\*`, "*"}, {"**/x/", "a/x/y"}, {"a\\ ", "a "}, {"[]-]", "-"}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, pattern, path string) {
		if strings.ContainsAny(pattern, "\n\r") {
			return
		}
		inc, err := ParseInclude(IncludeFile, []byte(pattern))
		if err != nil {
			return
		}
		inc.Match(path, false) // any bytes: never panics
		parts := strings.Split(path, "/")
		if len(parts) > 4 || len(path) > 40 {
			return
		}
		for _, p := range parts {
			if p == "" || p == "." || p == ".." || p == ".git" || strings.ContainsAny(p, "\x00\\\n\r\"") || !isPrintable(p) {
				return
			}
		}
		if strings.HasPrefix(strings.TrimLeft(pattern, "!/"), ".git") {
			return
		}
		dir := gitTree(t, []string{path})
		var lines bytes.Buffer
		line := pattern
		if !inc.Empty() && inc.patterns[0].symlink {
			line = strings.TrimSuffix(trimTrailingSpace(pattern), symlinkMarker)
		}
		lines.WriteString(line)
		lines.WriteByte('\n')
		want := gitIgnored(t, dir, lines.String())
		got := ours(inc, []string{path})
		if !slices.Equal(got, want) {
			t.Errorf("pattern %q path %q: we include %q, git ignores %q", pattern, path, got, want)
		}
	})
}

func isPrintable(s string) bool {
	for _, r := range s {
		if r < 0x21 && r != ' ' || r == 0x7f || r >= 0x80 {
			return false
		}
	}
	return true
}
