#!/usr/bin/env bash
# Builds Labdeck's node image (labdeck/node:<Kubernetes version>) and its registry mirror image and, with
# --system, the cluster's system images. Default: from the binaries build-from-source.sh put in .build/bin/
# (the offline build CI uses). LABDECK_NODE_BINARIES=release makes the node and registry images download the
# upstream release binaries during the build instead, checked against their published checksums (online;
# --system needs the offline build). Each image is rebuilt only when its inputs change (label
# dev.labdeck.build-hash). BASE_IMAGE defaults to debian:bookworm-slim; CI passes its debootstrap image.
set -euo pipefail
cd "$(dirname "$0")"
. ./versions.env
BASE_IMAGE="${BASE_IMAGE:-debian:bookworm-slim}"
BINARIES="${LABDECK_NODE_BINARIES:-context}"
with_system=false
[ "${1:-}" = "--system" ] && with_system=true
if [ "$BINARIES" = context ] && [ ! -x .build/bin/kubelet ]; then
  echo "no .build/bin/kubelet: run build-from-source.sh first, or LABDECK_NODE_BINARIES=release (online)" >&2; exit 1
fi
if [ "$BINARIES" = release ] && $with_system; then
  echo "--system builds the system images from Go modules: run build-from-source.sh and leave LABDECK_NODE_BINARIES unset" >&2; exit 1
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/labdeck-node-context.XXXXXX")
trap 'rm -rf "$work"' EXIT

# build <image> <dockerfile> <binaries...>: each image gets a context with only its own binaries, and is
# skipped when it carries the hash of exactly these inputs.
build() {
  local image="$1" dockerfile="$2" context hash current
  shift 2
  context="$work/${image//[\/:]/_}"
  mkdir -p "$context/bin"
  cp -r files "$dockerfile" "$context/"
  if [ "$BINARIES" = context ]; then
    for binary in "$@"; do cp ".build/bin/$binary" "$context/bin/"; done
  fi
  # The system images start their program through this link (static.Dockerfile, netfilter.Dockerfile).
  case "$dockerfile" in static.Dockerfile|netfilter.Dockerfile) ln -s "$1" "$context/bin/entrypoint" ;; esac
  hash=$( (cd "$context" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum; echo "$BASE_IMAGE $BINARIES") | sha256sum | cut -c1-16)
  current=$(docker image inspect --format '{{ index .Config.Labels "dev.labdeck.build-hash" }}' "$image" 2>/dev/null || :)
  if [ "$current" = "$hash" ]; then echo "$image up to date"; rm -rf "$context"; return; fi
  echo "building $image"
  docker build -q --build-arg "BASE_IMAGE=$BASE_IMAGE" --build-arg "BINARIES=$BINARIES" \
    --build-arg "KUBERNETES_VERSION=$KUBERNETES_VERSION" --build-arg "CRANE_VERSION=$CRANE_VERSION" --build-arg "FLANNEL_CNI_PLUGIN_VERSION=$FLANNEL_CNI_PLUGIN_VERSION" \
    --label "dev.labdeck.build-hash=$hash" --label "dev.labdeck.binaries=$BINARIES" \
    -f "$context/$dockerfile" -t "$image" "$context" >/dev/null
  rm -rf "$context"
}

build "labdeck/node:$KUBERNETES_VERSION" Dockerfile kubelet kubeadm kubectl flannel-cni
build "labdeck/registry:$CRANE_VERSION" registry.Dockerfile crane
if $with_system; then
  for component in kube-apiserver kube-controller-manager kube-scheduler; do
    build "registry.k8s.io/$component:$KUBERNETES_VERSION" static.Dockerfile "$component"
  done
  build "registry.k8s.io/kube-proxy:$KUBERNETES_VERSION" netfilter.Dockerfile kube-proxy
  build "registry.k8s.io/etcd:$ETCD_IMAGE_TAG" static.Dockerfile etcd
  build "registry.k8s.io/pause:$PAUSE_IMAGE_TAG" static.Dockerfile pause
  build "registry.k8s.io/coredns/coredns:$COREDNS_VERSION" static.Dockerfile coredns
  build "flannel/flannel:$FLANNEL_VERSION" netfilter.Dockerfile flanneld
fi
