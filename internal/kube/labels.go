package kube

import (
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"strings"

	"k8s.io/apimachinery/pkg/labels"
)

// The labels every attempt pod carries, so that looper can find its pods
// again: a run's own at its end, an earlier run's at the next start.
const (
	LabelProject = "looper.dev/project" // the backlog (ProjectLabel)
	LabelRun     = "looper.dev/run"     // the run id
	LabelTask    = "looper.dev/task"    // the task id
	LabelAttempt = "looper.dev/attempt" // the task's attempt number
	LabelAgent   = "looper.dev/agent"   // the agent slot ("claude-1")
)

// ProjectLabel is the label value naming a backlog: the last path element
// and a hash of the whole absolute path, so two checkouts of one project
// never clean up each other's pods.
func ProjectLabel(todoPath string) string {
	sum := sha256.Sum256([]byte(todoPath))
	base := LabelValue(strings.TrimSuffix(lastElem(todoPath), ".json"))
	if len(base) > 40 {
		base = strings.Trim(base[:40], "-_.")
	}
	h := hex.EncodeToString(sum[:])[:12]
	if base == "" {
		return h
	}
	return base + "-" + h
}

func lastElem(p string) string {
	p = strings.TrimRight(p, "/")
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[i+1:]
	}
	return p
}

var notLabel = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// LabelValue turns s into a valid label value: characters a label value
// may not hold become "-", it is cut to 63 bytes, and it starts and ends
// with an alphanumeric character ("" when nothing is left).
func LabelValue(s string) string {
	s = notLabel.ReplaceAllString(s, "-")
	if len(s) > 63 {
		s = s[:63]
	}
	return strings.Trim(s, "-_.")
}

// podNamePrefix is the GenerateName of a task's pods: "looper-" and the
// task id as a DNS label, lower case.
func podNamePrefix(task string) string {
	t := strings.ToLower(notName.ReplaceAllString(task, "-"))
	if len(t) > 40 {
		t = t[:40]
	}
	t = strings.Trim(t, "-")
	if t == "" {
		return "looper-"
	}
	return "looper-" + t + "-"
}

var notName = regexp.MustCompile(`[^A-Za-z0-9-]+`)

// RunSelector selects the pods of one run of one backlog.
func RunSelector(project, runID string) string {
	return labels.SelectorFromSet(labels.Set{LabelProject: project, LabelRun: LabelValue(runID)}).String()
}

// ProjectSelector selects every pod of one backlog, whatever run made it.
func ProjectSelector(project string) string {
	return labels.SelectorFromSet(labels.Set{LabelProject: project}).String()
}
