package kube

import (
	"fmt"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// Client is a connection to the API server in the attempts' namespace.
type Client struct {
	// Set is the typed client.
	Set kubernetes.Interface
	// REST is what exec streams are opened with; nil for a fake clientset
	// (which cannot exec).
	REST *rest.Config
	// Namespace is where the pods go: Config.Namespace, else the context's.
	Namespace string
}

// Connect opens a Client for c: its kubeconfig and context, else the
// usual loading rules (KUBECONFIG, ~/.kube/config), else the in-cluster
// service account.
func Connect(c Config) (*Client, error) {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	if c.Kubeconfig != "" {
		rules.ExplicitPath = c.Kubeconfig
	}
	overrides := &clientcmd.ConfigOverrides{CurrentContext: c.Context}
	cc := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, overrides)
	rc, err := cc.ClientConfig()
	if err != nil {
		return nil, fmt.Errorf("kubernetes: load the kubeconfig: %w", err)
	}
	ns := c.Namespace
	if ns == "" {
		if ns, _, err = cc.Namespace(); err != nil {
			return nil, fmt.Errorf("kubernetes: the context's namespace: %w", err)
		}
	}
	rc.UserAgent = "looper"
	// Many attempts share one coordinator; client-go's default of 5 QPS
	// would make them queue behind each other's polls.
	rc.QPS, rc.Burst = 50, 100
	set, err := kubernetes.NewForConfig(rc)
	if err != nil {
		return nil, fmt.Errorf("kubernetes: %w", err)
	}
	return &Client{Set: set, REST: rc, Namespace: ns}, nil
}
