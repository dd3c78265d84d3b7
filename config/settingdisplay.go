package config

import (
	"fmt"
	"slices"
	"time"
)

// Setting is one effective key for display: `looper config` prints these.
type Setting struct {
	Key    string // dotted key
	Value  any    // string, int, bool, []string or map[string]string; durations as "30m"
	Text   string // the value as a TOML literal
	Source Source // where it came from
}

// Settings returns every effective key with its value and source, in the
// order ExampleTOML documents them.
func (c *Config) Settings() []Setting {
	var out []Setting
	for _, s := range c.allSettings() {
		v := s.get(c)
		text := formatTOML(displayValue(s, v))
		if d, ok := v.(time.Duration); ok {
			v = formatDuration(d)
		}
		if s.kind == kindEnv {
			v = envTable(v.([]string))
		}
		out = append(out, Setting{Key: s.key, Value: v, Text: text, Source: c.Source(s.key)})
	}
	return out
}

func displayValue(s *setting, v any) any {
	if s.kind == kindEnv {
		return envTable(v.([]string))
	}
	return v
}

// Enum returns the allowed values of a key, or nil when any value of its
// type is allowed. Flags use it for help text and shell completion.
func Enum(key string) []string {
	s, ok := lookupSetting(key)
	if !ok {
		panic(fmt.Sprintf("config: Enum of unknown key %q", key))
	}
	return slices.DeleteFunc(slices.Clone(s.enum), func(v string) bool { return v == "" })
}

// Env returns the environment variables that set key, in increasing
// precedence.
func Env(key string) []string {
	s, ok := lookupSetting(key)
	if !ok {
		panic(fmt.Sprintf("config: Env of unknown key %q", key))
	}
	return slices.Clone(s.env)
}

// DefaultText returns the default value of key as a TOML literal, for help
// text.
func DefaultText(key string) string {
	s, ok := lookupSetting(key)
	if !ok {
		panic(fmt.Sprintf("config: DefaultText of unknown key %q", key))
	}
	return formatTOML(displayValue(s, s.get(Defaults())))
}
