package agent

import (
	"fmt"
	"regexp"
	"strconv"
)

// The CLI versions the conformance suite ran looper against
// (conformance/install-agents.sh installs the same). Stream formats change
// without notice between releases (codex 0.144 changed its exec --json
// events), so preflight warns about a version outside the tested range.
const (
	TestedClaudeVersion = "2.1.328"
	TestedCodexVersion  = "0.169.0"
)

// Version is a CLI's major.minor.patch version, as its --version prints
// it ("2.1.328 (Claude Code)", "codex-cli 0.169.0").
type Version struct {
	Major, Minor, Patch int
}

var versionRE = regexp.MustCompile(`(\d+)\.(\d+)\.(\d+)`)

// ParseVersion finds the first major.minor.patch number in s; ok is false
// when there is none.
func ParseVersion(s string) (v Version, ok bool) {
	m := versionRE.FindStringSubmatch(s)
	if m == nil {
		return Version{}, false
	}
	n := func(s string) int {
		i, err := strconv.Atoi(s)
		if err != nil {
			return -1 // too many digits: compares as different from anything tested
		}
		return i
	}
	return Version{Major: n(m[1]), Minor: n(m[2]), Patch: n(m[3])}, true
}

// String returns v as "major.minor.patch".
func (v Version) String() string { return fmt.Sprintf("%d.%d.%d", v.Major, v.Minor, v.Patch) }

// testedVersion returns the version the conformance suite ran for d's CLI;
// generic agents have none.
func testedVersion(d Dialect) (Version, bool) {
	switch d {
	case DialectClaude:
		return ParseVersion(TestedClaudeVersion)
	case DialectCodex:
		return ParseVersion(TestedCodexVersion)
	}
	return Version{}, false
}

// inTestedRange reports whether v is in the same major.minor line as the
// tested version t: patch releases keep their stream format, a new minor
// may not.
func inTestedRange(v, t Version) bool {
	return v.Major == t.Major && v.Minor == t.Minor
}
