package stages

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/looper-go/looper/internal/agent"
	"github.com/looper-go/looper/internal/prompts"
	"github.com/looper-go/looper/sinks"
	"github.com/looper-go/looper/todo"
)

// Prepare makes sure there is a valid backlog before the loop starts, as
// upstream did: a missing backlog is written by the bootstrap agent (from
// userPrompt, the user's idea, when given), an invalid one (malformed JSON
// included) is fixed by the repair agent. The invalid file is copied aside
// first, so nothing the user wrote is lost. A file larger than
// todo.MaxFileSize is refused with todo.Load's error, neither copied nor
// repaired. A missing schema file is
// written from the bundled schema; an existing one is never rewritten.
//
// It needs Services.Runner (and no Store: the backlog may not exist yet).
//
// Its events (what it asks for, the agent's output) go to Services.Output
// on a stream of its own, closed before it returns.
func Prepare(ctx context.Context, settings Settings, services Services, userPrompt string) error {
	d := newEnv(settings, services)
	if d.Runner == nil {
		return errNoRunner
	}
	run := &runState{events: d.openEvents(ctx)}
	err := prepare(ctx, d, run, userPrompt)
	return errors.Join(err, run.events.Close())
}

// prepare is Prepare with its event stream open.
func prepare(ctx context.Context, d *env, run *runState, userPrompt string) error {
	if d.SchemaPath != "" {
		if _, err := os.Stat(d.SchemaPath); errors.Is(err, fs.ErrNotExist) {
			if err := os.MkdirAll(filepath.Dir(d.SchemaPath), 0o755); err != nil {
				return err
			}
			if err := os.WriteFile(d.SchemaPath, todo.SchemaJSON, 0o644); err != nil {
				return err
			}
		}
	}
	_, err := os.Stat(d.TodoPath)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		d.info(run, "bootstrap", slog.LevelInfo, sinks.KindInfo, fmt.Sprintf("no backlog at %s; asking the %s agent to write one", d.TodoPath, d.BootstrapAgent))
		if err := runHelperAgent(ctx, d, run, d.BootstrapAgent, roleBootstrap, prompts.Bootstrap, prompts.Data{UserPrompt: userPrompt}); err != nil {
			return err
		}
		if _, err := os.Stat(d.TodoPath); err != nil {
			return fmt.Errorf("the bootstrap agent did not write a backlog at %s; write one (looper init gives an example) and run again", d.TodoPath)
		}
	case err != nil:
		return err
	}
	_, err = todo.Load(d.TodoPath)
	if err == nil {
		return nil
	}
	data, rerr := readBacklog(d.TodoPath)
	if rerr != nil {
		return rerr
	}
	if data == nil {
		// Too large to be a backlog (a wrong path, a runaway file): refused
		// as it is; copying it or asking an agent to read it would only
		// spend memory, disk and tokens on it.
		return err
	}
	backup, werr := keepCopy(d.TodoPath, "invalid", d.now(), data)
	if werr != nil {
		return werr
	}
	d.info(run, "repair", slog.LevelWarn, sinks.KindWarning, fmt.Sprintf("backlog %s is invalid (a copy is kept as %s); asking the %s agent to repair it:\n%v", d.TodoPath, backup, d.RepairAgent, err))
	if rerr := runHelperAgent(ctx, d, run, d.RepairAgent, roleRepair, prompts.Repair, prompts.Data{ErrorMessage: err.Error()}); rerr != nil {
		return rerr
	}
	if _, err2 := todo.Load(d.TodoPath); err2 != nil {
		return fmt.Errorf("backlog is still invalid after repair (the original is kept as %s):\n%w", backup, err2)
	}
	d.info(run, "repair", slog.LevelInfo, sinks.KindInfo, "backlog repaired")
	return nil
}

// readBacklog reads a backlog that failed to load, for its copy. It
// returns nil data for a file larger than todo.MaxFileSize, and reads at
// most that much (the file may grow after its size is checked), so memory
// stays bounded whatever the file is.
func readBacklog(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.Size() > todo.MaxFileSize {
		return nil, nil
	}
	data, err := io.ReadAll(io.LimitReader(f, todo.MaxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > todo.MaxFileSize {
		return nil, nil
	}
	return data, nil
}

// runHelperAgent runs the bootstrap or repair agent in the project root.
// Its summary is free text; only a failure of the process matters.
func runHelperAgent(ctx context.Context, d *env, run *runState, name, role, prompt string, data prompts.Data) error {
	spec, ok := d.Agents[name]
	if !ok {
		return fmt.Errorf("%s: no agent named %q is configured (roles.%s)", role, name, role)
	}
	data.Iteration = 1
	res, _, err := callAgent(ctx, d, run, spec, agentCall{
		Agent: name, Role: role, Prompt: prompt, Data: data, Label: role,
		Contract: agent.ContractNone, AgentID: name + "#1", Attempt: 1,
	})
	if err != nil {
		return err
	}
	if ctx.Err() != nil {
		return context.Cause(ctx)
	}
	if res.Class != agent.ClassOK && res.Class != agent.ClassNoSummary {
		return fmt.Errorf("%s agent %s failed: %s (%s)", role, name, res.Err, res.Class)
	}
	return nil
}

// keepCopy writes data next to path as <path>.<what>-<time>, adding -2, -3,
// ... rather than ever replacing an earlier copy, and returns its name.
func keepCopy(path, what string, now time.Time, data []byte) (string, error) {
	base := fmt.Sprintf("%s.%s-%s", path, what, now.UTC().Format("20060102T150405"))
	name := base
	for n := 2; ; n++ {
		f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, fs.ErrExist) {
			name = fmt.Sprintf("%s-%d", base, n)
			continue
		}
		if err != nil {
			return "", err
		}
		_, err = f.Write(data)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		return name, err
	}
}
