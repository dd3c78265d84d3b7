package config

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// RunnersConfig is the [runners] table: where attempts run. Local
// processes (with the [sandbox]) are the default; [[runners.ssh]] tables
// list hosts attempts are shipped to, [runners.container] an image they
// run in.
type RunnersConfig struct {
	Use       string          // "auto", "local", "ssh", "container" or "kubernetes"
	SSH       []SSHHost       // [[runners.ssh]], in file order
	Container ContainerConfig // [runners.container]
}

// The runners [runners] use selects; RunnerAuto picks ssh when hosts are
// listed, else kubernetes when [kubernetes] is enabled, else container
// when an image is set, else local.
const (
	RunnerAuto      = "auto"
	RunnerLocal     = "local"
	RunnerSSH       = "ssh"
	RunnerContainer = "container"
	// RunnerKubernetes runs attempts as pods ([kubernetes]).
	RunnerKubernetes = "kubernetes"
)

var runnerValues = []string{RunnerAuto, RunnerLocal, RunnerSSH, RunnerContainer, RunnerKubernetes}

// SSHHost is one [[runners.ssh]] table.
type SSHHost struct {
	Host, User, Identity, KnownHosts, Looper, Dir string
	Port, Slots                                   int
	Options                                       []string
}

// ContainerConfig is the [runners.container] table.
type ContainerConfig struct {
	Engine, Image, Network     string
	Mounts, Env, Ulimits, Args []string
}

// Runner is the runner [runners] use selects, auto resolved.
func (c *Config) Runner() string {
	switch use := c.Runners.Use; {
	case use != "" && use != RunnerAuto:
		return use
	case len(c.Runners.SSH) > 0:
		return RunnerSSH
	case c.Kube.Enabled:
		return RunnerKubernetes
	case c.Runners.Container.Image != "":
		return RunnerContainer
	}
	return RunnerLocal
}

// runnerSettings are the fixed keys of [runners]; settings lists them.
var runnerSettings = []*setting{
	{key: "runners.use", env: []string{"LOOPER_RUNNER"}, spec: spec{kind: kindString, enum: runnerValues},
		doc: `Where attempts run: local processes (with [sandbox]), ssh ([[runners.ssh]] hosts), container ([runners.container]) or kubernetes (pods, [kubernetes]); auto picks ssh when hosts are listed, else kubernetes when [kubernetes] enabled is true, else container when an image is set, else local.`,
		get: func(c *Config) any { return c.Runners.Use }, set: func(c *Config, v any) { c.Runners.Use = v.(string) }},
	{key: "runners.container.engine", spec: spec{kind: kindString},
		doc: `Container CLI: podman (the default) or docker, or a path to one.`,
		get: func(c *Config) any { return c.Runners.Container.Engine }, set: func(c *Config, v any) { c.Runners.Container.Engine = v.(string) }},
	{key: "runners.container.image", spec: spec{kind: kindString},
		doc: `Image attempts run in; it must hold the agent's CLI. The worktree and the repository's .git are bind-mounted at their own paths.`,
		get: func(c *Config) any { return c.Runners.Container.Image }, set: func(c *Config, v any) { c.Runners.Container.Image = v.(string) }},
	{key: "runners.container.network", spec: spec{kind: kindString},
		doc: `Network of the container: host (agents need their model API), none, or a network the engine knows. Empty: host.`,
		get: func(c *Config) any { return c.Runners.Container.Network }, set: func(c *Config, v any) { c.Runners.Container.Network = v.(string) }},
	{key: "runners.container.mounts", spec: spec{kind: kindList},
		doc: `More bind mounts, "src:dst[:options]" as --volume takes them ("~/" is HOME), e.g. "~/.claude:/root/.claude:ro".`,
		get: func(c *Config) any { return c.Runners.Container.Mounts }, set: func(c *Config, v any) { c.Runners.Container.Mounts = v.([]string) }},
	{key: "runners.container.env", spec: spec{kind: kindList},
		doc: `Names of variables passed from looper's environment into the container (API keys); values never appear on a command line.`,
		get: func(c *Config) any { return c.Runners.Container.Env }, set: func(c *Config, v any) { c.Runners.Container.Env = v.([]string) }},
	{key: "runners.container.ulimits", spec: spec{kind: kindList},
		doc: `Rlimits of the container, "name=soft:hard". Empty: nofile at looper's own limits and nproc=4096:4096 (podman's defaults raise them, which unprivileged and nested users may not).`,
		get: func(c *Config) any { return c.Runners.Container.Ulimits }, set: func(c *Config, v any) { c.Runners.Container.Ulimits = v.([]string) }},
	{key: "runners.container.args", spec: spec{kind: kindList},
		doc: `More arguments for "<engine> run", before the image.`,
		get: func(c *Config) any { return c.Runners.Container.Args }, set: func(c *Config, v any) { c.Runners.Container.Args = v.([]string) }},
}

// sshField is one key of a [[runners.ssh]] table.
type sshField struct {
	name string
	doc  string
	spec spec
	get  func(*SSHHost) any
	set  func(*SSHHost, any)
}

