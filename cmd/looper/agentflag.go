package main

import (
	"github.com/looper-go/looper/config"
)

// fakeAgentName is the agent `--agent fake` selects: looper's own fake
// agent, so anyone can watch looper work on their project without an API
// key or a wrapper script.
const fakeAgentName = "fake"

// fakeAgentScenario is what the fake does for each task (internal/fakeagent's
// "try" builtin): it writes and commits looper-fake/<task>.txt and says it
// is not real work, so the loop, the commits and the backlog can be seen
// moving without anyone mistaking the result for an agent's work.
const fakeAgentScenario = "try"

// agentOverrides turns `--agent NAME` into config overrides: NAME plays
// every role (iter, review, repair, bootstrap) and every parallel slot. For
// "fake" it also defines the agent: this looper binary, run as its hidden
// fake-agent command speaking claude's stream-json, with the "try"
// scenario. It returns nothing when name is empty.
func agentOverrides(name, self string) []config.Override {
	if name == "" {
		return nil
	}
	const flag = "--agent"
	var out []config.Override
	if name == fakeAgentName {
		out = append(out,
			config.Override{Key: "agents.fake.binary", Value: self, Flag: flag},
			config.Override{Key: "agents.fake.format", Value: "claude", Flag: flag},
			config.Override{Key: "agents.fake.args", Value: []string{"fake-agent", "claude", "-p", "--output-format", "stream-json", "--verbose"}, Flag: flag},
			config.Override{Key: "agents.fake.env", Value: map[string]any{"LOOPER_FAKE_DEFAULT": fakeAgentScenario}, Flag: flag},
		)
	}
	for _, role := range []string{"roles.iter", "roles.review", "roles.repair", "roles.bootstrap"} {
		out = append(out, config.Override{Key: role, Value: name, Flag: flag})
	}
	return append(out, config.Override{Key: "parallel.agents", Value: []string{}, Flag: flag})
}
