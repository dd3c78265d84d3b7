#!/usr/bin/env bash
# cluster.sh runs a throwaway single-node Kubernetes cluster for looper's end-to-end test:
# etcd, containerd and runc from Debian, and kube-apiserver, kube-controller-manager,
# kube-scheduler and kubelet built by build.sh from the k8s.io/kubernetes module. Everything
# it makes lives under one directory, and stop removes every process (by the pids it
# recorded, never by name), mount, network namespace, interface and cgroup it made.
#
#   cluster.sh start DIR        start the cluster under DIR (empty or missing); prints the
#                               kubeconfig path once the node is Ready
#   cluster.sh image DIR LOOPER NAME:TAG
#                               build the workload image (busybox sh, git, LOOPER as
#                               /usr/local/bin/looper) and import it into the cluster
#   cluster.sh stop DIR         stop what start made and remove DIR
#
# Needs root, and the Debian packages etcd-server containerd runc containernetworking-plugins
# busybox-static (.ci/run installs them). The machine must use cgroupfs (cgroup v1 or v2).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
die() { echo "cluster.sh: $*" >&2; exit 1; }

# free_port prints a TCP port on 127.0.0.1 that nothing listens on now.
free_port() {
  local p
  for _ in $(seq 1 200); do
    p=$((20000 + RANDOM % 30000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      if ! grep -q "$p" "$D/ports" 2>/dev/null; then
        echo "$p" >>"$D/ports"
        echo "$p"
        return
      fi
    fi
  done
  die "no free port"
}

# spawn NAME CMD... starts CMD in the background with its log in DIR/log/NAME.log and
# records its pid in DIR/pids/NAME.
spawn() {
  local name=$1
  shift
  nohup "$@" >"$D/log/$name.log" 2>&1 </dev/null &
  echo $! >"$D/pids/$name"
}

# wait_for DESC SECONDS CMD... polls CMD until it succeeds.
wait_for() {
  local desc=$1 secs=$2
  shift 2
  local end=$((SECONDS + secs))
  until "$@" >/dev/null 2>&1; do
    if [ $SECONDS -ge $end ]; then
      echo "cluster.sh: timed out waiting for $desc; logs in $D/log:" >&2
      tail -n 20 "$D"/log/*.log >&2 || true
      return 1
    fi
    for f in "$D"/pids/*; do
      [ -e "$f" ] || continue
      kill -0 "$(cat "$f")" 2>/dev/null || { echo "cluster.sh: $(basename "$f") exited while waiting for $desc:" >&2; tail -n 30 "$D/log/$(basename "$f").log" >&2; return 1; }
    done
    sleep 0.5
  done
}

kubectl_get() { curl -fsk -H "Authorization: Bearer $(cat "$D/token")" "https://127.0.0.1:$(cat "$D/apiserver.port")$1"; }

start() {
  [ "$(id -u)" = 0 ] || die "start needs root (containerd and kubelet)"
  for b in etcd containerd containerd-shim-runc-v2 runc ctr curl openssl; do
    command -v "$b" >/dev/null || die "$b is missing (apt-get install etcd-server containerd runc containernetworking-plugins curl openssl)"
  done
  local cni
  for cni in /usr/lib/cni /opt/cni/bin; do [ -x "$cni/bridge" ] && break; done
  [ -x "$cni/bridge" ] || die "CNI plugins are missing (apt-get install containernetworking-plugins)"
  local bin
  bin=$("$here/build.sh")
  mkdir -p "$D"
  D=$(cd "$D" && pwd)
  [ -z "$(ls -A "$D")" ] || die "$D is not empty"
  mkdir -p "$D/pids" "$D/log" "$D/etcd" "$D/containerd" "$D/cni/net.d" "$D/kubelet" "$D/pki"
  echo "$bin" >"$D/bin"
  # containerd 1.6 makes /run/containerd (shim sockets, runc state) whatever its config says.
  [ -e /run/containerd ] || touch "$D/run-containerd.made"
  local suffix
  suffix=$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')
  echo "lk8s$suffix" >"$D/bridge"
  echo "looper-k8s-$suffix" >"$D/network"
  # The kubelet's cgroups go under a root of this cluster's own (cgroupRoot), so that stop
  # removes only those, and two clusters on one machine never take each other's pods for
  # orphans. The kubelet wants the root to exist in every hierarchy.
  echo "/looper-k8s-$suffix" >"$D/cgroup"
  local h
  if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
    mkdir -p "/sys/fs/cgroup/looper-k8s-$suffix"
  else
    for h in /sys/fs/cgroup/*/; do
      [ -L "${h%/}" ] || mkdir -p "$h/looper-k8s-$suffix"
    done
  fi

  # Credentials for a test cluster only: a static admin token and service-account keys.
  od -An -N16 -tx1 /dev/urandom | tr -d ' \n' >"$D/token"
  echo "$(cat "$D/token"),admin,admin,system:masters" >"$D/tokens.csv"
  openssl genrsa -out "$D/pki/sa.key" 2048 2>/dev/null
  openssl rsa -in "$D/pki/sa.key" -pubout -out "$D/pki/sa.pub" 2>/dev/null

  local etcd_port peer_port api_port cm_port sched_port kubelet_port healthz_port
  etcd_port=$(free_port); peer_port=$(free_port); api_port=$(free_port)
  cm_port=$(free_port); sched_port=$(free_port); kubelet_port=$(free_port); healthz_port=$(free_port)
  echo "$api_port" >"$D/apiserver.port"
  local advertise
  advertise=$(ip -4 route get 1.1.1.1 2>/dev/null | sed -n 's/.* src \([0-9.]*\).*/\1/p')
  [ -n "$advertise" ] || advertise=$(hostname -I | awk '{print $1}')

  spawn etcd etcd --name default --data-dir "$D/etcd/data" \
    --listen-client-urls "http://127.0.0.1:$etcd_port" --advertise-client-urls "http://127.0.0.1:$etcd_port" \
    --listen-peer-urls "http://127.0.0.1:$peer_port" --initial-advertise-peer-urls "http://127.0.0.1:$peer_port" \
    --initial-cluster "default=http://127.0.0.1:$peer_port"

  # Pods get addresses from 10.213.0.0/16 on a bridge of their own: not podman's default
  # 10.88.0.0/16, whose cni-podman0 bridge may exist on the same machine.
  cat >"$D/cni/net.d/10-looper.conflist" <<EOF
{"cniVersion": "0.4.0", "name": "$(cat "$D/network")", "plugins": [
  {"type": "bridge", "bridge": "$(cat "$D/bridge")", "isGateway": true, "ipMasq": false,
   "ipam": {"type": "host-local", "ranges": [[{"subnet": "10.213.0.0/16"}]], "routes": [{"dst": "0.0.0.0/0"}]}},
  {"type": "portmap", "capabilities": {"portMappings": true}}]}
EOF
  cat >"$D/containerd/config.toml" <<EOF
version = 2
root = "$D/containerd/root"
state = "$D/containerd/state"
[grpc]
  address = "$D/containerd/containerd.sock"
[ttrpc]
  address = "$D/containerd/containerd.sock.ttrpc"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "looper.local/pause:1"
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "$cni"
    conf_dir = "$D/cni/net.d"
EOF
  spawn containerd containerd --config "$D/containerd/config.toml"
  wait_for "containerd" 180 ctr --address "$D/containerd/containerd.sock" version

  pause_image

  wait_for "etcd" 180 curl -fs "http://127.0.0.1:$etcd_port/health"
  spawn kube-apiserver "$bin/kube-apiserver" \
    --etcd-servers "http://127.0.0.1:$etcd_port" \
    --bind-address 127.0.0.1 --secure-port "$api_port" --advertise-address "$advertise" \
    --cert-dir "$D/pki/apiserver" --token-auth-file "$D/tokens.csv" --authorization-mode AlwaysAllow \
    --service-account-key-file "$D/pki/sa.pub" --service-account-signing-key-file "$D/pki/sa.key" \
    --service-account-issuer https://kubernetes.default.svc.cluster.local \
    --service-cluster-ip-range 10.96.0.0/16 \
    --kubelet-preferred-address-types Hostname,InternalIP
  cat >"$D/kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: looper-test
  cluster:
    server: https://127.0.0.1:$api_port
    insecure-skip-tls-verify: true
users:
- name: admin
  user:
    token: $(cat "$D/token")
contexts:
- name: looper-test
  context: {cluster: looper-test, user: admin}
current-context: looper-test
EOF
  wait_for "kube-apiserver" 300 kubectl_get /readyz

  spawn kube-controller-manager "$bin/kube-controller-manager" --kubeconfig "$D/kubeconfig" \
    --leader-elect=false --service-account-private-key-file "$D/pki/sa.key" \
    --secure-port "$cm_port" --bind-address 127.0.0.1 --cert-dir "$D/pki/cm"
  spawn kube-scheduler "$bin/kube-scheduler" --kubeconfig "$D/kubeconfig" \
    --leader-elect=false --secure-port "$sched_port" --bind-address 127.0.0.1 --cert-dir "$D/pki/sched"

  cat >"$D/kubelet/config.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
failCgroupV1: false
cgroupDriver: cgroupfs
cgroupsPerQOS: true
cgroupRoot: $(cat "$D/cgroup")
failSwapOn: false
enforceNodeAllocatable: []
oomScoreAdj: 0
port: $kubelet_port
healthzPort: $healthz_port
healthzBindAddress: 127.0.0.1
readOnlyPort: 0
address: 127.0.0.1
containerRuntimeEndpoint: unix://$D/containerd/containerd.sock
authentication:
  anonymous: {enabled: true}
  webhook: {enabled: false}
authorization: {mode: AlwaysAllow}
evictionHard: {"memory.available": "50Mi", "nodefs.available": "1%", "imagefs.available": "1%", "nodefs.inodesFree": "1%"}
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
serializeImagePulls: false
EOF
  spawn kubelet "$bin/kubelet" --config "$D/kubelet/config.yaml" --kubeconfig "$D/kubeconfig" \
    --root-dir "$D/kubelet/root" --cert-dir "$D/pki/kubelet" --hostname-override "$(hostname)"
  wait_for "node Ready" 300 node_ready
  echo "$D/kubeconfig"
}

node_ready() {
  kubectl_get "/api/v1/nodes/$(hostname)" | tr -d ' \n' | grep -q '"type":"Ready","status":"True"'
}

# pause_image builds the sandbox image: a static program that waits for SIGTERM or SIGINT
# and reaps children (no registry is reachable to pull one).
pause_image() {
  local w=$D/image-pause
  mkdir -p "$w/rootfs"
  cat >"$w/pause.c" <<'EOF'
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
static void stop(int s) { (void)s; _exit(0); }
static void reap(int s) { (void)s; while (waitpid(-1, 0, WNOHANG) > 0) {} }
int main(void) {
  signal(SIGTERM, stop);
  signal(SIGINT, stop);
  signal(SIGCHLD, reap);
  for (;;) pause();
}
EOF
  gcc -static -O2 -o "$w/rootfs/pause" "$w/pause.c"
  docker_archive "$w/rootfs" '["/pause"]' looper.local/pause:1 "$w/pause.tar"
  ctr --address "$D/containerd/containerd.sock" -n k8s.io images import "$w/pause.tar" >/dev/null
  rm -rf "$w"
}

# docker_archive ROOTFS ENTRYPOINT_JSON NAME:TAG OUT writes a single-layer docker-archive
# tarball of ROOTFS.
docker_archive() {
  local rootfs=$1 entry=$2 tag=$3 out=$4
  local w
  w=$(mktemp -d "$D/archive.XXXXXX")
  tar -C "$rootfs" --numeric-owner --owner=0 --group=0 -cf "$w/layer.tar" .
  local diff
  diff=$(sha256sum "$w/layer.tar" | cut -d' ' -f1)
  printf '{"architecture":"amd64","os":"linux","config":{"Entrypoint":%s,"Env":["PATH=/usr/local/bin:/usr/bin:/bin","HOME=/tmp"],"WorkingDir":"/"},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' "$entry" "$diff" >"$w/config.json"
  local cfg
  cfg=$(sha256sum "$w/config.json" | cut -d' ' -f1)
  mv "$w/config.json" "$w/$cfg.json"
  printf '[{"Config":"%s.json","RepoTags":["%s"],"Layers":["layer.tar"]}]' "$cfg" "$tag" >"$w/manifest.json"
  tar -C "$w" -cf "$out" manifest.json "$cfg.json" layer.tar
  rm -rf "$w"
}

# image builds the workload image: busybox's shell and tools, git with the libraries it
# links, looper (statically linked), and claude and codex wrappers that run looper's
# built-in fake agent.
image() {
  local looper=$1 tag=$2
  [ -f "$D/kubeconfig" ] || die "$D holds no running cluster"
  command -v busybox >/dev/null || die "busybox is missing (apt-get install busybox-static)"
  if ldd "$looper" >/dev/null 2>&1; then die "$looper is not statically linked (build it with CGO_ENABLED=0)"; fi
  local w=$D/image-work
  rm -rf "$w"
  mkdir -p "$w/rootfs"/{bin,usr/bin,usr/local/bin,usr/lib,tmp,etc,work,lib64}
  chmod 1777 "$w/rootfs/tmp"
  cp "$(command -v busybox)" "$w/rootfs/bin/busybox"
  local applet
  for applet in $("$w/rootfs/bin/busybox" --list); do
    [ -e "$w/rootfs/bin/$applet" ] || ln -s busybox "$w/rootfs/bin/$applet"
  done
  local git
  git=$(command -v git)
  cp "$git" "$w/rootfs/usr/bin/git"
  cp -a /usr/lib/git-core "$w/rootfs/usr/lib/git-core"
  rm -f "$w/rootfs/usr/lib/git-core/"*{svn,cvs,p4,send-email,instaweb,gui,citool,web--browse}* 2>/dev/null || true
  local lib
  local linked=("$git")
  [ -e "$w/rootfs/usr/lib/git-core/git-remote-http" ] && linked+=("$w/rootfs/usr/lib/git-core/git-remote-http")
  for lib in $(ldd "${linked[@]}" 2>/dev/null | grep -v '^/.*:$' | grep -o '/[^ :]*' | sort -u); do
    mkdir -p "$w/rootfs$(dirname "$lib")"
    cp -L "$lib" "$w/rootfs$lib"
  done
  mkdir -p "$w/rootfs/usr/share"
  [ -d /usr/share/git-core ] && cp -a /usr/share/git-core "$w/rootfs/usr/share/git-core"
  cp "$looper" "$w/rootfs/usr/local/bin/looper"
  # claude and codex are looper's built-in fake agent, as the end-to-end test configures them.
  local dialect
  for dialect in claude codex; do
    printf '#!/bin/sh\nexec looper fake-agent %s "$@"\n' "$dialect" >"$w/rootfs/usr/local/bin/$dialect"
    chmod 755 "$w/rootfs/usr/local/bin/$dialect"
  done
  printf 'root:x:0:0:root:/tmp:/bin/sh\nlooper:x:1000:1000:looper:/tmp:/bin/sh\n' >"$w/rootfs/etc/passwd"
  printf 'root:x:0:\nlooper:x:1000:\n' >"$w/rootfs/etc/group"
  docker_archive "$w/rootfs" '["/usr/local/bin/looper","kube-hold"]' "$tag" "$w/image.tar"
  ctr --address "$D/containerd/containerd.sock" -n k8s.io images import "$w/image.tar" >/dev/null
  rm -rf "$w"
}

# stop_pid NAME stops one recorded process: SIGTERM, then SIGKILL after 15 s.
stop_pid() {
  local f=$D/pids/$1
  [ -f "$f" ] || return 0
  local pid
  pid=$(cat "$f")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    local end=$((SECONDS + 15))
    while kill -0 "$pid" 2>/dev/null && [ $SECONDS -lt $end ]; do sleep 0.2; done
    kill -KILL "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  fi
  rm -f "$f"
}

stop() {
  [ -d "$D" ] || return 0
  D=$(cd "$D" && pwd)
  local name
  for name in kubelet kube-scheduler kube-controller-manager kube-apiserver; do stop_pid "$name"; done
  local sock=$D/containerd/containerd.sock
  if [ -f "$D/pids/containerd" ] && kill -0 "$(cat "$D/pids/containerd")" 2>/dev/null; then
    # The network namespaces of the pod sandboxes still there: containerd would remove them
    # with the sandboxes, but it is about to be stopped.
    local c
    for c in $(ctr --address "$sock" -n k8s.io containers ls -q 2>/dev/null); do
      ctr --address "$sock" -n k8s.io containers info "$c" 2>/dev/null | grep -o '/var/run/netns/cni-[0-9a-f-]*' || true
    done | sort -u >>"$D/netns.ours"
    local t
    for t in $(ctr --address "$sock" -n k8s.io tasks ls -q 2>/dev/null); do
      ctr --address "$sock" -n k8s.io tasks kill -s SIGKILL "$t" >/dev/null 2>&1 || true
    done
    for t in $(ctr --address "$sock" -n k8s.io tasks ls -q 2>/dev/null); do
      ctr --address "$sock" -n k8s.io tasks delete -f "$t" >/dev/null 2>&1 || true
    done
  fi
  stop_pid containerd
  stop_pid etcd
  # Shims outlive containerd; their pid files are in its state directory.
  local p pid
  for p in "$D"/containerd/state/io.containerd.runtime.v2.task/*/*/shim.pid "$D"/containerd/state/io.containerd.runtime.v2.task/*/*/init.pid; do
    [ -f "$p" ] || continue
    pid=$(cat "$p")
    [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null || true
  done
  # Mounts under the data directory, deepest first.
  local m
  while read -r m; do
    umount -l "$m" 2>/dev/null || true
  done < <(awk -v d="$D" '{ if (index($5, d "/") == 1) print $5 }' /proc/self/mountinfo | sort -r)
  # The sandboxes' network namespaces (only those: other tools make namespaces meanwhile).
  if [ -f "$D/netns.ours" ]; then
    local ns
    while read -r ns; do
      [ -n "$ns" ] || continue
      umount -l "$ns" 2>/dev/null || true
      rm -f "$ns"
    done <"$D/netns.ours"
  fi
  if [ -f "$D/bridge" ]; then
    local v
    for v in $(ip -o link show master "$(cat "$D/bridge")" 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1); do
      ip link del "$v" 2>/dev/null || true
    done
    ip link del "$(cat "$D/bridge")" 2>/dev/null || true
    rm -rf "/var/lib/cni/networks/$(cat "$D/network")" "/var/lib/cni/results/$(cat "$D/network")"-* 2>/dev/null || true
  fi
  # The kubelet's cgroups (under this cluster's cgroupRoot in each hierarchy), deepest first.
  if [ -f "$D/cgroup" ]; then
    local root h
    root=$(cat "$D/cgroup")
    for h in /sys/fs/cgroup/*"$root" /sys/fs/cgroup"$root"; do
      [ -d "$h" ] && find "$h" -depth -type d -exec rmdir {} \; 2>/dev/null || true
    done
  fi
  if [ -f "$D/run-containerd.made" ] && [ -d /run/containerd ]; then
    find /run/containerd -depth -type d -empty -delete 2>/dev/null || true
  fi
  rm -rf "$D"
}

cmd=${1:-}
D=${2:-}
[ -n "$cmd" ] && [ -n "$D" ] || die "usage: cluster.sh start|stop DIR | cluster.sh image DIR LOOPER NAME:TAG"
case $cmd in
  start) start ;;
  stop) stop ;;
  image) [ $# -eq 4 ] || die "usage: cluster.sh image DIR LOOPER NAME:TAG"; D=$(cd "$D" && pwd); image "$3" "$4" ;;
  *) die "unknown command $cmd" ;;
esac
