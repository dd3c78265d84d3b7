package config

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/BurntSushi/toml"
)

// assignment is one value a config file sets.
type assignment struct {
	setting *setting // nil for an agent table header, which only defines the agent
	agent   string   // the agent a header defines
	price   string   // the model a [prices."MODEL"] header prices
	value   any      // canonical Go value
	line    int
}

// fileLayer is what one config file contributes.
type fileLayer struct {
	assigns  []assignment
	warnings []Warning
	problems []Problem
}

// sections are the tables with fixed keys.
var sections = []string{"roles", "parallel", "worktree", "sandbox", "kubernetes", "verify", "backlog", "notify", "budget"}

// legacyKeys are upstream keys that upstream itself stopped reading (the
// schedules were removed in upstream commit ae2defc). They appear in real
// upstream files, so they warn instead of failing; the message says what to
// write instead.
var legacyKeys = map[string]string{
	"schedule":        `ignored: upstream removed schedules; every iteration uses [roles] iter (for several agents per task set [parallel] agents)`,
	"iter_schedule":   `ignored: upstream removed schedules; every iteration uses [roles] iter (for several agents per task set [parallel] agents)`,
	"odd_agent":       `ignored: upstream removed the odd-even schedule; set [roles] iter, or [parallel] agents for several agents per task`,
	"even_agent":      `ignored: upstream removed the odd-even schedule; set [roles] iter, or [parallel] agents for several agents per task`,
	"rr_agents":       `ignored: upstream removed the round-robin schedule; set [parallel] agents for several agents per task`,
	"iter_agent":      `ignored, as upstream does; write [roles] iter = "<agent>"`,
	"repair_agent":    `ignored, as upstream does; write [roles] repair = "<agent>"`,
	"review_agent":    `ignored, as upstream does; write [roles] review = "<agent>"`,
	"bootstrap_agent": `ignored, as upstream does; write [roles] bootstrap = "<agent>"`,
}

const legacyParser = `ignored: looper reads agent output itself; a generic agent declares format = "claude", "codex" or "text"`

// agentNameRE is what an agent table may be called: AgentIDs ("name#2"),
// labels and file names are built from it.
var agentNameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)

// parseFile decodes one config file strictly: syntax errors, unknown keys
// (with the nearest known key), case variants, wrong types, bad enum values
// and negative counts are problems; legacy upstream keys are warnings.
func parseFile(src Source, data []byte) fileLayer {
	var l fileLayer
	var raw map[string]any
	if _, err := toml.Decode(string(data), &raw); err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			s := src
			s.Line = pe.Position.Line
			l.problems = append(l.problems, Problem{Source: s, Message: fmt.Sprintf("invalid TOML at column %d: %s", pe.Position.Col, pe.Message)})
		} else {
			l.problems = append(l.problems, Problem{Source: src, Message: "invalid TOML: " + err.Error()})
		}
		return l
	}
	p := &fileParser{src: src, lines: keyLines(data), layer: &l}
	p.top(raw)
	slices.SortStableFunc(l.problems, func(a, b Problem) int { return cmp.Compare(a.Source.Line, b.Source.Line) })
	slices.SortStableFunc(l.warnings, func(a, b Warning) int { return cmp.Compare(a.Source.Line, b.Source.Line) })
	return l
}

type fileParser struct {
	src   Source
	lines map[string]int
	layer *fileLayer
}

func (p *fileParser) at(path []string) Source {
	s := p.src
	s.Line = p.lines[joinPath(path)]
	return s
}

func (p *fileParser) problem(path []string, format string, args ...any) {
	p.layer.problems = append(p.layer.problems, Problem{Source: p.at(path), Key: dotted(path), Message: fmt.Sprintf(format, args...)})
}

func (p *fileParser) warn(path []string, msg string) {
	p.layer.warnings = append(p.layer.warnings, Warning{Source: p.at(path), Key: dotted(path), Message: msg})
}

// dotted renders a path as the user would write the key.
func dotted(path []string) string {
	q := make([]string, len(path))
	for i, s := range path {
		q[i] = quoteKey(s)
	}
	return strings.Join(q, ".")
}

// ordered returns m's keys in file order, so messages come out in the order
// a reader meets them.
func (p *fileParser) ordered(prefix []string, m map[string]any) []string {
	keys := slices.Sorted(maps.Keys(m))
	slices.SortStableFunc(keys, func(a, b string) int {
		return cmp.Compare(p.lines[joinPath(append(slices.Clone(prefix), a))], p.lines[joinPath(append(slices.Clone(prefix), b))])
	})
	return keys
}

func (p *fileParser) top(raw map[string]any) {
	var known []string
	for _, s := range settings {
		if !s.noFile && !strings.Contains(s.key, ".") {
			known = append(known, s.key)
		}
	}
	known = append(known, sections...)
	known = append(known, "agents", "prices", "workflows", "plugins", "runners")

	for _, k := range p.ordered(nil, raw) {
		path := []string{k}
		v := raw[k]
		switch {
		case legacyKeys[k] != "":
			p.warn(path, legacyKeys[k])
		case slices.Contains(sections, k):
			p.section(k, v)
		case k == "agents":
			p.agents(path, v)
		case k == "prices":
			p.prices(path, v)
		case k == "runners":
			p.runners(path, v)
		case k == "workflows":
			p.ignoredTables(path, v, `ignored: looper has no workflow plugins; "workflow" chooses between "traditional" and "parallel"`)
		case k == "plugins":
			p.ignoredTables(path, v, `ignored: looper has no plugin system; declare the agent as an [agents.<name>] table with binary and format`)
		default:
			s, ok := staticSettings[k]
			if !ok || s.noFile || strings.Contains(k, ".") {
				if ok && s.noFile {
					p.problem(path, "cannot be set in a file; use the %s variable or the --%s flag", strings.Join(s.env, "/"), strings.ReplaceAll(k, "_", "-"))
					continue
				}
				p.unknown(path, known)
				continue
			}
			p.assign(path, s, v)
		}
	}
}

