#!/usr/bin/env bash
# Builds the data-plane harness images (e2e/dataplane) from the local Debian base image, without any registry:
#   labdeck/dataplane-pod:bookworm    busybox-static only (busybox42/alpine-pod, busybox)
#   labdeck/dataplane-nginx:bookworm  Debian nginx (the nginx pods)
#   labdeck/dataplane-node:bookworm   iptables, iproute2, conntrack (master1, worker1, worker2)
#   labdeck/dataplane-dns:bookworm    Knot DNS answering like CoreDNS (the kube-dns pod)
# Idempotent: an image is rebuilt only when the files of its folder change, detected through the
# dev.labdeck.build-hash label (as .ci/prepare-images.sh does for the jumphost).
set -euo pipefail
cd "$(dirname "$0")"

BASE_IMAGE=${BASE_IMAGE:-labdeck/debian-base:bookworm}
TAG=bookworm

docker image inspect "$BASE_IMAGE" >/dev/null 2>&1 || {
  echo "base image $BASE_IMAGE missing: run .ci/prepare-images.sh first" >&2; exit 1; }

for name in pod nginx node dns; do
  image="labdeck/dataplane-${name}:${TAG}"
  # The base image id counts too: a rebuilt base must rebuild these.
  build_hash=$( { (cd "$name" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum);
                  docker image inspect --format '{{.Id}}' "$BASE_IMAGE"; } | sha256sum | cut -c1-16)
  current_hash=$(docker image inspect --format '{{ index .Config.Labels "dev.labdeck.build-hash" }}' "$image" 2>/dev/null || true)
  if [ "$current_hash" = "$build_hash" ]; then
    echo "data-plane image $image up to date ($build_hash)"
    continue
  fi
  echo "building $image (build hash $build_hash)"
  docker build --build-arg "BASE_IMAGE=$BASE_IMAGE" --label "dev.labdeck.build-hash=$build_hash" \
    -t "$image" "$name"
done
