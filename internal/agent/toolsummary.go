package agent

import (
	"encoding/json"
	"strings"
	"unicode/utf8"
)

// toolSummary renders a tool call's input compactly: the command, path,
// pattern or query when there is one, else the JSON on one line.
func toolSummary(input json.RawMessage) string {
	t := jsonTape{nodes: make([]jsonNode, 0, 16)}
	if t.scan(input) {
		var vals [len(summaryKeys)][]byte
		if t.complete {
			t.members(0, func(m jsonMember) {
				key := m.key
				if !m.plain {
					s, _ := unquote(m.key)
					key = []byte(s)
				}
				for i, k := range summaryKeys {
					if string(key) == k {
						vals[i] = m.val // the last duplicate wins, as in a map
					}
				}
			})
		} else {
			var m map[string]json.RawMessage // too many values for a tape
			_ = json.Unmarshal(input, &m)
			for i, k := range summaryKeys {
				vals[i] = m[k]
			}
		}
		for _, v := range vals {
			if s := jsonString(v); s != "" {
				return clip(oneLine(s), 200)
			}
		}
	}
	return compactJSON(input, 200)
}

// summaryKeys are the tool input fields that say best what a call does,
// the most telling first.
var summaryKeys = [...]string{"command", "file_path", "notebook_path", "path", "pattern", "url", "query", "description", "prompt"}

// oneLine collapses every run of white space in s to one space and trims
// it, as joining its fields would, allocating only when it changes s.
func oneLine(s string) string {
	for i := 0; i < len(s); i++ {
		c := s[i]
		// unicode.IsSpace knows more spaces than ASCII's: leave those to
		// strings.Fields.
		if c >= utf8.RuneSelf || (asciiSpace[c] && (c != ' ' || i == 0 || i == len(s)-1 || s[i+1] == ' ')) {
			return strings.Join(strings.Fields(s), " ")
		}
	}
	return s
}

var asciiSpace = [utf8.RuneSelf]bool{'\t': true, '\n': true, '\v': true, '\f': true, '\r': true, ' ': true}
