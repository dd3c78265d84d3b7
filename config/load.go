package config

import (
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
)

// Options say where Load looks. The zero value uses the process's working
// directory, home directory and environment.
type Options struct {
	Dir       string                      // working directory for project files and relative paths; "" = os.Getwd
	Home      string                      // home directory for the user file and "~"; "" = os.UserHomeDir
	LookupEnv func(string) (string, bool) // environment; nil = os.LookupEnv
	File      string                      // explicit extra file (--config); "" = none; must exist when set
	Overrides []Override                  // command-line flags, applied last
}

// Override is a value given on the command line.
type Override struct {
	Key   string // dotted key
	Value any    // as the flag parsed it: string, bool, int or []string
	Flag  string // the flag as typed, e.g. "--max-agents" or "--no-parallel"
}

// maxFileSize caps a config file; anything larger is not a config file.
const maxFileSize = 1 << 20

// ProjectFiles are the project config file names, relative to the working
// directory; the first that exists is read.
var ProjectFiles = []string{filepath.Join(".looper", "looper.toml"), "looper.toml", ".looper.toml"}

// Load builds the effective configuration. Layers, lowest first:
//
//	built-in defaults
//	user file      ~/.looper/looper.toml, else $XDG_CONFIG_HOME/looper/looper.toml
//	               (~/.config/looper/looper.toml; on macOS also ~/Library/Application Support/looper/looper.toml)
//	project file   the first of .looper/looper.toml, looper.toml, .looper.toml in Dir
//	environment    LOOPER_*, CODEX_*, CLAUDE_* (see Env); empty variables count as unset
//	--config FILE  an explicit file: chosen on this command line, so it beats the ambient environment
//	flags          Options.Overrides
//
// Every problem in every layer is reported at once in an *Error; the
// returned Config is nil then.
func Load(o Options) (*Config, error) {
	c, probs := layer(o)
	for _, ov := range o.Overrides {
		if p := c.applyOverride(ov); p != nil {
			probs = append(probs, *p)
		}
	}
	probs = append(probs, c.finalize()...)
	if len(probs) > 0 {
		return nil, &Error{Problems: probs}
	}
	return c, nil
}

// CheckOverride validates a flag's value on its own (type, enum, range), so
// that a bad flag is a usage error even for commands that never load the
// configuration.
func CheckOverride(ov Override) error {
	p := Defaults().applyOverride(ov)
	if p != nil {
		return fmt.Errorf("%s", p.String())
	}
	return nil
}

func (c *Config) applyOverride(ov Override) *Problem {
	src := Source{Kind: SourceFlag, Name: ov.Flag}
	s, ok := lookupSetting(ov.Key)
	if !ok {
		panic(fmt.Sprintf("config: flag %s names unknown key %q", ov.Flag, ov.Key))
	}
	v, err := s.convert(ov.Value)
	if err != nil {
		if str, ok := ov.Value.(string); ok {
			// Flags arrive as text when their Go type is string.
			if v2, err2 := s.parseText(str); err2 == nil {
				v, err = v2, nil
			}
		}
	}
	if err != nil {
		return &Problem{Source: src, Key: s.key, Message: err.Error()}
	}
	c.set(s, v, src)
	return nil
}

// set stores a value and remembers its source.
func (c *Config) set(s *setting, v any, src Source) {
	s.set(c, v)
	c.sources[s.key] = src
}

// layer applies defaults, files and the environment, without the flags and
// the cross-key checks.
func layer(o Options) (*Config, []Problem) {
	dir := o.Dir
	if dir == "" {
		dir, _ = os.Getwd()
	}
	home := o.Home
	if home == "" {
		home, _ = os.UserHomeDir()
	}
	lookup := o.LookupEnv
	if lookup == nil {
		lookup = os.LookupEnv
	}
	c := Defaults()
	c.home, c.lookup = home, lookup
	var probs []Problem

	project := findFirst(projectCandidates(dir))
	project.Kind = SourceProjectFile
	if home != "" { // without a home directory there is no user file
		user := findFirst(UserFiles(home, lookup))
		user.Kind = SourceUserFile
		// Working in the home directory, ~/.looper/looper.toml is both; it
		// is read once, as the project file.
		if !(user.Loaded && project.Loaded && sameFile(user.Path, project.Path)) {
			probs = append(probs, c.loadFile(user)...)
		}
	}
	probs = append(probs, c.loadFile(project)...)
	probs = append(probs, c.loadEnv(lookup)...)
	if o.File != "" {
		f := File{Path: o.File, Kind: SourceExplicitFile, Loaded: true}
		if _, err := os.Stat(o.File); err != nil {
			probs = append(probs, Problem{Source: Source{Kind: SourceFlag, Name: "--config"}, Message: fmt.Sprintf("%v; name an existing TOML file", err)})
			f.Loaded = false
		}
		probs = append(probs, c.loadFile(f)...)
	}
	return c, probs
}

