#!/usr/bin/env bash
# build.sh builds the Kubernetes binaries a single-node test cluster needs (kube-apiserver,
# kube-controller-manager, kube-scheduler, kubelet) from the k8s.io/kubernetes module source,
# into a cache outside the repository, and prints the directory holding them. A second call
# with the binaries present only prints it (the cold build takes minutes).
#
#   LOOPER_K8S_CACHE  cache directory (default ${XDG_CACHE_HOME:-$HOME/.cache}/looper/k8s)
#   LOOPER_K8S_VERSION  Kubernetes release (default v1.37.2; its staging modules are v0.<minor>.<patch>)
set -euo pipefail

version=${LOOPER_K8S_VERSION:-v1.37.2}
cache=${LOOPER_K8S_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/looper/k8s}
bin=$cache/$version/bin
names=(kube-apiserver kube-controller-manager kube-scheduler kubelet)

have_all() {
  for n in "${names[@]}"; do [ -x "$bin/$n" ] || return 1; done
}
if have_all; then
  echo "$bin"
  exit 0
fi

mkdir -p "$cache/$version"
# One builder at a time: a concurrent caller waits for the first one's binaries.
exec 9>"$cache/$version/.lock"
flock 9
if have_all; then
  echo "$bin"
  exit 0
fi

# The module zip has no staging/ tree: point each staging replace at the published module of
# the same release instead, and drop go.work.
staging=v0.${version#v1.}
dir=$(go mod download -json "k8s.io/kubernetes@$version" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
[ -d "$dir" ] || { echo "build.sh: go mod download gave no source dir" >&2; exit 1; }
src=$cache/$version/src
rm -rf "$src"
cp -r "$dir" "$src"
chmod -R u+w "$src"
rm -f "$src/go.work" "$src/go.work.sum"
sed -i -E "s#^([[:space:]]*k8s\.io/[^[:space:]]+) => \./staging/src/k8s\.io/[^[:space:]]+#\1 => \1 $staging#" "$src/go.mod"
if grep -q '=> ./staging' "$src/go.mod"; then
  echo "build.sh: go.mod still points at ./staging" >&2
  exit 1
fi

mkdir -p "$bin.tmp"
for n in "${names[@]}"; do
  [ -x "$bin.tmp/$n" ] && continue
  echo "build.sh: building $n" >&2
  (cd "$src" && GOFLAGS=-mod=mod CGO_ENABLED=0 go build -trimpath -o "$bin.tmp/$n.part" "./cmd/$n")
  mv "$bin.tmp/$n.part" "$bin.tmp/$n"
done
rm -rf "$bin"
mv "$bin.tmp" "$bin"
rm -rf "$src"
echo "$bin"