// section decodes a table with fixed keys such as [parallel].
func (p *fileParser) section(name string, v any) {
	path := []string{name}
	m, ok := v.(map[string]any)
	if !ok {
		p.problem(path, "got %s; want a table: write [%s] on its own line and its keys below it", describe(v), name)
		return
	}
	var known []string
	for _, s := range settings {
		if rest, ok := strings.CutPrefix(s.key, name+"."); ok {
			known = append(known, rest)
		}
	}
	for _, k := range p.ordered(path, m) {
		kp := []string{name, k}
		if name == "roles" && legacyKeys[k] != "" {
			p.warn(kp, legacyKeys[k])
			continue
		}
		s, ok := staticSettings[name+"."+k]
		if !ok {
			p.unknown(kp, known)
			continue
		}
		p.assign(kp, s, m[k])
	}
}

// agents decodes the [agents.<name>] tables, and upstream's legacy nested
// [agents.agents.<name>] form with a warning.
func (p *fileParser) agents(path []string, v any) {
	m, ok := v.(map[string]any)
	if !ok {
		p.problem(path, "got %s; want tables such as [agents.claude]", describe(v))
		return
	}
	for _, name := range p.ordered(path, m) {
		np := append(slices.Clone(path), name)
		if name == "agents" && len(path) == 1 && allTables(m[name]) {
			p.warn(np, `upstream's legacy nested form; write [agents.<name>] instead of [agents.agents.<name>]`)
			p.agents(np, m[name])
			continue
		}
		if !agentNameRE.MatchString(name) {
			if low := strings.ToLower(name); agentNameRE.MatchString(low) {
				p.problem(np, "agent names are lower case: write [agents.%s]", low)
			} else {
				p.problem(np, "agent name %q: use lower-case letters, digits, '-' and '_', starting with a letter or digit", name)
			}
			continue
		}
		t, ok := m[name].(map[string]any)
		if !ok {
			p.problem(np, "got %s; want a table: write [agents.%s] and its keys below it", describe(m[name]), name)
			continue
		}
		p.layer.assigns = append(p.layer.assigns, assignment{agent: name, line: p.lines[joinPath(np)]})
		var known []string
		for _, f := range agentFields {
			known = append(known, f.name)
		}
		for _, k := range p.ordered(np, t) {
			kp := append(slices.Clone(np), k)
			if k == "parser" {
				p.warn(kp, legacyParser)
				continue
			}
			s, ok := lookupSetting("agents." + name + "." + k)
			if !ok {
				p.unknown(kp, known)
				continue
			}
			p.assign(kp, s, t[k])
		}
	}
}

func allTables(v any) bool {
	m, ok := v.(map[string]any)
	if !ok || len(m) == 0 {
		return false
	}
	for _, e := range m {
		if _, ok := e.(map[string]any); !ok {
			return false
		}
	}
	return true
}

// ignoredTables warns once per table of a section looper tolerates but does
// not read.
func (p *fileParser) ignoredTables(path []string, v any, msg string) {
	m, ok := v.(map[string]any)
	if !ok || len(m) == 0 {
		p.warn(path, msg)
		return
	}
	for _, k := range p.ordered(path, m) {
		p.warn(append(slices.Clone(path), k), msg)
	}
}

func (p *fileParser) assign(path []string, s *setting, v any) {
	val, err := s.convert(v)
	if err != nil {
		var ve *valueError
		if errors.As(err, &ve) && ve.sub != "" {
			if sub := append(slices.Clone(path), ve.sub); p.lines[joinPath(sub)] > 0 {
				p.layer.problems = append(p.layer.problems, Problem{Source: p.at(sub), Key: dotted(path), Message: err.Error()})
				return
			}
		}
		p.problem(path, "%v", err)
		return
	}
	p.layer.assigns = append(p.layer.assigns, assignment{setting: s, value: val, line: p.lines[joinPath(path)]})
}

// unknown reports a key no setting matches, naming the nearest known key.
func (p *fileParser) unknown(path []string, known []string) {
	leaf := path[len(path)-1]
	near := nearest(leaf, known)
	switch {
	case near == "":
		p.problem(path, "unknown key")
	case strings.EqualFold(near, leaf):
		p.problem(path, "unknown key: keys are case-sensitive; write %q", near)
	default:
		p.problem(path, "unknown key (did you mean %q?)", near)
	}
}

// nearest returns the candidate closest to s by edit distance, preferring
// a case-insensitive match; ties go to the earlier candidate.
func nearest(s string, candidates []string) string {
	best, bestD := "", -1
	for _, c := range candidates {
		if strings.EqualFold(s, c) {
			return c
		}
		if d := editDistance(strings.ToLower(s), c); bestD < 0 || d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, by runes.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
