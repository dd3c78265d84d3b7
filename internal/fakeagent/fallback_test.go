package fakeagent

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// TestFallbackScenarioInIterationModeOnly checks LOOPER_FAKE_DEFAULT: the
// builtin it names runs for tasks when nothing else picks a scenario, the
// other modes keep their defaults, and an unknown name is an error that
// names the variable.
func TestFallbackScenarioInIterationModeOnly(t *testing.T) {
	same := func(a, b []Step) bool { x, _ := json.Marshal(a); y, _ := json.Marshal(b); return bytes.Equal(x, y) }
	sc, err := selectScenario("x", runContext{mode: "iteration", taskID: "T1", fallback: "try"})
	if err != nil || !same(sc.Steps, builtins["try"].Steps) {
		t.Errorf("iteration mode with LOOPER_FAKE_DEFAULT=try: %+v, %v", sc, err)
	}
	sc, err = selectScenario("x", runContext{mode: "review", fallback: "try"})
	if err != nil || !same(sc.Steps, defaultScenario("review").Steps) {
		t.Errorf("review mode ignores LOOPER_FAKE_DEFAULT: %+v, %v", sc, err)
	}
	if _, err := selectScenario("x", runContext{mode: "iteration", fallback: "no-such"}); err == nil || !strings.Contains(err.Error(), "LOOPER_FAKE_DEFAULT") {
		t.Errorf("an unknown LOOPER_FAKE_DEFAULT: %v", err)
	}
}
