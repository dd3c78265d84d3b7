package config

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
)

func TestKeyLines(t *testing.T) {
	doc := `# comment [not.a.table]
top = 1
"quoted key" = 'x'
dotted . key = """
multi = "line"
[fake]
"""
after = [
  1, # comment
  [2, 3],
  { inner = 4 },
]
lit = '''
x = 1'''

[ tab . "sub" ]
k = { a = 1, b.c = "}" }
esc = "a\"b"

[[arr]]
v = 1
[[arr]]
w = 2
`
	got := keyLines([]byte(doc))
	for key, line := range map[string]string{
		"top": "2", "quoted key": "3", "dotted": "4", "dotted\x00key": "4", "after": "8", "after\x00inner": "11",
		"lit": "13", "tab": "16", "tab\x00sub": "16", "tab\x00sub\x00k": "17", "tab\x00sub\x00k\x00a": "17",
		"tab\x00sub\x00k\x00b\x00c": "17", "tab\x00sub\x00esc": "18", "arr": "20", "arr\x00v": "21", "arr\x00w": "23",
	} {
		if l, ok := got[key]; !ok || strconv.Itoa(l) != line {
			t.Errorf("line of %q = %d (found %v), want %s", strings.ReplaceAll(key, "\x00", "."), l, ok, line)
		}
	}
	for _, k := range []string{"multi", "fake", "x", "not"} {
		if _, ok := got[k]; ok {
			t.Errorf("%q inside a string or comment was taken for a key", k)
		}
	}
}

// FuzzKeyLines checks the scanner against BurntSushi/toml: for every input
// the decoder accepts, each key it reports has a line, and that line holds
// the key's last segment when that segment is a bare key.
func FuzzKeyLines(f *testing.F) {
	f.Add(ExampleTOML())
	entries, _ := os.ReadDir(filepath.Join("..", "testdata", "configs"))
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join("..", "testdata", "configs", e.Name()))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("a = \"\"\"\\\"\"\"\"\nb = 1\n"))
	f.Add([]byte("x = [[1], {y = 2}]\n[[t]]\n[[t.u]]\nz = 3\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		lines := keyLines(data) // must terminate and not panic on anything
		var raw map[string]any
		md, err := toml.Decode(string(data), &raw)
		if err != nil {
			return
		}
		text := strings.Split(string(data), "\n")
		for _, k := range md.Keys() {
			l, ok := lines[joinPath(k)]
			if !ok {
				t.Fatalf("key %q not located in:\n%s", k.String(), data)
			}
			last := k[len(k)-1]
			if l < 1 || l > len(text) {
				t.Fatalf("key %q at line %d of %d", k.String(), l, len(text))
			}
			bare := last != ""
			for i := 0; i < len(last); i++ {
				bare = bare && isBare(last[i])
			}
			if bare && !strings.Contains(text[l-1], last) {
				t.Fatalf("key %q placed on line %d %q", k.String(), l, text[l-1])
			}
		}
	})
}

func BenchmarkKeyLines(b *testing.B) {
	data := ExampleTOML()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		keyLines(data)
	}
}
