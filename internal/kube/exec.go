package kube

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/httpstream"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/remotecommand"
	utilexec "k8s.io/client-go/util/exec"
)

// Exec runs argv in the pod's container through the API server (pods/exec),
// with stdin (nil for none) and the two output streams wired to the given
// readers and writers. It returns the command's exit status; err is for
// what kept the command from running or its streams from ending cleanly
// (the pod went away, the connection broke). It prefers the WebSocket
// protocol and falls back to SPDY for API servers that lack it.
func (cl *Client) Exec(ctx context.Context, pod string, argv []string, stdin io.Reader, stdout, stderr io.Writer) (int, error) {
	if cl.REST == nil {
		return -1, errors.New("kubernetes: this client cannot exec (no REST config)")
	}
	req := cl.Set.CoreV1().RESTClient().Post().Resource("pods").Namespace(cl.Namespace).Name(pod).SubResource("exec")
	req.VersionedParams(&corev1.PodExecOptions{
		Container: container,
		Command:   argv,
		Stdin:     stdin != nil,
		Stdout:    stdout != nil,
		Stderr:    stderr != nil,
	}, scheme.ParameterCodec)
	ws, err := remotecommand.NewWebSocketExecutor(cl.REST, http.MethodGet, req.URL().String())
	if err != nil {
		return -1, fmt.Errorf("exec in pod %s: %w", pod, err)
	}
	spdy, err := remotecommand.NewSPDYExecutor(cl.REST, http.MethodPost, req.URL())
	if err != nil {
		return -1, fmt.Errorf("exec in pod %s: %w", pod, err)
	}
	ex, err := remotecommand.NewFallbackExecutor(ws, spdy, func(err error) bool {
		return httpstream.IsUpgradeFailure(err) || httpstream.IsHTTPSProxyError(err)
	})
	if err != nil {
		return -1, fmt.Errorf("exec in pod %s: %w", pod, err)
	}
	err = ex.StreamWithContext(ctx, remotecommand.StreamOptions{Stdin: stdin, Stdout: stdout, Stderr: stderr})
	var exit utilexec.ExitError
	switch {
	case err == nil:
		return 0, nil
	case errors.As(err, &exit) && exit.Exited():
		return exit.ExitStatus(), nil
	}
	return -1, fmt.Errorf("exec in pod %s: %w", pod, err)
}
