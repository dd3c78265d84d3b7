// Package config is looper's configuration: the Config type with every
// upstream looper.toml key plus the [parallel], [worktree] and [verify]
// sections, and the layering that fills it.
//
// # Layers
//
// Load applies, lowest first: built-in defaults (Defaults), the user file
// (~/.looper/looper.toml, else $XDG_CONFIG_HOME/looper/looper.toml or
// ~/.config/looper/looper.toml), the project file (the first of
// .looper/looper.toml, looper.toml, .looper.toml in the working directory),
// the environment (every upstream variable: LOOPER_*, CODEX_*, CLAUDE_*),
// the explicit file named by --config, and command-line flags. The
// explicit file sits above the environment because it is chosen on the
// command line at hand, while the environment is ambient. Every effective
// value remembers its Source (the layer, file and line, variable or flag),
// which `looper config` prints.
//
// The command line reaches Config two ways. Resolver is a kong.Resolver
// that fills every flag tagged config:"<key>" from the layers below the
// command line, so flag fields always hold the effective value; Overrides
// collects the flags actually typed, which Load applies last. Flags carry no
// kong env: tags, because kong applies those before resolvers and files
// would then win over the environment.
//
// # Strictness
//
// Files are decoded into a plain map and checked key by key against the
// settings table (settings.go), so that: an unknown key is an error naming
// the file, line and nearest known key; a key that differs from a known one
// only in case (PARALLEL, [Parallel]) is an error, where BurntSushi/toml's
// struct decoding would match it silently; a wrong type, a value outside an
// enum or a negative count is an error listing what is allowed. Upstream's
// legacy keys (schedule, repair_agent, ..., an agent's parser, [plugins],
// [workflows]) are accepted with a Warning, because real upstream files
// contain them and upstream itself ignores them. All problems of all layers
// are reported together in an *Error.
//
// # Agents
//
// [agents.<name>] tables define agents. claude and codex are built in with
// defaults; a table for them changes only the keys it sets (upstream
// replaced the whole entry). Any other name is a generic agent and needs
// binary and format. Roles and parallel.agents must name defined agents.
package config
