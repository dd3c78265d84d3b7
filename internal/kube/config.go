package kube

import (
	"errors"
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation"
)

// DefaultScheduleTimeout is how long a pod may stay unschedulable before
// its attempt fails with the scheduler's reason, when Config sets none.
const DefaultScheduleTimeout = 5 * time.Minute

// Config is the [kubernetes] section as an attempt needs it, plus the run's
// identity that goes into the pods' labels. Everything in it is a name or a
// quantity: the coordinator never reads the credentials Secret.
type Config struct {
	// Kubeconfig is the kubeconfig file; "" uses KUBECONFIG, then
	// ~/.kube/config, then the in-cluster service account.
	Kubeconfig string
	// Context is the kubeconfig context; "" is its current context.
	Context string
	// Namespace holds the attempts' pods; "" is the context's namespace.
	Namespace string
	// Image holds git, a POSIX shell and the agent CLIs (and looper, whose
	// kube-hold is the container's command).
	Image string
	// PullPolicy is the image pull policy: "", Always, IfNotPresent or Never.
	PullPolicy string
	// Secret names a Secret whose keys become the agent's environment and
	// whose files are mounted read-only at SecretMount; "" for none.
	Secret string
	// ServiceAccount runs the pod; "" is the namespace's default. Its
	// token is never mounted: the agent gets no API credentials.
	ServiceAccount string
	// NodeSelector restricts the nodes a pod may run on.
	NodeSelector map[string]string
	// Requests and Limits are the agent container's resources
	// ({cpu = "1", memory = "2Gi"}).
	Requests map[string]string
	Limits   map[string]string
	// ScheduleTimeout bounds how long a pod may stay unschedulable; 0 is
	// DefaultScheduleTimeout.
	ScheduleTimeout time.Duration

	// Project is the backlog's label value (ProjectLabel), RunID the run's.
	Project string
	RunID   string
}

// SecretMount is where the credentials Secret's files are in the pod.
const SecretMount = "/var/run/secrets/looper"

// Validate reports what makes c unusable, before any pod is made.
func (c Config) Validate() error {
	var errs []error
	if c.Image == "" {
		errs = append(errs, errors.New("kubernetes.image is empty: name an image holding git, a shell, looper and the agent CLIs"))
	}
	switch c.PullPolicy {
	case "", "Always", "IfNotPresent", "Never":
	default:
		errs = append(errs, fmt.Errorf("kubernetes.pull_policy %q: want Always, IfNotPresent or Never", c.PullPolicy))
	}
	if c.Namespace != "" {
		for _, m := range validation.IsDNS1123Label(c.Namespace) {
			errs = append(errs, fmt.Errorf("kubernetes.namespace %q: %s", c.Namespace, m))
		}
	}
	if c.Secret != "" {
		for _, m := range validation.IsDNS1123Subdomain(c.Secret) {
			errs = append(errs, fmt.Errorf("kubernetes.secret %q: %s", c.Secret, m))
		}
	}
	if c.ServiceAccount != "" {
		for _, m := range validation.IsDNS1123Subdomain(c.ServiceAccount) {
			errs = append(errs, fmt.Errorf("kubernetes.service_account %q: %s", c.ServiceAccount, m))
		}
	}
	for k, v := range c.NodeSelector {
		for _, m := range validation.IsQualifiedName(k) {
			errs = append(errs, fmt.Errorf("kubernetes.node_selector key %q: %s", k, m))
		}
		for _, m := range validation.IsValidLabelValue(v) {
			errs = append(errs, fmt.Errorf("kubernetes.node_selector value %q: %s", v, m))
		}
	}
	for _, q := range []struct {
		name string
		m    map[string]string
	}{{"requests", c.Requests}, {"limits", c.Limits}} {
		for k, v := range q.m {
			if _, err := resource.ParseQuantity(v); err != nil {
				errs = append(errs, fmt.Errorf("kubernetes.%s %s = %q: %v", q.name, k, v, err))
			}
		}
	}
	if c.ScheduleTimeout < 0 {
		errs = append(errs, fmt.Errorf("kubernetes.schedule_timeout %v is negative", c.ScheduleTimeout))
	}
	return errors.Join(errs...)
}

func (c Config) scheduleTimeout() time.Duration {
	if c.ScheduleTimeout > 0 {
		return c.ScheduleTimeout
	}
	return DefaultScheduleTimeout
}
