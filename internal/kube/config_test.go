package kube

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestConfigValidate(t *testing.T) {
	good := Config{Image: "looper:1", Namespace: "agents", Secret: "creds", ServiceAccount: "looper",
		NodeSelector: map[string]string{"pool": "agents"}, Requests: map[string]string{"cpu": "500m"}, Limits: map[string]string{"memory": "2Gi"}}
	if err := good.Validate(); err != nil {
		t.Fatalf("a good config is refused: %v", err)
	}
	for name, c := range map[string]Config{
		"no image":         {},
		"bad namespace":    {Image: "i", Namespace: "Agents_1"},
		"bad secret":       {Image: "i", Secret: "a b"},
		"bad quantity":     {Image: "i", Requests: map[string]string{"cpu": "lots"}},
		"bad selector":     {Image: "i", NodeSelector: map[string]string{"a b": "c"}},
		"bad pull policy":  {Image: "i", PullPolicy: "Sometimes"},
		"negative timeout": {Image: "i", ScheduleTimeout: -time.Second},
	} {
		if err := c.Validate(); err == nil {
			t.Errorf("%s: Validate accepted %+v", name, c)
		}
	}
}

func TestConfigFromEnv(t *testing.T) {
	c := Config{Image: "looper:1", Namespace: "agents", Project: "p", RunID: "r", ScheduleTimeout: time.Minute,
		NodeSelector: map[string]string{"pool": "agents"}}
	t.Setenv(EnvConfig, c.Encode())
	got, err := ConfigFromEnv()
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(c, got); diff != "" {
		t.Errorf("the config did not survive the environment (-want +got):\n%s", diff)
	}
	t.Setenv(EnvConfig, "")
	if _, err := ConfigFromEnv(); err == nil || !strings.Contains(err.Error(), "not set") {
		t.Errorf("an unset %s gave %v", EnvConfig, err)
	}
	t.Setenv(EnvConfig, "{")
	if _, err := ConfigFromEnv(); err == nil {
		t.Errorf("a broken %s was accepted", EnvConfig)
	}
}

// FuzzDecodeConfig feeds DecodeConfig arbitrary text: it returns a config
// or an error, never panics, and what it accepts is valid and encodes back
// to the same config.
func FuzzDecodeConfig(f *testing.F) {
	f.Add(`{"image":"i","namespace":"n"}`)
	f.Add(`{"image":"i","requests":{"cpu":"x"}}`)
	f.Add(`[]`)
	f.Fuzz(func(t *testing.T, s string) {
		c, err := DecodeConfig(s)
		if err != nil {
			return
		}
		if verr := c.Validate(); verr != nil {
			t.Errorf("DecodeConfig accepted an invalid config: %v", verr)
		}
		again, err := DecodeConfig(c.Encode())
		if err != nil {
			t.Fatalf("an accepted config does not decode again: %v", err)
		}
		if diff := cmp.Diff(c, again, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("Encode/DecodeConfig changed the config (-first +again):\n%s", diff)
		}
	})
}