// UserFiles lists the user config file candidates in lookup order.
func UserFiles(home string, lookup func(string) (string, bool)) []string {
	out := []string{filepath.Join(home, ".looper", "looper.toml")}
	if x, ok := lookup("XDG_CONFIG_HOME"); ok && x != "" {
		out = append(out, filepath.Join(x, "looper", "looper.toml"))
	} else {
		out = append(out, filepath.Join(home, ".config", "looper", "looper.toml"))
	}
	if runtime.GOOS == "darwin" {
		out = append(out, filepath.Join(home, "Library", "Application Support", "looper", "looper.toml"))
	}
	return out
}

func projectCandidates(dir string) []string {
	out := make([]string, len(ProjectFiles))
	for i, f := range ProjectFiles {
		out[i] = filepath.Join(dir, f)
	}
	return out
}

// findFirst returns the first existing path, or the first candidate marked
// not loaded.
func findFirst(paths []string) File {
	for _, p := range paths {
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return File{Path: p, Loaded: true}
		}
	}
	return File{Path: paths[0]}
}

func sameFile(a, b string) bool {
	sa, err1 := os.Stat(a)
	sb, err2 := os.Stat(b)
	return err1 == nil && err2 == nil && os.SameFile(sa, sb)
}

// loadFile reads and applies one file layer.
func (c *Config) loadFile(f File) []Problem {
	c.Files = append(c.Files, f)
	if !f.Loaded {
		return nil
	}
	src := Source{Kind: f.Kind, Name: f.Path}
	data, err := readCapped(f.Path)
	if err != nil {
		return []Problem{{Source: src, Message: err.Error()}}
	}
	l := parseFile(src, data)
	for _, a := range l.assigns {
		s := src
		s.Line = a.line
		if a.setting == nil && a.price != "" {
			if _, ok := c.Prices[a.price]; !ok {
				c.Prices[a.price] = Price{}
			}
			c.sources["prices."+quoteKey(a.price)] = s
			continue
		}
		if a.setting == nil {
			if _, ok := c.Agents[a.agent]; !ok {
				c.Agents[a.agent] = defaultAgent(a.agent)
			}
			c.sources["agents."+a.agent] = s
			continue
		}
		c.set(a.setting, a.value, s)
	}
	c.Warnings = append(c.Warnings, l.warnings...)
	return l.problems
}

func readCapped(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxFileSize {
		return nil, fmt.Errorf("larger than %d bytes; is this a config file?", maxFileSize)
	}
	return data, nil
}

// loadEnv applies the environment layer.
func (c *Config) loadEnv(lookup func(string) (string, bool)) []Problem {
	var probs []Problem
	var envSettings []*setting
	envSettings = append(envSettings, settings...)
	for _, key := range slices.Sorted(maps.Keys(builtinAgentEnv)) {
		s, _ := lookupSetting(key)
		envSettings = append(envSettings, s)
	}
	for _, s := range envSettings {
		name, val := "", ""
		for _, e := range s.env {
			if v, ok := lookup(e); ok && v != "" {
				name, val = e, v
			}
		}
		if name == "" {
			continue
		}
		src := Source{Kind: SourceEnv, Name: name}
		v, err := s.parseText(val)
		if err != nil {
			probs = append(probs, Problem{Source: src, Key: s.key, Message: fmt.Sprintf("%s=%q: %v", name, val, err)})
			continue
		}
		c.set(s, v, src)
	}
	return probs
}

