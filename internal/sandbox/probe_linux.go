package sandbox

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
)

// probe finds bwrap and runs `true` in the namespaces a sandbox uses, so a
// kernel that forbids unprivileged user namespaces is found before an
// agent is started, with the fix for the cause bwrap names.
func probe(bin string) Availability {
	if bin == "" {
		bin = "bwrap"
	}
	path, err := exec.LookPath(bin)
	if err != nil {
		return Availability{Err: errors.New("bubblewrap (bwrap) is not installed"), Fix: "apt-get install bubblewrap (dnf install bubblewrap, pacman -S bubblewrap)"}
	}
	av := Availability{Path: path}
	ctx, cancel := context.WithTimeout(context.Background(), probeTimeout)
	defer cancel()
	if out, err := exec.CommandContext(ctx, path, "--version").Output(); err == nil {
		av.Version = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(string(out)), "bubblewrap"))
	}
	cmd := exec.CommandContext(ctx, path, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc",
		"--unshare-all", "--die-with-parent", "--tmpfs", "/tmp", "--", "true")
	cmd.Env = os.Environ()
	out, err := cmd.CombinedOutput()
	if err == nil {
		return av
	}
	msg := strings.TrimSpace(string(out))
	if msg == "" {
		msg = err.Error()
	}
	av.Err = fmt.Errorf("bwrap cannot create a sandbox here (%s)", msg)
	av.Fix = namespaceFix(msg)
	return av
}

// namespaceFix is the fix for a bwrap that is installed but cannot create
// its namespaces, by the cause the kernel's settings point at.
func namespaceFix(msg string) string {
	if b, err := os.ReadFile("/proc/sys/kernel/apparmor_restrict_unprivileged_userns"); err == nil && strings.TrimSpace(string(b)) == "1" {
		return "sysctl -w kernel.apparmor_restrict_unprivileged_userns=0 (AppArmor forbids unprivileged user namespaces), or an AppArmor profile that allows userns for bwrap"
	}
	if b, err := os.ReadFile("/proc/sys/kernel/unprivileged_userns_clone"); err == nil && strings.TrimSpace(string(b)) == "0" {
		return "sysctl -w kernel.unprivileged_userns_clone=1 (the kernel forbids unprivileged user namespaces)"
	}
	if b, err := os.ReadFile("/proc/sys/user/max_user_namespaces"); err == nil && strings.TrimSpace(string(b)) == "0" {
		return "sysctl -w user.max_user_namespaces=15000 (user namespaces are limited to 0)"
	}
	if strings.Contains(msg, "setting up uid map") || strings.Contains(msg, "Operation not permitted") {
		return "allow unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1, or kernel.apparmor_restrict_unprivileged_userns=0), or run looper where containers may nest"
	}
	return "run `bwrap --ro-bind / / --unshare-all true` to see why, then allow user namespaces"
}
