package config

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// kind is the type of a setting's value. Values travel as string, int,
// bool, time.Duration, []string or map[string]string.
type kind uint8

const (
	kindString   kind = iota // string, optionally restricted to enum
	kindInt                  // int ≥ spec.min
	kindBool                 // bool
	kindDuration             // time.Duration written as "30m"
	kindList                 // []string; with spec.comma a "a,b" string is split
	kindEnv                  // []string of KEY=VALUE from a table or an array
	kindMap                  // map[string]string from a table
	kindFloat                // float64 ≥ 0, written as 1.25 or 10
)

// spec says what values a key accepts.
type spec struct {
	kind      kind
	enum      []string // allowed strings; nil = any
	min       int      // ints: smallest allowed; durations: 1 = must be positive
	comma     bool     // lists: accept one string of comma-separated items
	name      bool     // strings and lists: agent names, trimmed and lower-cased
	zeroIsOne bool     // ints: 0 is read as 1 (upstream wrote 0 for "unset")
}

// want describes the accepted values for error messages.
func (s spec) want() string {
	switch s.kind {
	case kindString:
		if s.enum != nil {
			return "one of " + quoteList(s.enum)
		}
		return "a string"
	case kindInt:
		if s.zeroIsOne {
			return "a whole number ≥ 1 (0 is read as 1)"
		}
		return fmt.Sprintf("a whole number ≥ %d", s.min)
	case kindBool:
		return "true or false"
	case kindDuration:
		if s.min > 0 {
			return `a positive duration such as "30m" or "1h30m"`
		}
		return `a duration such as "30m", or "0" for off`
	case kindList:
		if s.comma {
			return `an array of strings, or one comma-separated string`
		}
		return "an array of strings"
	case kindEnv:
		return `a table of strings ({ NAME = "value" }) or an array of "NAME=value" strings`
	case kindMap:
		return "a table of strings"
	case kindFloat:
		return "a number ≥ 0"
	}
	panic(fmt.Sprintf("config: unknown kind %d", s.kind))
}

func quoteList(vs []string) string {
	q := make([]string, len(vs))
	for i, v := range vs {
		q[i] = strconv.Quote(v)
	}
	return strings.Join(q, ", ")
}

// valueError is a conversion failure; the caller adds the location. sub
// names the entry of a table value at fault, so that the error can point at
// its line.
type valueError struct{ msg, sub string }

func (e *valueError) Error() string { return e.msg }

func (s spec) bad(got any) error {
	return &valueError{msg: fmt.Sprintf("got %s; want %s", describe(got), s.want())}
}

// describe renders a decoded value in an error message.
func describe(v any) string {
	switch v := v.(type) {
	case string:
		return strconv.Quote(v)
	case map[string]any:
		return "a table"
	case []any, []map[string]any:
		return "an array"
	case nil:
		return "nothing"
	case int64, int, bool, float64:
		return fmt.Sprint(v)
	default:
		return fmt.Sprintf("%v (%T)", v, v)
	}
}

// convert checks a decoded value (from TOML, or typed from a flag) against
// the spec and returns it in its canonical Go type.
func (s spec) convert(v any) (any, error) {
	switch s.kind {
	case kindString:
		str, ok := v.(string)
		if !ok {
			return nil, s.bad(v)
		}
		return s.checkString(str)
	case kindInt:
		var n int64
		switch x := v.(type) {
		case int64:
			n = x
		case int:
			n = int64(x)
		default:
			return nil, s.bad(v)
		}
		return s.checkInt(n)
	case kindBool:
		b, ok := v.(bool)
		if !ok {
			return nil, s.bad(v)
		}
		return b, nil
	case kindDuration:
		str, ok := v.(string)
		if !ok {
			return nil, s.bad(v)
		}
		return s.parseDuration(str)
	case kindList:
		switch x := v.(type) {
		case string:
			if !s.comma {
				return nil, s.bad(v)
			}
			return s.checkList(splitComma(x))
		case []string:
			return s.checkList(slices.Clone(x))
		case []any:
			out := make([]string, 0, len(x))
			for _, e := range x {
				str, ok := e.(string)
				if !ok {
					return nil, &valueError{msg: fmt.Sprintf("element %s is not a string; want %s", describe(e), s.want())}
				}
				out = append(out, str)
			}
			return s.checkList(out)
		}
		return nil, s.bad(v)
	case kindEnv:
		switch x := v.(type) {
		case map[string]any:
			out := make([]string, 0, len(x))
			for _, k := range slices.Sorted(maps.Keys(x)) {
				str, ok := x[k].(string)
				if !ok {
					return nil, &valueError{msg: fmt.Sprintf("%s = %s is not a string; want %s", k, describe(x[k]), s.want()), sub: k}
				}
				if err := checkEnvName(k); err != nil {
					return nil, err
				}
				out = append(out, k+"="+str)
			}
			return out, nil
		case []any:
			out := make([]string, 0, len(x))
			for _, e := range x {
				str, ok := e.(string)
				if !ok {
					return nil, &valueError{msg: fmt.Sprintf("element %s is not a string; want %s", describe(e), s.want())}
				}
				k, _, found := strings.Cut(str, "=")
				if !found {
					return nil, &valueError{msg: fmt.Sprintf("element %q has no \"=\"; want %s", str, s.want())}
				}
				if err := checkEnvName(k); err != nil {
					return nil, err
				}
				out = append(out, str)
			}
			slices.SortStableFunc(out, func(a, b string) int { return strings.Compare(envName(a), envName(b)) })
			return out, nil
		}
		return nil, s.bad(v)
	case kindMap:
		x, ok := v.(map[string]any)
		if !ok {
			if m, ok := v.(map[string]string); ok {
				return maps.Clone(m), nil
			}
			return nil, s.bad(v)
		}
		out := make(map[string]string, len(x))
		for k, e := range x {
			str, ok := e.(string)
			if !ok {
				return nil, &valueError{msg: fmt.Sprintf("%s = %s is not a string; want %s", k, describe(e), s.want()), sub: k}
			}
			out[k] = str
		}
		return out, nil
	case kindFloat:
		var f float64
		switch x := v.(type) {
		case float64:
			f = x
		case int64:
			f = float64(x)
		case int:
			f = float64(x)
		default:
			return nil, s.bad(v)
		}
		if f < 0 || math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, s.bad(v)
		}
		return f, nil
	}
	panic(fmt.Sprintf("config: unknown kind %d", s.kind))
}

