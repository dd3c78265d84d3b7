package worktree

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// IncludeFile is the file, at the repository root, that names the untracked
// files each attempt worktree gets from the main tree: `.env`, a
// dependency directory. Its syntax is .gitignore's, one pattern a line;
// a pattern that ends in " (symlink)" is linked instead of copied.
const IncludeFile = ".worktreeinclude"

// symlinkMarker ends a pattern whose matches are symlinked into each
// worktree instead of copied.
const symlinkMarker = "(symlink)"

// Include is a parsed .worktreeinclude: gitignore patterns naming untracked
// files and directories to provision in each attempt worktree, each copied
// or symlinked. The zero value (and nil) includes nothing.
type Include struct {
	// Path is the file the patterns came from, for messages.
	Path     string
	patterns []includePattern
}

// includePattern is one line of the file.
type includePattern struct {
	line     int
	text     string   // the pattern as written, without the marker
	negate   bool     // "!pattern": excludes what earlier patterns included
	dirOnly  bool     // "pattern/": matches directories only
	anchored bool     // has a "/" before its end: matched from the root
	segs     []string // the pattern split at "/", escapes kept
	symlink  bool     // "pattern (symlink)"
}

// LoadInclude reads root's .worktreeinclude; a missing file includes
// nothing (nil, nil).
func LoadInclude(root string) (*Include, error) {
	path := filepath.Join(root, IncludeFile)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return ParseInclude(path, data)
}

// ParseInclude parses patterns in .gitignore syntax: blank lines and lines
// starting with "#" are skipped, "!" negates, a trailing "/" matches only
// directories, a "/" at the start or in the middle anchors the pattern to
// the root (otherwise it matches at any depth), "*", "?", "[...]" and "**"
// are wildcards, and "\" escapes the next character (trailing spaces are
// dropped unless escaped). A pattern followed by " (symlink)" symlinks what
// it matches instead of copying it. Patterns that could reach outside the
// repository, into .git or into looper's worktrees are errors, with the
// line.
func ParseInclude(path string, data []byte) (*Include, error) {
	inc := &Include{Path: path}
	for i, raw := range strings.Split(string(data), "\n") {
		p, ok, err := parseIncludeLine(raw)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, i+1, err)
		}
		if ok {
			p.line = i + 1
			inc.patterns = append(inc.patterns, p)
		}
	}
	return inc, nil
}

