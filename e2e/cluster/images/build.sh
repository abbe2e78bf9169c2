#!/usr/bin/env bash
# Tags stand-ins for the course's workload images on a machine that cannot pull them (CI): nginx:latest,
# nginx:1.14.2, busybox:latest and busybox42/alpine-pod:latest. A real image already on the engine (pulled,
# or loaded from a pack) is never replaced. Rebuilt when a Dockerfile changes (label dev.labdeck.build-hash).
set -euo pipefail
cd "$(dirname "$0")"
BASE_IMAGE="${BASE_IMAGE:-labdeck/debian-base:bookworm}"
build() { # <dockerfile> <tags...>
  local dockerfile="$1" hash current; shift
  hash=$( (cat "$dockerfile"; echo "$BASE_IMAGE") | sha256sum | cut -c1-16)
  for tag in "$@"; do
    current=missing
    if docker image inspect "$tag" >/dev/null 2>&1; then
      current=$(docker image inspect --format '{{ index .Config.Labels "dev.labdeck.build-hash" }}|{{ index .Config.Labels "dev.labdeck.stand-in" }}' "$tag")
    fi
    case "$current" in
      "$hash|"*) continue ;;
      missing|*"|"?*) ;;
      *) echo "$tag is a real image: kept"; continue ;;
    esac
    echo "building stand-in $tag"
    docker build -q --build-arg "BASE_IMAGE=$BASE_IMAGE" --label "dev.labdeck.build-hash=$hash" -f "$dockerfile" -t "$tag" . >/dev/null
  done
}
build nginx.Dockerfile nginx:latest nginx:1.14.2
build busybox.Dockerfile busybox:latest
build alpine-pod.Dockerfile busybox42/alpine-pod:latest
