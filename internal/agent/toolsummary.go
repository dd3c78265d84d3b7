package agent

import (
	"encoding/json"
	"strings"
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

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
