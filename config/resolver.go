package config

import (
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/alecthomas/kong"
)

// Tag is the struct tag that ties a kong flag to a config key, as in
// `config:"parallel.max_tasks"`. Flags without it are not configuration.
const Tag = "config"

// Resolver is a kong.Resolver that gives every flag tagged config:"<key>"
// the value that key has below the command line: defaults < user file <
// project file < environment < --config file. kong asks it only about
// flags absent from the command line, so together they give flag > --config
// > environment > project > user > default. (kong's own env: tags would
// apply the environment before resolvers, letting files win over it; hence
// no env: tags on these flags.)
//
// A configuration that fails to load resolves nothing, so that commands
// which never use it (version, completion) still run; Load reports the
// problems to the commands that do.
type Resolver struct {
	// Options locate the files and the environment; File is ignored in
	// favour of the flag named by FileFlag.
	Options Options
	// FileFlag is the name of the flag naming an explicit extra file
	// ("config" for --config), or "" for none.
	FileFlag string

	mu    sync.Mutex
	cache map[string]*Config // by explicit file; nil entry = failed to load
}

var _ kong.Resolver = (*Resolver)(nil)

// Validate accepts every application: strictness about keys is enforced
// when the files are parsed, with file and line.
func (r *Resolver) Validate(*kong.Application) error { return nil }

// Resolve returns the layered value of the flag's key, or nil.
func (r *Resolver) Resolve(kctx *kong.Context, _ *kong.Path, flag *kong.Flag) (any, error) {
	key := flag.Tag.Get(Tag)
	if key == "" {
		return nil, nil
	}
	s, ok := lookupSetting(key)
	if !ok {
		return nil, fmt.Errorf("flag --%s: unknown config key %q in its %s tag", flag.Name, key, Tag)
	}
	c := r.layered(ExplicitFile(kctx, r.FileFlag))
	if c == nil {
		return nil, nil
	}
	return kongValue(s.get(c)), nil
}

// layered returns the configuration below the flags for the given explicit
// file, loading it once.
func (r *Resolver) layered(file string) *Config {
	r.mu.Lock()
	defer r.mu.Unlock()
	if c, ok := r.cache[file]; ok {
		return c
	}
	o := r.Options
	o.File = file
	c, probs := layer(o)
	if len(probs) > 0 {
		c = nil
	}
	if r.cache == nil {
		r.cache = map[string]*Config{}
	}
	r.cache[file] = c
	return c
}

// kongValue converts a config value into a token kong's mappers accept.
func kongValue(v any) any {
	switch x := v.(type) {
	case []string:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = e
		}
		return out
	case time.Duration:
		return formatDuration(x)
	case map[string]string:
		return nil
	}
	return v
}

// ExplicitFile returns the value of the flag named name as given on the
// command line, or "".
func ExplicitFile(kctx *kong.Context, name string) string {
	if name == "" {
		return ""
	}
	for _, p := range kctx.Path {
		if p.Flag != nil && p.Flag.Name == name && !p.Resolved {
			if s, ok := kctx.Value(p).Interface().(string); ok {
				return s
			}
		}
	}
	return ""
}

// Overrides returns the config-tagged flags given on the command line (not
// those the resolver filled in), in command-line order.
func Overrides(kctx *kong.Context) []Override {
	var out []Override
	for _, p := range kctx.Path {
		if p.Flag == nil || p.Resolved {
			continue
		}
		key := p.Flag.Tag.Get(Tag)
		if key == "" {
			continue
		}
		v := kctx.Value(p).Interface()
		name := "--" + p.Flag.Name
		if b, ok := v.(bool); ok && !b && p.Flag.Tag.Negatable != "" {
			name = "--no-" + p.Flag.Name
			if p.Flag.Tag.Negatable != "_" {
				name = "--" + p.Flag.Tag.Negatable
			}
		}
		if list, ok := v.([]string); ok {
			v = slices.Clone(list)
		}
		// A repeated flag appears once per occurrence; the last one wins
		// when applied in order.
		out = append(out, Override{Key: key, Value: v, Flag: name})
	}
	return out
}
