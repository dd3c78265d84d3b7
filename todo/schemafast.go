package todo

import (
	"encoding/json"
	"time"
	"unicode/utf8"
)

// The bundled schema is small and fixed, and validating a large backlog
// against it with a general JSON Schema validator is most of the time a
// start takes (about 6 µs a task). Almost every file looper reads is
// valid, so the functions here recognise the plainly valid shapes in Go,
// and only what they do not recognise goes to the full validator, which
// then words the problems. They may refuse a valid value (the full
// validator decides it then), never accept an invalid one:
// FuzzFastSchemaCheck holds them to that against the compiled schema.

// plainlyValidFile reports whether the decoded task file (from decodeTree)
// is certainly valid against the bundled schema, tasks included.
func plainlyValidFile(doc any) bool {
	root, ok := doc.(map[string]any)
	if !ok || !plainlyValidShell(root) {
		return false
	}
	tasks, _ := root["tasks"].([]any)
	for _, t := range tasks {
		if !plainlyValidTask(t) {
			return false
		}
	}
	return true
}

// plainlyValidShell checks the file's top level; the tasks only for being
// an array.
func plainlyValidShell(root map[string]any) bool {
	for _, k := range [...]string{"schema_version", "source_files", "tasks"} {
		if _, ok := root[k]; !ok {
			return false
		}
	}
	for k, v := range root {
		switch k {
		case "schema_version":
			if n, ok := v.(json.Number); !ok || n != "1" {
				return false
			}
		case "project":
			p, ok := v.(map[string]any)
			if !ok {
				return false
			}
			for pk, pv := range p {
				if pk != "name" && pk != "root" || !isString(pv) {
					return false
				}
			}
		case "source_files":
			if v != nil && !isStringArray(v) {
				return false
			}
		case "tasks":
			if _, ok := v.([]any); !ok {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// plainlyValidTask checks one task against the schema's task definition.
func plainlyValidTask(v any) bool {
	t, ok := v.(map[string]any)
	if !ok {
		return false
	}
	for _, k := range [...]string{"id", "title", "priority", "status"} {
		if _, ok := t[k]; !ok {
			return false
		}
	}
	for k, v := range t {
		switch k {
		case "id", "description", "reference", "details":
			if !isString(v) {
				return false
			}
		case "title":
			if s, ok := v.(string); !ok || s == "" {
				return false
			}
		case "priority":
			// Only the plain spellings; 1.0 or 1e0 go to the validator.
			if n, ok := v.(json.Number); !ok || len(n) != 1 || n[0] < '1' || n[0] > '5' {
				return false
			}
		case "status":
			switch v {
			case "todo", "doing", "blocked", "done":
			default:
				return false
			}
		case "steps", "blockers", "tags", "files", "depends_on":
			if !isStringArray(v) {
				return false
			}
		case "created_at", "updated_at":
			if !plainDateTime(v) {
				return false
			}
		default:
			return false
		}
	}
	return true
}

func isString(v any) bool {
	_, ok := v.(string)
	return ok
}

func isStringArray(v any) bool {
	a, ok := v.([]any)
	if !ok {
		return false
	}
	for _, e := range a {
		if !isString(e) {
			return false
		}
	}
	return true
}

// plainDateTime accepts the RFC 3339 date-times Go's parser accepts in the
// shape looper and upstream write: digits in place, an upper-case T and Z,
// seconds below 60 (a leap second goes to the validator).
func plainDateTime(v any) bool {
	s, ok := v.(string)
	if !ok || len(s) < len("2006-01-02T15:04:05Z") || !utf8.ValidString(s) {
		return false
	}
	for i, c := range []byte(s[:19]) {
		switch i {
		case 4, 7:
			if c != '-' {
				return false
			}
		case 10:
			if c != 'T' {
				return false
			}
		case 13, 16:
			if c != ':' {
				return false
			}
		default:
			if c < '0' || c > '9' {
				return false
			}
		}
	}
	rest := s[19:]
	if len(rest) > 0 && rest[0] == '.' {
		i := 1
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			i++
		}
		if i == 1 {
			return false
		}
		rest = rest[i:]
	}
	switch {
	case rest == "Z":
	case len(rest) == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':' &&
		isDigits(rest[1:3]) && isDigits(rest[4:6]) && rest[1:3] <= "23" && rest[4:6] <= "59":
	default:
		return false
	}
	_, err := time.Parse(time.RFC3339Nano, s)
	return err == nil
}

func isDigits(s string) bool {
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
