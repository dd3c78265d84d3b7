package main

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/alecthomas/kong"

	"github.com/looper-go/looper/config"
)

// completionCmd prints a completion script generated from the kong model,
// so that every command, flag and enum value the grammar has is offered,
// and nothing it lacks.
type completionCmd struct {
	Shell string `arg:"" enum:"bash,zsh,fish" help:"Shell: bash, zsh or fish."`
}

func (completionCmd) Help() string {
	return `Load it for the current shell:
  bash:  source <(looper completion bash)
  zsh:   source <(looper completion zsh)     (or save it as _looper in a directory of $fpath)
  fish:  looper completion fish | source     (or save it as ~/.config/fish/completions/looper.fish)`
}

func (c *completionCmd) Run(kctx *kong.Context, stdout io.Writer) error {
	tree := completionTree(kctx.Model.Node)
	var script string
	switch c.Shell {
	case "bash":
		script = bashCompletion(tree)
	case "zsh":
		script = zshCompletion(tree)
	case "fish":
		script = fishCompletion(tree)
	default:
		panic("completion: shell " + c.Shell + " passed kong's enum check")
	}
	_, err := io.WriteString(stdout, script)
	return err
}

// compNode is a command as completion sees it.
type compNode struct {
	path     string // command words after "looper", space-separated; "" for the root
	name     string
	help     string
	own      []compFlag // flags declared on this command
	flags    []compFlag // flags accepted here: ancestors' and own
	args     []string   // values of an enum positional argument, or its completion:"" tag
	files    bool       // a positional argument takes other words too (a file name)
	children []*compNode
}

// completionTag is the struct tag that lists values to offer for a
// positional argument that is not an enum, comma-separated.
const completionTag = "completion"

// compFlag is a flag as completion sees it.
type compFlag struct {
	names  []string // "--todo"; aliases, the negation and a short form follow
	help   string
	value  bool     // takes a value
	values []string // allowed values, when they are a fixed set
}

// completionTree converts kong's model, skipping hidden commands and flags.
func completionTree(root *kong.Node) *compNode {
	var build func(n *kong.Node, parent *compNode) *compNode
	build = func(n *kong.Node, parent *compNode) *compNode {
		c := &compNode{name: n.Name, help: firstSentence(n.Help)}
		if parent != nil {
			c.path = strings.TrimSpace(parent.path + " " + n.Name)
			c.flags = slices.Clone(parent.flags)
		}
		for _, f := range n.Flags {
			if f.Hidden {
				continue
			}
			cf := compFlag{names: []string{"--" + f.Name}, help: firstSentence(f.Help), value: !f.IsBool() && !f.IsCounter()}
			for _, a := range f.Aliases {
				cf.names = append(cf.names, "--"+a)
			}
			if f.Tag.Negatable != "" {
				neg := "--no-" + f.Name
				if f.Tag.Negatable != "_" {
					neg = "--" + f.Tag.Negatable
				}
				cf.names = append(cf.names, neg)
			}
			if f.Short != 0 {
				cf.names = append(cf.names, "-"+string(f.Short))
			}
			if cf.value {
				cf.values = flagValues(f.Value)
			}
			c.own = append(c.own, cf)
			c.flags = append(c.flags, cf)
		}
		for _, p := range n.Positional {
			switch {
			case p.Enum != "":
				c.args = append(c.args, p.EnumSlice()...)
			case p.Tag.Get(completionTag) != "":
				// Values worth offering for an argument that also takes
				// other words (ls: a status, or a file).
				c.args = append(c.args, strings.Split(p.Tag.Get(completionTag), ",")...)
				c.files = true
			default:
				c.files = true
			}
		}
		for _, ch := range n.Children {
			if ch.Hidden || ch.Type != kong.CommandNode {
				continue
			}
			c.children = append(c.children, build(ch, c))
		}
		return c
	}
	return build(root, nil)
}

// flagValues returns a flag's fixed set of values: its kong enum, or the
// allowed values of the config key it is tied to.
func flagValues(v *kong.Value) []string {
	if v.Enum != "" {
		return v.EnumSlice()
	}
	if key := v.Tag.Get(config.Tag); key != "" {
		return config.Enum(key)
	}
	return nil
}

