package kube

import (
	"testing"
	"time"
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