// parseText converts the text of an environment variable: booleans accept
// 1/true/yes/on and 0/false/no/off, lists split on commas, tables are not
// settable from text.
func (s spec) parseText(text string) (any, error) {
	switch s.kind {
	case kindString:
		return s.checkString(text)
	case kindInt:
		n, err := strconv.ParseInt(strings.TrimSpace(text), 10, 64)
		if err != nil {
			return nil, s.bad(text)
		}
		return s.checkInt(n)
	case kindBool:
		switch strings.ToLower(strings.TrimSpace(text)) {
		case "1", "true", "yes", "on":
			return true, nil
		case "0", "false", "no", "off":
			return false, nil
		}
		return nil, &valueError{msg: fmt.Sprintf("got %q; want one of 1, true, yes, on, 0, false, no, off", text)}
	case kindDuration:
		return s.parseDuration(text)
	case kindList:
		return s.checkList(splitComma(text))
	case kindFloat:
		f, err := strconv.ParseFloat(strings.TrimSpace(text), 64)
		if err != nil {
			return nil, s.bad(text)
		}
		return s.convert(f)
	}
	return nil, &valueError{msg: "cannot be set from text; set it in a config file"}
}

func (s spec) checkString(str string) (any, error) {
	if !utf8.ValidString(str) {
		return nil, &valueError{msg: fmt.Sprintf("%q is not valid UTF-8; config values are text", str)}
	}
	if s.name {
		str = strings.ToLower(strings.TrimSpace(str))
	}
	if s.enum != nil && !slices.Contains(s.enum, str) {
		return nil, s.bad(str)
	}
	return str, nil
}

func (s spec) checkInt(n int64) (any, error) {
	if s.zeroIsOne && n == 0 {
		return 1, nil
	}
	if n < int64(s.min) || n > 1<<31-1 {
		return nil, s.bad(n)
	}
	return int(n), nil
}

func (s spec) checkList(items []string) (any, error) {
	for _, it := range items {
		if !utf8.ValidString(it) {
			return nil, &valueError{msg: fmt.Sprintf("%q is not valid UTF-8; config values are text", it)}
		}
	}
	if s.name {
		for i, it := range items {
			items[i] = strings.ToLower(strings.TrimSpace(it))
		}
	}
	if s.enum != nil {
		for _, it := range items {
			if !slices.Contains(s.enum, it) {
				return nil, s.bad(it)
			}
		}
	}
	return items, nil
}

func (s spec) parseDuration(str string) (any, error) {
	str = strings.TrimSpace(str)
	if str == "0" {
		if s.min > 0 {
			return nil, s.bad(str)
		}
		return time.Duration(0), nil
	}
	d, err := time.ParseDuration(str)
	if err != nil || d < 0 || (s.min > 0 && d == 0) {
		return nil, s.bad(str)
	}
	return d, nil
}

// splitComma splits an upstream comma-separated argument list, trimming
// each item and dropping empty ones.
func splitComma(s string) []string {
	out := []string{}
	for part := range strings.SplitSeq(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

func envName(kv string) string {
	k, _, _ := strings.Cut(kv, "=")
	return k
}

func checkEnvName(k string) error {
	if k == "" || strings.ContainsAny(k, "= \t\n\x00") {
		return &valueError{msg: fmt.Sprintf("%q is not a valid environment variable name", k)}
	}
	return nil
}