// firstSentence shortens help text for completion menus.
func firstSentence(s string) string {
	s = strings.TrimSpace(strings.SplitN(s, "\n", 2)[0])
	if i := strings.Index(s, ". "); i >= 0 {
		s = s[:i+1]
	}
	return s
}

// walk visits every command, parents first.
func (n *compNode) walk(fn func(*compNode)) {
	fn(n)
	for _, c := range n.children {
		c.walk(fn)
	}
}

// descendants returns n's path and its descendants' paths.
func (n *compNode) descendants() []string {
	var out []string
	n.walk(func(c *compNode) { out = append(out, c.path) })
	return out
}

func names(flags []compFlag) []string {
	var out []string
	for _, f := range flags {
		out = append(out, f.names...)
	}
	return out
}

func childNames(n *compNode) []string {
	var out []string
	for _, c := range n.children {
		out = append(out, c.name)
	}
	return out
}

// shellQuote single-quotes s for bash and zsh.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// casePatterns renders paths as a case pattern list: "a"|"a b".
func casePatterns(paths []string, suffix string) string {
	q := make([]string, len(paths))
	for i, p := range paths {
		q[i] = `"` + p + suffix + `"`
	}
	return strings.Join(q, "|")
}

// shellData writes the data functions bash and zsh share (their case
// syntax is the same): subcommands, flags, value-taking flags, flag values
// and positional values, each keyed by command path.
func shellData(b *strings.Builder, root *compNode) {
	b.WriteString("_looper_commands() {\n    case \"$1\" in\n")
	root.walk(func(n *compNode) {
		if len(n.children) > 0 {
			fmt.Fprintf(b, "        %s) echo %s ;;\n", casePatterns([]string{n.path}, ""), shellQuote(strings.Join(childNames(n), " ")))
		}
	})
	b.WriteString("    esac\n}\n\n")

	b.WriteString("_looper_flags() {\n    case \"$1\" in\n")
	root.walk(func(n *compNode) {
		fmt.Fprintf(b, "        %s) echo %s ;;\n", casePatterns([]string{n.path}, ""), shellQuote(strings.Join(names(n.flags), " ")))
	})
	b.WriteString("    esac\n}\n\n")

	var valued []string
	root.walk(func(n *compNode) {
		for _, f := range n.own {
			if f.value {
				for _, name := range f.names {
					if !slices.Contains(valued, name) {
						valued = append(valued, name)
					}
				}
			}
		}
	})
	b.WriteString("_looper_valued() {\n    case \"$1\" in\n")
	if len(valued) > 0 {
		fmt.Fprintf(b, "        %s) return 0 ;;\n", strings.Join(valued, "|"))
	}
	b.WriteString("    esac\n    return 1\n}\n\n")

	b.WriteString("_looper_values() {\n    case \"$1|$2\" in\n")
	root.walk(func(n *compNode) {
		for _, f := range n.own {
			if len(f.values) == 0 {
				continue
			}
			var pats []string
			for _, name := range f.names {
				pats = append(pats, casePatterns(n.descendants(), "|"+name))
			}
			fmt.Fprintf(b, "        %s) echo %s ;;\n", strings.Join(pats, "|"), shellQuote(strings.Join(f.values, " ")))
		}
	})
	b.WriteString("    esac\n}\n\n")

	b.WriteString("_looper_args() {\n    case \"$1\" in\n")
	root.walk(func(n *compNode) {
		if len(n.args) > 0 {
			fmt.Fprintf(b, "        %s) echo %s ;;\n", casePatterns([]string{n.path}, ""), shellQuote(strings.Join(n.args, " ")))
		}
	})
	b.WriteString("    esac\n}\n\n")
}

