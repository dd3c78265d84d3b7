package agent

import (
	"encoding/json"
	"strings"
)

// toolSummary renders a tool call's input compactly: the command, path,
// pattern or query when there is one, else the JSON on one line.
func toolSummary(input json.RawMessage) string {
	if jsonValid(input) {
		var vals [len(summaryKeys)][]byte
		jsonMembers(input, func(m jsonMember) {
			key := string(m.key)
			if !m.plain {
				key, _ = unquote(m.key)
			}
			for i, k := range summaryKeys {
				if key == k {
					vals[i] = m.val // the last duplicate wins, as in a map
				}
			}
		})
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
