package fakeagent

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// resolve turns a raw scenario value (a builtin name or an object) into a
// scenario.
func resolve(raw json.RawMessage, dir string) (Scenario, error) {
	raw = bytes.TrimSpace(raw)
	var sc Scenario
	if len(raw) > 0 && raw[0] == '"' {
		var name string
		if err := json.Unmarshal(raw, &name); err != nil {
			return sc, err
		}
		sc.Builtin = name
	} else {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&sc); err != nil {
			return sc, err
		}
	}
	if sc.Builtin != "" {
		base, ok := builtins[sc.Builtin]
		if !ok {
			base, ok = misbehaviours[sc.Builtin]
		}
		if !ok {
			return sc, fmt.Errorf("unknown builtin scenario %q (builtins: %s)", sc.Builtin, strings.Join(Builtins(), ", "))
		}
		if sc.Steps == nil {
			sc.Steps = base.Steps
		}
		if sc.Exit == nil {
			sc.Exit = base.Exit
		}
		if sc.OnSigterm == "" {
			sc.OnSigterm = base.OnSigterm
		}
		if sc.LineDelayMS == 0 {
			sc.LineDelayMS = base.LineDelayMS
		}
		sc.NoFinalNewline = sc.NoFinalNewline || base.NoFinalNewline
	}
	sc.dir = dir
	return sc, sc.validate()
}

// selectScenario picks the scenario for this run: a prompt marker first,
// then the scenario file's most specific entry for the attempt (iteration
// mode: "T1@2/claude#3", "T1/claude#3", "T1@2", "T1", from LOOPER_TASK_ID,
// LOOPER_ATTEMPT and LOOPER_AGENT_ID) or the mode ("review", "bootstrap",
// "repair"), then its "default", then the built-in default for the mode.
func selectScenario(prompt string, ctx runContext) (Scenario, error) {
	if m := markerRE.FindStringSubmatch(prompt); m != nil {
		v := m[1]
		if !strings.HasPrefix(v, "{") {
			v = fmt.Sprintf("%q", v)
		}
		sc, err := resolve(json.RawMessage(v), ctx.cwd)
		if err != nil {
			return sc, fmt.Errorf("prompt marker FAKEAGENT: %w", err)
		}
		return sc, nil
	}
	if path := ctx.scenarioFile; path != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			return Scenario{}, fmt.Errorf("LOOPER_FAKE_SCENARIOS: %w", err)
		}
		var table map[string]json.RawMessage
		if err := json.Unmarshal(data, &table); err != nil {
			return Scenario{}, fmt.Errorf("LOOPER_FAKE_SCENARIOS %s: %w", path, err)
		}
		keys := []string{ctx.mode, "default"}
		if ctx.mode == "iteration" {
			keys = []string{
				ctx.taskID + "@" + ctx.attempt + "/" + ctx.agentID,
				ctx.taskID + "/" + ctx.agentID,
				ctx.taskID + "@" + ctx.attempt,
				ctx.taskID, "default",
			}
		}
		for _, k := range keys {
			if raw, ok := table[k]; ok && k != "" {
				sc, err := resolve(raw, filepath.Dir(path))
				if err != nil {
					return sc, fmt.Errorf("LOOPER_FAKE_SCENARIOS %s, entry %q: %w", path, k, err)
				}
				return sc, nil
			}
		}
	}
	if ctx.fallback != "" && ctx.mode == "iteration" {
		sc, err := resolve(json.RawMessage(fmt.Sprintf("%q", ctx.fallback)), ctx.cwd)
		if err != nil {
			return sc, fmt.Errorf("LOOPER_FAKE_DEFAULT: %w", err)
		}
		return sc, nil
	}
	sc := defaultScenario(ctx.mode)
	sc.dir = ctx.cwd
	return sc, nil
}