// bashCompletion renders the bash script.
func bashCompletion(root *compNode) string {
	var b strings.Builder
	b.WriteString(`# bash completion for looper, generated by "looper completion bash".
# Load it with: source <(looper completion bash)
# or save it as ~/.local/share/bash-completion/completions/looper.

`)
	shellData(&b, root)
	b.WriteString(`_looper() {
    local cur="${COMP_WORDS[COMP_CWORD]}" prev="" cmdpath="" flag="" w c i skip=0
    (( COMP_CWORD > 0 )) && prev="${COMP_WORDS[COMP_CWORD-1]}"
    # Find the command typed so far, skipping flags and their values. bash
    # splits "--flag=value" into "--flag" "=" "value".
    for (( i = 1; i < COMP_CWORD; i++ )); do
        w="${COMP_WORDS[i]}"
        if (( skip )); then skip=0; continue; fi
        if [[ $w == "=" ]]; then skip=1; continue; fi
        if [[ $w == -* ]]; then
            if [[ $w != *=* && ${COMP_WORDS[i+1]} != "=" ]] && _looper_valued "$w"; then skip=1; fi
            continue
        fi
        for c in $(_looper_commands "$cmdpath"); do
            if [[ $c == "$w" ]]; then cmdpath="${cmdpath:+$cmdpath }$w"; break; fi
        done
    done
    if [[ $cur == "=" ]]; then
        flag="$prev"; cur=""
    elif [[ $prev == "=" ]] && (( COMP_CWORD >= 2 )); then
        flag="${COMP_WORDS[COMP_CWORD-2]}"
    elif [[ $prev == -* && $prev != *=* ]] && _looper_valued "$prev"; then
        flag="$prev"
    fi
    if [[ -n $flag ]]; then
        local values
        values="$(_looper_values "$cmdpath" "$flag")"
        COMPREPLY=()
        if [[ -n $values ]]; then
            COMPREPLY=( $(compgen -W "$values" -- "$cur") )
        fi
        return 0
    fi
    if [[ $cur == -* ]]; then
        COMPREPLY=( $(compgen -W "$(_looper_flags "$cmdpath")" -- "$cur") )
        return 0
    fi
    COMPREPLY=( $(compgen -W "$(_looper_commands "$cmdpath") $(_looper_args "$cmdpath")" -- "$cur") )
    return 0
}

complete -o default -F _looper looper
`)
	return b.String()
}

// zshCompletion renders the zsh script: the shared data functions, flag
// and command descriptions, and a driver using compadd and _describe.
func zshCompletion(root *compNode) string {
	var b strings.Builder
	b.WriteString(`#compdef looper
# zsh completion for looper, generated by "looper completion zsh".
# Save it as _looper in a directory of $fpath, or load it with: source <(looper completion zsh)

`)
	shellData(&b, root)
	// Descriptions: "name:help" lines for _describe (colons in names escaped).
	describe := func(fn string, lines func(n *compNode) []string) {
		fmt.Fprintf(&b, "%s() {\n    case \"$1\" in\n", fn)
		root.walk(func(n *compNode) {
			ls := lines(n)
			if len(ls) == 0 {
				return
			}
			q := make([]string, len(ls))
			for i, l := range ls {
				q[i] = shellQuote(l)
			}
			fmt.Fprintf(&b, "        %s) printf '%%s\\n' %s ;;\n", casePatterns([]string{n.path}, ""), strings.Join(q, " "))
		})
		b.WriteString("    esac\n}\n\n")
	}
	describe("_looper_commands_described", func(n *compNode) []string {
		var out []string
		for _, c := range n.children {
			out = append(out, c.name+":"+c.help)
		}
		return out
	})
	describe("_looper_flags_described", func(n *compNode) []string {
		var out []string
		for _, f := range n.flags {
			for _, name := range f.names {
				out = append(out, strings.ReplaceAll(name, ":", `\:`)+":"+f.help)
			}
		}
		return out
	})
	b.WriteString(`_looper() {
    local cur="${words[CURRENT]}" prev="${words[CURRENT-1]}" cmdpath="" w c i skip=0
    local -a vals described
    # Find the command typed so far, skipping flags and their values.
    for (( i = 2; i < CURRENT; i++ )); do
        w="${words[i]}"
        if (( skip )); then skip=0; continue; fi
        if [[ $w == -* ]]; then
            if [[ $w != *=* ]] && _looper_valued "$w"; then skip=1; fi
            continue
        fi
        for c in ${=$(_looper_commands "$cmdpath")}; do
            if [[ $c == "$w" ]]; then cmdpath="${cmdpath:+$cmdpath }$w"; break; fi
        done
    done
    if [[ $cur == -*=* ]]; then
        vals=(${=$(_looper_values "$cmdpath" "${cur%%=*}")})
        compset -P '*='
        if (( ${#vals} )); then compadd -a vals; else _files; fi
        return
    fi
    if [[ $prev == -* && $prev != *=* ]] && _looper_valued "$prev"; then
        vals=(${=$(_looper_values "$cmdpath" "$prev")})
        if (( ${#vals} )); then compadd -a vals; else _files; fi
        return
    fi
    if [[ $cur == -* ]]; then
        described=("${(@f)$(_looper_flags_described "$cmdpath")}")
        _describe -t flags 'looper flag' described
        return
    fi
    described=("${(@f)$(_looper_commands_described "$cmdpath")}")
    vals=(${=$(_looper_args "$cmdpath")})
    if [[ -n ${described[1]} ]]; then
        _describe -t commands 'looper command' described
    elif (( ${#vals} )); then
        compadd -a vals
    else
        _files
    fi
}

if [[ ${zsh_eval_context[-1]} == loadautofunc ]]; then
    _looper "$@"
else
    compdef _looper looper
fi
`)
	return b.String()
}

