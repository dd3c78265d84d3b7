// Package sshtest starts real OpenSSH servers for tests of the ssh runner:
// each one a separate "host" in a network namespace the test creates (a
// veth pair with a /30 of its own), or, where namespaces cannot be made,
// an sshd on a 127.0.0.x address of its own. Every server has a temporary
// host key and authorizes one temporary client key; the test's
// known_hosts file holds exactly these hosts. Nothing is started by hand
// and everything is removed when the test ends.
package sshtest

import (
	"crypto/rand"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Sshd is the OpenSSH server binary Debian's openssh-server installs.
const Sshd = "/usr/sbin/sshd"

// Server is one running sshd, a host of the test.
type Server struct {
	// Addr and Port are where it listens.
	Addr string
	Port int
	// Identity and KnownHosts are the client key that it accepts and the
	// known_hosts file that holds its host key.
	Identity, KnownHosts string
	// NS is its network namespace ("" when it listens on loopback).
	NS  string
	cmd *exec.Cmd
	mu  sync.Mutex
}

// Keys are a test's client key and known_hosts file.
type Keys struct {
	Dir, Identity, KnownHosts string
	pub                       []byte
}

// Need skips the test when the tools a server needs are missing: sshd,
// ssh-keygen and ssh. CI installs them (openssh-server), so there the
// test runs.
func Need(t testing.TB) {
	t.Helper()
	for _, bin := range []string{Sshd} {
		if _, err := os.Stat(bin); err != nil {
			t.Skipf("%s is not installed (apt-get install openssh-server)", bin)
		}
	}
	for _, bin := range []string{"ssh", "ssh-keygen"} {
		if _, err := exec.LookPath(bin); err != nil {
			t.Skipf("%s is not installed (apt-get install openssh-client)", bin)
		}
	}
}

// NewKeys makes a client key pair and an empty known_hosts file.
func NewKeys(t testing.TB) *Keys {
	t.Helper()
	dir := t.TempDir()
	k := &Keys{Dir: dir, Identity: filepath.Join(dir, "id_ed25519"), KnownHosts: filepath.Join(dir, "known_hosts")}
	run(t, "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "looper-test", "-f", k.Identity)
	pub, err := os.ReadFile(k.Identity + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	k.pub = pub
	if err := os.WriteFile(k.KnownHosts, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	return k
}

func run(t testing.TB, argv ...string) string {
	t.Helper()
	out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(argv, " "), err, out)
	}
	return string(out)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%x", b)
}

// namespaces reports whether this process may create network namespaces
// (root with the ip tool); the probe makes and removes one.
func namespaces() bool {
	if os.Geteuid() != 0 {
		return false
	}
	if _, err := exec.LookPath("ip"); err != nil {
		return false
	}
	name := "lgp" + randomHex(4)
	if exec.Command("ip", "netns", "add", name).Run() != nil {
		return false
	}
	_ = exec.Command("ip", "netns", "del", name).Run()
	return true
}

var nsOnce sync.Once
var nsOK bool

// Start starts one sshd host that accepts k's key, and records its host
// key in k's known_hosts. It is stopped when the test ends.
func Start(t testing.TB, k *Keys) *Server {
	t.Helper()
	Need(t)
	nsOnce.Do(func() { nsOK = namespaces() })
	dir := t.TempDir()
	hostKey := filepath.Join(dir, "host_ed25519")
	run(t, "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", hostKey)
	if err := os.WriteFile(filepath.Join(dir, "authorized_keys"), k.pub, 0o600); err != nil {
		t.Fatal(err)
	}
	s := &Server{}
	addr, port := "", 22
	if nsOK {
		s.NS, addr = makeNamespace(t)
	} else {
		addr, port = loopbackAddr(t)
	}
	cfg := strings.Join([]string{
		"ListenAddress " + addr,
		"Port " + strconv.Itoa(port),
		"HostKey " + hostKey,
		"AuthorizedKeysFile " + filepath.Join(dir, "authorized_keys"),
		"PidFile " + filepath.Join(dir, "sshd.pid"),
		"StrictModes no",
		"UsePAM no",
		"PasswordAuthentication no",
		"KbdInteractiveAuthentication no",
		"PermitRootLogin prohibit-password",
		"PrintMotd no",
		"LogLevel ERROR",
		"",
	}, "\n")
	cfgPath := filepath.Join(dir, "sshd_config")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() == 0 {
		_ = os.MkdirAll("/run/sshd", 0o755) // sshd's privilege separation directory
	}
	argv := []string{Sshd, "-D", "-e", "-f", cfgPath}
	if s.NS != "" {
		argv = append([]string{"ip", "netns", "exec", s.NS}, argv...)
		if rc := shellStartup(); len(rc) > 0 {
			// The host's own mount namespace (ip netns exec makes one):
			// the login shell's startup files are empty there, as on a
			// build machine, instead of this machine's, which may start
			// dozens of processes for every remote command.
			empty := filepath.Join(dir, "empty")
			if err := os.WriteFile(empty, nil, 0o644); err != nil {
				t.Fatal(err)
			}
			script := ""
			for _, f := range rc {
				script += "mount --bind " + empty + " " + f + " && "
			}
			argv = append(argv[:4:4], "sh", "-c", script+`exec "$0" "$@"`, Sshd, "-D", "-e", "-f", cfgPath)
		}
	}
	s.cmd = exec.Command(argv[0], argv[1:]...)
	s.cmd.Stderr = &testWriter{t: t, prefix: "sshd " + addr + ": "}
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Kill)
	pub, err := os.ReadFile(hostKey + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	known := addr
	if port != 22 {
		known = fmt.Sprintf("[%s]:%d", addr, port)
	}
	f, err := os.OpenFile(k.KnownHosts, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	fields := strings.Fields(string(pub))
	fmt.Fprintf(f, "%s %s %s\n", known, fields[0], fields[1])
	f.Close()
	waitListening(t, net.JoinHostPort(addr, strconv.Itoa(port)))
	s.Addr, s.Port, s.Identity, s.KnownHosts = addr, port, k.Identity, k.KnownHosts
	return s
}

// shellStartup lists the startup files of this user's shell that a
// remote command would read (bash reads ~/.bashrc under sshd).
func shellStartup() []string {
	home, err := os.UserHomeDir()
	if err != nil {
		return nil
	}
	var out []string
	for _, f := range []string{".bashrc", ".bash_profile", ".profile", ".zshenv"} {
		p := filepath.Join(home, f)
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() {
			out = append(out, p)
		}
	}
	return out
}

// makeNamespace makes a namespace with a veth pair into it, a random
// 10.x.y.z/30 between them, and returns the namespace and its address.
func makeNamespace(t testing.TB) (ns, addr string) {
	t.Helper()
	id := randomHex(4)
	ns = "lg" + id
	outer, inner := "lg"+id+"o", "lg"+id+"i"
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	net3 := fmt.Sprintf("10.%d.%d.%d", 100+int(b[0])%100, b[1], int(b[2])&^3)
	base := strings.Split(net3, ".")
	last, _ := strconv.Atoi(base[3])
	hostSide := fmt.Sprintf("%s.%s.%s.%d", base[0], base[1], base[2], last+1)
	nsSide := fmt.Sprintf("%s.%s.%s.%d", base[0], base[1], base[2], last+2)
	run(t, "ip", "netns", "add", ns)
	t.Cleanup(func() { _ = exec.Command("ip", "netns", "del", ns).Run() })
	run(t, "ip", "link", "add", outer, "type", "veth", "peer", "name", inner)
	t.Cleanup(func() { _ = exec.Command("ip", "link", "del", outer).Run() })
	run(t, "ip", "link", "set", inner, "netns", ns)
	run(t, "ip", "addr", "add", hostSide+"/30", "dev", outer)
	run(t, "ip", "link", "set", outer, "up")
	run(t, "ip", "netns", "exec", ns, "ip", "addr", "add", nsSide+"/30", "dev", inner)
	run(t, "ip", "netns", "exec", ns, "ip", "link", "set", inner, "up")
	run(t, "ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up")
	return ns, nsSide
}

// loopbackAddr picks a 127.0.0.x address and a free port on it.
func loopbackAddr(t testing.TB) (string, int) {
	t.Helper()
	b := make([]byte, 2)
	_, _ = rand.Read(b)
	addr := fmt.Sprintf("127.0.%d.%d", 1+int(b[0])%250, 2+int(b[1])%250)
	l, err := net.Listen("tcp", net.JoinHostPort(addr, "0"))
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	return addr, port
}

func waitListening(t testing.TB, addr string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("sshd on %s did not start listening: %v", addr, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Kill ends the host abruptly, as a machine that loses power: sshd and
// every session it serves die at once, and every process of the host (in
// its namespace) with them. On loopback only sshd and its sessions die.
func (s *Server) Kill() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return
	}
	if s.NS != "" {
		out, _ := exec.Command("ip", "netns", "pids", s.NS).Output()
		for _, f := range strings.Fields(string(out)) {
			if pid, err := strconv.Atoi(f); err == nil && pid > 1 {
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
		}
	}
	_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
	_ = s.cmd.Process.Kill()
	_ = s.cmd.Wait()
	s.cmd = nil
}

// testWriter logs a server's stderr through the test.
type testWriter struct {
	t      testing.TB
	prefix string
}

func (w *testWriter) Write(b []byte) (int, error) {
	for _, line := range strings.Split(strings.TrimRight(string(b), "\n"), "\n") {
		w.t.Log(w.prefix + line)
	}
	return len(b), nil
}