// finalize derives dependent values and checks the keys against each other.
func (c *Config) finalize() []Problem {
	var probs []Problem
	if c.Workflow == "parallel" && c.Source("parallel.enabled").Kind == SourceDefault {
		c.Parallel.Enabled = true
		c.sources["parallel.enabled"] = Source{Kind: SourceDerived, Name: `workflow = "parallel" (` + c.Source("workflow").String() + ")"}
	}

	// The other roles follow roles.iter unless set: a project that chose
	// codex for its tasks must not need claude for a review or a repair.
	if c.Source("roles.iter").Kind != SourceDefault {
		for _, r := range []struct {
			key  string
			role *string
		}{{"roles.review", &c.Roles.Review}, {"roles.repair", &c.Roles.Repair}, {"roles.bootstrap", &c.Roles.Bootstrap}} {
			if c.Source(r.key).Kind == SourceDefault {
				*r.role = c.Roles.Iter
				c.sources[r.key] = Source{Kind: SourceDerived, Name: "roles.iter (" + c.Source("roles.iter").String() + ")"}
			}
		}
	}

	known := c.AgentNames()
	undefined := func(key, name string) {
		msg := fmt.Sprintf("agent %q is not defined; use one of %s, or add an [agents.%s] table with binary and format", name, quoteList(known), name)
		if n := nearest(name, known); n != "" && editDistance(name, n) <= 2 {
			msg = fmt.Sprintf("agent %q is not defined (did you mean %q?); or add an [agents.%s] table with binary and format", name, n, name)
		}
		probs = append(probs, Problem{Source: c.Source(key), Key: key, Message: msg})
	}
	for _, r := range []struct{ key, name string }{
		{"roles.iter", c.Roles.Iter}, {"roles.review", c.Roles.Review},
		{"roles.repair", c.Roles.Repair}, {"roles.bootstrap", c.Roles.Bootstrap},
	} {
		if _, ok := c.Agents[r.name]; !ok {
			undefined(r.key, r.name)
		}
	}
	for _, n := range c.Parallel.Agents {
		if _, ok := c.Agents[n]; !ok {
			undefined("parallel.agents", n)
		}
	}

	if n := len(c.Parallel.Agents); n > 0 && n != c.Parallel.MaxAgentsPerTask {
		if c.Source("parallel.max_agents_per_task").Kind == SourceDefault {
			c.Parallel.MaxAgentsPerTask = n
			c.sources["parallel.max_agents_per_task"] = Source{Kind: SourceDerived, Name: "parallel.agents (" + c.Source("parallel.agents").String() + ")"}
		} else {
			probs = append(probs, Problem{Source: c.Source("parallel.agents"), Key: "parallel.agents",
				Message: fmt.Sprintf("names %d agents but max_agents_per_task is %d (%s); make them agree, or leave max_agents_per_task unset",
					n, c.Parallel.MaxAgentsPerTask, c.Source("parallel.max_agents_per_task"))})
		}
	}
	if c.Parallel.Quorum > c.Parallel.MaxAgentsPerTask {
		probs = append(probs, Problem{Source: c.Source("parallel.quorum"), Key: "parallel.quorum",
			Message: fmt.Sprintf("%d can never be met with max_agents_per_task = %d; use 0 to %d", c.Parallel.Quorum, c.Parallel.MaxAgentsPerTask, c.Parallel.MaxAgentsPerTask)})
	}

	for _, name := range known {
		a := c.Agents[name]
		table := c.Source("agents." + name)
		key := func(f string) string { return "agents." + name + "." + f }
		if !isBuiltin(name) {
			if a.Binary == "" {
				probs = append(probs, Problem{Source: table, Key: "agents." + name,
					Message: `a generic agent needs binary = "<command>"`})
			}
			if a.Format == "" {
				probs = append(probs, Problem{Source: table, Key: "agents." + name,
					Message: fmt.Sprintf("a generic agent needs format = one of %s (the output it prints)", quoteList(formatValues))})
			}
		} else {
			if a.Binary == "" {
				probs = append(probs, Problem{Source: c.Source(key("binary")), Key: key("binary"),
					Message: fmt.Sprintf(`is empty; remove it to use %q from PATH, or name the executable`, name)})
			}
			if a.Format != "" && a.Format != name {
				probs = append(probs, Problem{Source: c.Source(key("format")), Key: key("format"),
					Message: fmt.Sprintf(`%s always prints its own format; remove format (it is for generic agents), or define a generic agent under another name`, name)})
			}
		}
		inapplicable := func(field, value, msg string) {
			if value != "" {
				c.Warnings = append(c.Warnings, Warning{Source: c.Source(key(field)), Key: key(field), Message: msg})
			}
		}
		if name != AgentClaude {
			inapplicable("permission_mode", a.PermissionMode, "ignored: permission_mode applies to claude only")
		}
		if name != AgentCodex {
			inapplicable("sandbox", a.Sandbox, "ignored: sandbox applies to codex only")
			inapplicable("approval", a.Approval, "ignored: approval applies to codex only")
			inapplicable("reasoning", a.Reasoning, "ignored: reasoning applies to codex only")
		}
		if isBuiltin(name) {
			inapplicable("prompt_format", a.PromptFormat, fmt.Sprintf("ignored: looper passes %s its prompt the way its CLI expects; prompt_format is for generic agents", name))
		}
	}
	return append(probs, c.finalizePrices()...)
}

// String describes the file in one line for doctor and `looper config`:
// its layer, path and whether it was found.
func (f File) String() string {
	state := "not found"
	if f.Loaded {
		state = "loaded"
	}
	return fmt.Sprintf("%s %s (%s)", f.Kind, strings.TrimSpace(f.Path), state)
}