// fishQuote single-quotes s for fish.
func fishQuote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

// fishCompletion renders the fish script: a helper that finds the command
// typed so far, then one complete line per command, flag and value set.
func fishCompletion(root *compNode) string {
	var b strings.Builder
	b.WriteString(`# fish completion for looper, generated by "looper completion fish".
# Save it as ~/.config/fish/completions/looper.fish, or load it with: looper completion fish | source

`)
	var commands, valued []string
	root.walk(func(n *compNode) {
		if n.path != "" {
			commands = append(commands, fishQuote(n.path))
		}
		for _, f := range n.own {
			if f.value {
				for _, name := range f.names {
					valued = append(valued, fishQuote(name))
				}
			}
		}
	})
	fmt.Fprintf(&b, "set -g __looper_commands %s\n", strings.Join(commands, " "))
	fmt.Fprintf(&b, "set -g __looper_valued %s\n\n", strings.Join(valued, " "))
	b.WriteString(`function __looper_path --description 'Print the looper command typed so far'
    set -l tokens (commandline -opc)
    set -e tokens[1]
    set -l cmdpath ''
    set -l skip 0
    for w in $tokens
        if test $skip = 1
            set skip 0
            continue
        end
        switch $w
            case '--*=*'
                continue
            case '-*'
                if contains -- $w $__looper_valued
                    set skip 1
                end
                continue
        end
        set -l next (string trim -- "$cmdpath $w")
        if contains -- $next $__looper_commands
            set cmdpath $next
        end
    end
    echo $cmdpath
end

function __looper_at --description 'Is the looper command typed so far exactly this one?'
    set -l p (__looper_path)
    test "$p" = "$argv[1]"
end

function __looper_in --description 'Is the looper command typed so far this one or below it?'
    set -l p (__looper_path)
    test "$p" = "$argv[1]"; or string match -q -- "$argv[1] *" "$p"
end

`)
	root.walk(func(n *compNode) {
		at := fmt.Sprintf("-n %s", fishQuote("__looper_at "+fishQuote(n.path)))
		for _, c := range n.children {
			fmt.Fprintf(&b, "complete -c looper %s -f -a %s -d %s\n", at, fishQuote(c.name), fishQuote(c.help))
		}
		if len(n.args) > 0 {
			noFiles := " -f"
			if n.files {
				noFiles = "" // the argument may be a file name too
			}
			fmt.Fprintf(&b, "complete -c looper %s%s -a %s\n", at, noFiles, fishQuote(strings.Join(n.args, " ")))
		}
		cond := ""
		if n.path != "" {
			cond = fmt.Sprintf(" -n %s", fishQuote("__looper_in "+fishQuote(n.path)))
		}
		for _, f := range n.own {
			var opts []string
			for _, name := range f.names {
				if long, ok := strings.CutPrefix(name, "--"); ok {
					opts = append(opts, "-l "+long)
				} else {
					opts = append(opts, "-s "+strings.TrimPrefix(name, "-"))
				}
			}
			switch {
			case len(f.values) > 0:
				opts = append(opts, "-x -a "+fishQuote(strings.Join(f.values, " ")))
			case f.value:
				opts = append(opts, "-r -F")
			}
			fmt.Fprintf(&b, "complete -c looper%s %s -d %s\n", cond, strings.Join(opts, " "), fishQuote(f.help))
		}
	})
	return b.String()
}
