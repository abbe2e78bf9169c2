#!/usr/bin/env bash
# Builds Labdeck's node image (labdeck/node:<Kubernetes version>), the registry mirror image and, with
# --system, the cluster's system images (the offline build: those need build-from-source.sh's binaries), from the binaries in .build/bin/ (build-from-source.sh or
# fetch-release.sh put them there). Each image is rebuilt only when its inputs change (label
# dev.labdeck.build-hash). BASE_IMAGE defaults to debian:bookworm-slim; CI passes its debootstrap image.
set -euo pipefail
cd "$(dirname "$0")"
. ./versions.env
BASE_IMAGE="${BASE_IMAGE:-debian:bookworm-slim}"
with_system=false
[ "${1:-}" = "--system" ] && with_system=true
[ -x .build/bin/kubelet ] || { echo "no .build/bin/kubelet: run build-from-source.sh or fetch-release.sh first" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/labdeck-node-context.XXXXXX")
trap 'rm -rf "$work"' EXIT

# build <image> <dockerfile> <target or -> <binaries...>: each image gets a context with only its own
# binaries, and is skipped when it carries the hash of exactly these inputs.
build() {
  local image="$1" dockerfile="$2" target="$3" context hash current
  shift 3
  [ "$target" = - ] && target=""
  context="$work/${image//[\/:]/_}"
  mkdir -p "$context/bin"
  cp -r files "$dockerfile" "$context/"
  for binary in "$@"; do cp ".build/bin/$binary" "$context/bin/"; done
  # The system images start their program through this link (static.Dockerfile, netfilter.Dockerfile).
  [ "$dockerfile" = Dockerfile ] || ln -s "$1" "$context/bin/entrypoint"
  hash=$( (cd "$context" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum; echo "$BASE_IMAGE $target") | sha256sum | cut -c1-16)
  current=$(docker image inspect --format '{{ index .Config.Labels "dev.labdeck.build-hash" }}' "$image" 2>/dev/null || :)
  if [ "$current" = "$hash" ]; then echo "$image up to date"; rm -rf "$context"; return; fi
  echo "building $image"
  docker build -q --build-arg "BASE_IMAGE=$BASE_IMAGE" ${target:+--target "$target"} \
    --label "dev.labdeck.build-hash=$hash" --label "dev.labdeck.source=${LABDECK_NODE_SOURCE:-go-modules}" \
    -f "$context/$dockerfile" -t "$image" "$context" >/dev/null
  rm -rf "$context"
}

build "labdeck/node:$KUBERNETES_VERSION" Dockerfile - kubelet kubeadm kubectl flannel-cni
build "labdeck/registry:$CRANE_VERSION" static.Dockerfile - crane
if $with_system; then
  for component in kube-apiserver kube-controller-manager kube-scheduler; do
    build "registry.k8s.io/$component:$KUBERNETES_VERSION" static.Dockerfile - "$component"
  done
  build "registry.k8s.io/kube-proxy:$KUBERNETES_VERSION" netfilter.Dockerfile - kube-proxy
  build "registry.k8s.io/etcd:$ETCD_IMAGE_TAG" static.Dockerfile - etcd
  build "registry.k8s.io/pause:$PAUSE_IMAGE_TAG" static.Dockerfile - pause
  build "registry.k8s.io/coredns/coredns:$COREDNS_VERSION" static.Dockerfile - coredns
  build "flannel/flannel:$FLANNEL_VERSION" netfilter.Dockerfile - flanneld
fi
