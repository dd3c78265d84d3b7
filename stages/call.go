package stages

import (
	"context"
	"time"

	"github.com/looper-go/looper/internal/agent"
	"github.com/looper-go/looper/internal/prompts"
)

// The roles an agent is run in: the stage its events name, and the
// LOOPER_MODE it sees.
const (
	roleIteration = "iteration"
	roleReview    = "review"
	roleBootstrap = "bootstrap"
	roleRepair    = "repair"
)

// agentCall is one run of one agent, whatever its role: a task attempt
// (the agents stage), the review pass, the bootstrap or the repair agent.
type agentCall struct {
	// Agent is the configured agent name; Role is one of the role
	// constants.
	Agent, Role string
	// Prompt names the prompt; Data is its variables, to which callAgent
	// adds the paths, the time and the agent.
	Prompt string
	Data   prompts.Data
	// Dir is where the agent runs ("" = the project root).
	Dir string
	// Label names its last-message file.
	Label string
	// Contract is the summary the agent owes.
	Contract agent.Contract
	// TaskID, AgentID, Attempt and Iteration identify it in events.
	TaskID, AgentID    string
	Attempt, Iteration int
}

// stage is the stage the call's events name: "agents" for task attempts,
// else the role.
func (c agentCall) stage() string {
	if c.Role == roleIteration {
		return "agents"
	}
	return c.Role
}

// callAgent is looper's one way of running an agent: it renders the
// prompt (an error, never sent to an agent as if it were a prompt), runs
// the agent with the backlog and the role in its environment, and returns
// the classified result with the last-message file it wrote to. Every
// role goes through it, so every agent sees the same variables and
// environment, and every agent's events go to its run's stream.
func callAgent(ctx context.Context, d *env, run *runState, spec agent.Spec, c agentCall) (agent.Result, string, error) {
	if c.Dir == "" {
		c.Dir = d.WorkDir
	}
	data := c.Data
	data.TodoPath, data.SchemaPath, data.WorkDir = d.TodoPath, d.SchemaPath, c.Dir
	data.Schedule = c.Agent
	data.Now = d.now().UTC().Format(time.RFC3339)
	data.HasGH = hasGH()
	if data.Iteration == 0 {
		data.Iteration = max(c.Iteration, 1)
	}
	text, err := d.Prompts.Render(c.Prompt, data)
	if err != nil {
		return agent.Result{}, "", err
	}
	lastMessage := d.lastMessage(c.Label)
	res := d.Runner.Run(ctx, spec, agent.Request{
		Prompt:          text,
		Dir:             c.Dir,
		LastMessagePath: lastMessage,
		Contract:        c.Contract,
		TaskID:          c.TaskID,
		AgentID:         c.AgentID,
		Attempt:         c.Attempt,
		Iteration:       c.Iteration,
		Stage:           c.stage(),
		Env:             []string{"LOOPER_TODO=" + d.TodoPath, "LOOPER_MODE=" + c.Role},
		Events:          run.stream(),
	})
	return res, lastMessage, nil
}
