package shellquote

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

func TestJoin(t *testing.T) {
	for _, tc := range []struct {
		argv []string
		want string
	}{
		{[]string{"git", "commit", "-m", "fix it"}, `git commit -m 'fix it'`},
		{[]string{"echo", ""}, `echo ''`},
		{[]string{"a=b", "x/y.z", "it's"}, `a=b x/y.z 'it'\''s'`},
		{[]string{"$HOME", "*"}, `'$HOME' '*'`},
		{nil, ""},
		{[]string{"echo", "#1", "a#b"}, `echo '#1' a#b`},
		{[]string{"go", "test", "./..."}, "go test ./..."},
		{[]string{"a=b", "x:y,z@1%"}, "a=b x:y,z@1%"},
		{[]string{"rm", "*"}, "rm '*'"},
	} {
		if got := Join(tc.argv); got != tc.want {
			t.Errorf("Join(%q) = %s, want %s", tc.argv, got, tc.want)
		}
	}
}

// FuzzJoin checks that a real shell reads Join's output back as the same
// argv.
func FuzzJoin(f *testing.F) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		f.Skip("no sh")
	}
	for _, s := range []string{"plain", "", "it's", `a"b`, "x y", "$(false)", "\\", "!*?[]", "é\t\n"} {
		f.Add(s, "second")
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		if strings.ContainsRune(a+b, 0) {
			t.Skip("argv cannot hold NUL")
		}
		argv := []string{a, b}
		script := `set -- ` + Join(argv) + `; for a in "$@"; do printf '%s\0' "$a"; done`
		out, err := exec.Command(sh, "-c", script).Output()
		if err != nil {
			t.Fatalf("sh -c %q: %v", script, err)
		}
		got := strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00")
		if !slices.Equal(got, argv) {
			t.Fatalf("sh read %q back as %q", Join(argv), got)
		}
	})
}