// parseIncludeLine parses one line; ok is false for blank and comment lines.
func parseIncludeLine(raw string) (p includePattern, ok bool, err error) {
	s := strings.TrimSuffix(raw, "\r")
	if strings.HasPrefix(s, "#") {
		return p, false, nil
	}
	s = trimTrailingSpace(s)
	if rest, found := strings.CutSuffix(s, symlinkMarker); found && (rest == "" || rest[len(rest)-1] == ' ' || rest[len(rest)-1] == '\t') {
		p.symlink = true
		s = trimTrailingSpace(rest)
		if s == "" {
			return p, false, errors.New(`"(symlink)" follows a pattern, as in "node_modules/ (symlink)"`)
		}
	}
	if s == "" {
		return p, false, nil
	}
	if strings.HasPrefix(s, "!") {
		p.negate = true
		s = s[1:]
	}
	if strings.HasSuffix(s, "/") && !strings.HasSuffix(s, `\/`) {
		p.dirOnly = true
		s = strings.TrimRight(s, "/")
	}
	if s == "" {
		return p, false, errors.New("a pattern needs a name, not only \"/\" or \"!\"")
	}
	if strings.ContainsRune(s, 0) {
		return p, false, errors.New("a pattern cannot hold a NUL byte")
	}
	if strings.HasSuffix(s, `\`) && !strings.HasSuffix(s, `\\`) {
		return p, false, fmt.Errorf("%q ends in a lone backslash", s)
	}
	p.anchored = strings.Contains(s, "/")
	s = strings.TrimPrefix(s, "/")
	p.text = s
	p.segs = strings.Split(s, "/")
	for _, seg := range p.segs {
		switch seg {
		case "..", ".":
			return p, false, fmt.Errorf("%q: patterns name paths inside the repository; %q is not allowed", s, seg)
		case "":
			return p, false, fmt.Errorf("%q has an empty path component", s)
		}
	}
	if first := unescape(p.segs[0]); p.anchored && (first == ".git" || (first == ".looper" && len(p.segs) > 1 && unescape(p.segs[1]) == "worktrees")) {
		return p, false, fmt.Errorf("%q: .git and %s are never provisioned into a worktree", s, worktreesDir)
	}
	return p, true, nil
}

// trimTrailingSpace drops trailing spaces and tabs that no backslash escapes.
func trimTrailingSpace(s string) string {
	for len(s) > 0 && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t') {
		if n := len(s) - 1; n > 0 && s[n-1] == '\\' && !escaped(s, n-1) {
			return s
		}
		s = s[:len(s)-1]
	}
	return s
}

// escaped reports whether the byte at i is preceded by an odd number of
// backslashes.
func escaped(s string, i int) bool {
	n := 0
	for j := i - 1; j >= 0 && s[j] == '\\'; j-- {
		n++
	}
	return n%2 == 1
}

// unescape drops the backslashes of a literal segment.
func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// Empty reports whether there is nothing to include.
func (inc *Include) Empty() bool { return inc == nil || len(inc.patterns) == 0 }

// Match decides a path (slash-separated, relative to the root; isDir says
// whether it is a directory) by the last pattern that matches it, as git
// decides what is ignored: included reports a match, symlink whether that
// pattern links. A path inside a matched directory is decided by the
// directory, as git never looks inside an ignored one.
func (inc *Include) Match(path string, isDir bool) (included, symlink bool) {
	if inc.Empty() {
		return false, false
	}
	parts := strings.Split(path, "/")
	for i := 1; i < len(parts); i++ {
		if in, link := inc.matchOne(parts[:i], true); in {
			return true, link
		}
	}
	return inc.matchOne(parts, isDir)
}

// matchOne decides one path by its own patterns, ignoring its parents.
func (inc *Include) matchOne(parts []string, isDir bool) (included, symlink bool) {
	for i := len(inc.patterns) - 1; i >= 0; i-- {
		p := &inc.patterns[i]
		if p.dirOnly && !isDir {
			continue
		}
		if p.matches(parts) {
			return !p.negate, !p.negate && p.symlink
		}
	}
	return false, false
}

// matches reports whether the pattern matches the path's components.
func (p *includePattern) matches(parts []string) bool {
	if !p.anchored {
		return wildmatch(p.segs[0], parts[len(parts)-1])
	}
	return matchSegs(p.segs, parts)
}

// matchSegs matches pattern segments against path components, "**"
// standing for any number of components (zero included).
func matchSegs(segs, parts []string) bool {
	for len(segs) > 0 {
		if segs[0] == "**" {
			rest := segs[1:]
			if len(rest) == 0 {
				return len(parts) > 0 // "a/**" matches what is inside a, not a
			}
			for i := 0; i <= len(parts); i++ {
				if matchSegs(rest, parts[i:]) {
					return true
				}
			}
			return false
		}
		if len(parts) == 0 || !wildmatch(segs[0], parts[0]) {
			return false
		}
		segs, parts = segs[1:], parts[1:]
	}
	return len(parts) == 0
}

// couldMatchInside reports whether a pattern may match something inside
// the directory dir (components), so that a walk need not look into
// directories no pattern reaches.
func (inc *Include) couldMatchInside(dir []string) bool {
	for i := range inc.patterns {
		p := &inc.patterns[i]
		if p.negate {
			continue
		}
		if !p.anchored {
			return true
		}
		if prefixMatch(p.segs, dir) {
			return true
		}
	}
	return false
}

// prefixMatch reports whether the pattern's segments could match a path
// that starts with dir and goes deeper.
func prefixMatch(segs, dir []string) bool {
	for _, part := range dir {
		if len(segs) == 0 {
			return false
		}
		if segs[0] == "**" {
			return true
		}
		if !wildmatch(segs[0], part) {
			return false
		}
		segs = segs[1:]
	}
	return len(segs) > 0
}

// wildmatch matches one path component against one pattern segment: "*"
// any run of characters, "?" one character, "[...]" a class ("!" or "^"
// negates it, "a-z" ranges), "\" escapes, and "**" within a segment is "*".
func wildmatch(pat, name string) bool {
	for len(pat) > 0 {
		switch pat[0] {
		case '*':
			for len(pat) > 0 && pat[0] == '*' {
				pat = pat[1:]
			}
			if len(pat) == 0 {
				return true
			}
			for i := 0; i <= len(name); i++ {
				if wildmatch(pat, name[i:]) {
					return true
				}
			}
			return false
		case '?':
			if len(name) == 0 {
				return false
			}
			_, size := decodeRune(name)
			pat, name = pat[1:], name[size:]
		case '[':
			if len(name) == 0 {
				return false
			}
			r, size := decodeRune(name)
			ok, rest, valid := matchClass(pat, r)
			if !valid { // no closing "]": a literal "["
				if name[0] != '[' {
					return false
				}
				pat, name = pat[1:], name[1:]
				continue
			}
			if !ok {
				return false
			}
			pat, name = rest, name[size:]
		case '\\':
			if len(pat) > 1 {
				pat = pat[1:]
			}
			fallthrough
		default:
			if len(name) == 0 || name[0] != pat[0] {
				return false
			}
			pat, name = pat[1:], name[1:]
		}
	}
	return len(name) == 0
}