var sshFields = []*sshField{
	{name: "host", doc: `Address or ssh config alias of the host (required).`, spec: spec{kind: kindString},
		get: func(h *SSHHost) any { return h.Host }, set: func(h *SSHHost, v any) { h.Host = v.(string) }},
	{name: "user", doc: `User to log in as. Empty: ssh decides.`, spec: spec{kind: kindString},
		get: func(h *SSHHost) any { return h.User }, set: func(h *SSHHost, v any) { h.User = v.(string) }},
	{name: "port", doc: `ssh port. 0: ssh decides.`, spec: spec{kind: kindInt},
		get: func(h *SSHHost) any { return h.Port }, set: func(h *SSHHost, v any) { h.Port = v.(int) }},
	{name: "slots", doc: `Attempts the host runs at once.`, spec: spec{kind: kindInt, zeroIsOne: true},
		get: func(h *SSHHost) any { return h.Slots }, set: func(h *SSHHost, v any) { h.Slots = v.(int) }},
	{name: "identity", doc: `Private key file (ssh -i).`, spec: spec{kind: kindString},
		get: func(h *SSHHost) any { return h.Identity }, set: func(h *SSHHost, v any) { h.Identity = v.(string) }},
	{name: "known_hosts", doc: `known_hosts file holding the host's key; an unknown host key is always refused.`, spec: spec{kind: kindString},
		get: func(h *SSHHost) any { return h.KnownHosts }, set: func(h *SSHHost, v any) { h.KnownHosts = v.(string) }},
	{name: "looper", doc: `looper on the host, which supervises the agent there. Empty: looper in the remote PATH.`, spec: spec{kind: kindString},
		get: func(h *SSHHost) any { return h.Looper }, set: func(h *SSHHost, v any) { h.Looper = v.(string) }},
	{name: "dir", doc: `Where attempts' trees are made on the host. Empty: .looper/attempts in the remote HOME.`, spec: spec{kind: kindString},
		get: func(h *SSHHost) any { return h.Dir }, set: func(h *SSHHost, v any) { h.Dir = v.(string) }},
	{name: "options", doc: `More ssh options, "Name=value" each (ssh -o).`, spec: spec{kind: kindList},
		get: func(h *SSHHost) any { return h.Options }, set: func(h *SSHHost, v any) { h.Options = v.([]string) }},
}

// sshSetting turns a host field into the setting "runners.ssh.<i>.<field>".
func sshSetting(i int, f *sshField) *setting {
	return &setting{
		key: "runners.ssh." + strconv.Itoa(i) + "." + f.name, doc: f.doc, spec: f.spec,
		get: func(c *Config) any {
			if i >= len(c.Runners.SSH) {
				return f.get(&SSHHost{})
			}
			return f.get(&c.Runners.SSH[i])
		},
		set: func(c *Config, v any) {
			for len(c.Runners.SSH) <= i {
				c.Runners.SSH = append(c.Runners.SSH, SSHHost{})
			}
			f.set(&c.Runners.SSH[i], v)
		},
	}
}

// lookupSSHSetting finds "runners.ssh.<i>.<field>".
func lookupSSHSetting(key string) (*setting, bool) {
	rest, ok := strings.CutPrefix(key, "runners.ssh.")
	if !ok {
		return nil, false
	}
	idx, field, ok := strings.Cut(rest, ".")
	i, err := strconv.Atoi(idx)
	if !ok || err != nil || i < 0 || i > 1000 {
		return nil, false
	}
	j := slices.IndexFunc(sshFields, func(f *sshField) bool { return f.name == field })
	if j < 0 {
		return nil, false
	}
	return sshSetting(i, sshFields[j]), true
}

// runners decodes the [runners] table: its fixed keys, [runners.container]
// and the [[runners.ssh]] array.
func (p *fileParser) runners(path []string, v any) {
	m, ok := v.(map[string]any)
	if !ok {
		p.problem(path, "got %s; want a table: write [runners] or [[runners.ssh]]", describe(v))
		return
	}
	for _, k := range p.ordered(path, m) {
		kp := append(slices.Clone(path), k)
		switch k {
		case "ssh":
			hosts, ok := m[k].([]map[string]any)
			if !ok {
				p.problem(kp, "got %s; want an array of tables: write [[runners.ssh]] above each host's keys", describe(m[k]))
				continue
			}
			var known []string
			for _, f := range sshFields {
				known = append(known, f.name)
			}
			for i, h := range hosts {
				for _, hk := range p.ordered(kp, h) {
					s, ok := lookupSSHSetting(fmt.Sprintf("runners.ssh.%d.%s", i, hk))
					if !ok {
						p.unknown(append(slices.Clone(kp), hk), known)
						continue
					}
					p.assign(append(slices.Clone(kp), hk), s, h[hk])
				}
			}
		case "container":
			p.section("runners.container", m[k])
		default:
			s, ok := staticSettings["runners."+k]
			if !ok {
				p.unknown(kp, []string{"use", "ssh", "container"})
				continue
			}
			p.assign(kp, s, m[k])
		}
	}
}

func (r RunnersConfig) clone() RunnersConfig {
	d := r
	d.SSH = slices.Clone(r.SSH)
	for i := range d.SSH {
		d.SSH[i].Options = slices.Clone(r.SSH[i].Options)
	}
	c := &d.Container
	c.Mounts, c.Env, c.Ulimits, c.Args = slices.Clone(c.Mounts), slices.Clone(c.Env), slices.Clone(c.Ulimits), slices.Clone(c.Args)
	return d
}
