#!/usr/bin/env bash
# Builds the local images the integration and e2e tests need, without any image registry:
#   labdeck/debian-base:bookworm  - a minbase Debian rootfs made by debootstrap and imported into Docker
#   labdeck/node:<Kubernetes version> and the system images (resources/node/build-images.sh --system)
#   labdeck/jumphost:<VERSION>    - resources/jumphost/Dockerfile built on top of that base
#   stand-ins for nginx, busybox and busybox42/alpine-pod (e2e/cluster/images)
# Idempotent: the rootfs tarball is cached under .ci/cache/ and each image is rebuilt only when its build
# inputs change, detected through the dev.labdeck.build-hash label.
set -euo pipefail
cd "$(dirname "$0")/.."

BASE_IMAGE=labdeck/debian-base:bookworm
JUMPHOST_DIR=resources/jumphost
JUMPHOST_VERSION=$(tr -d '[:space:]' < "$JUMPHOST_DIR/VERSION")
JUMPHOST_IMAGE="labdeck/jumphost:${JUMPHOST_VERSION}"
CACHE_DIR=.ci/cache
ROOTFS_TAR="$CACHE_DIR/debian-bookworm-minbase.tar"

# Use the Debian mirror this machine's apt already uses (deb822 .sources first, then the classic list).
debian_mirror() {
  local uri=""
  if compgen -G "/etc/apt/sources.list.d/*.sources" >/dev/null; then
    uri=$(awk '/^URIs:/ { for (i = 2; i <= NF; i++) if ($i ~ /\/debian\/?$/) { print $i; exit } }' \
      /etc/apt/sources.list.d/*.sources 2>/dev/null | head -1)
  fi
  if [ -z "$uri" ] && [ -f /etc/apt/sources.list ]; then
    uri=$(awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^https?:\/\/.*\/debian\/?$/) { print $i; exit } }' \
      /etc/apt/sources.list | head -1)
  fi
  echo "${uri:-http://deb.debian.org/debian}"
}

image_exists() { docker image inspect "$1" >/dev/null 2>&1; }

if image_exists "$BASE_IMAGE"; then
  echo "base image $BASE_IMAGE present"
else
  mkdir -p "$CACHE_DIR"
  if [ ! -s "$ROOTFS_TAR" ]; then
    command -v debootstrap >/dev/null || { echo "debootstrap is not installed (apt-get install debootstrap)" >&2; exit 1; }
    mirror=$(debian_mirror)
    rootfs=$(mktemp -d "${TMPDIR:-/tmp}/labdeck-rootfs.XXXXXX")
    trap 'rm -rf "$rootfs"' EXIT
    echo "debootstrap bookworm (minbase) from $mirror"
    debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >"$CACHE_DIR/debootstrap.log" 2>&1 || {
      tail -30 "$CACHE_DIR/debootstrap.log" >&2; exit 1; }
    # Keep the image small and reproducible: no package lists, no apt caches.
    rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/cache/apt/archives/*.deb
    tar -C "$rootfs" --numeric-owner -cf "$ROOTFS_TAR.partial" .
    mv "$ROOTFS_TAR.partial" "$ROOTFS_TAR"
    rm -rf "$rootfs"
    trap - EXIT
  fi
  echo "importing $ROOTFS_TAR as $BASE_IMAGE"
  docker import --change 'CMD ["/bin/bash"]' "$ROOTFS_TAR" "$BASE_IMAGE" >/dev/null
fi

# The node image and the cluster's system images, from the binaries resources/node/build-from-source.sh built
# from Go modules (run by .ci/run before this script), on the debootstrap base.
BASE_IMAGE="$BASE_IMAGE" bash resources/node/build-images.sh --system
NODE_IMAGE="labdeck/node:$(sed -n 's/^KUBERNETES_VERSION=//p' resources/node/versions.env)"

# The jumphost, with kubectl copied from that node image (the cluster's own release).
build_hash=$( (cd "$JUMPHOST_DIR" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum; docker image inspect --format '{{.Id}}' "$NODE_IMAGE") \
  | sha256sum | cut -c1-16)
current_hash=""
if image_exists "$JUMPHOST_IMAGE"; then
  current_hash=$(docker image inspect --format '{{ index .Config.Labels "dev.labdeck.build-hash" }}' "$JUMPHOST_IMAGE")
fi
if [ "$current_hash" = "$build_hash" ]; then
  echo "jumphost image $JUMPHOST_IMAGE up to date ($build_hash)"
else
  echo "building $JUMPHOST_IMAGE (build hash $build_hash)"
  docker build -q --build-arg "BASE_IMAGE=$BASE_IMAGE" --build-arg "NODE_IMAGE=$NODE_IMAGE" \
    --label "dev.labdeck.build-hash=$build_hash" -t "$JUMPHOST_IMAGE" "$JUMPHOST_DIR" >/dev/null
fi
# Stand-ins for the course's workload images (nginx, busybox, busybox42/alpine-pod): CI reaches no registry.
BASE_IMAGE="$BASE_IMAGE" bash e2e/cluster/images/build.sh
docker image ls --format '{{.Repository}}:{{.Tag}} {{.Size}}' | grep '^labdeck/' || true
