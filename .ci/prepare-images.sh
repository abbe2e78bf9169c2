#!/usr/bin/env bash
# Builds the local images the integration and e2e tests need, without any image registry:
#   labdeck/debian-base:bookworm  - a minbase Debian rootfs made by debootstrap and imported into Docker
#   labdeck/jumphost:<VERSION>    - resources/jumphost/Dockerfile built on top of that base
# Idempotent: the rootfs tarball is cached under .ci/cache/ and the jumphost is rebuilt only when its build
# inputs (Dockerfile, bashrc, recorder, ...) change, detected through the dev.labdeck.build-hash label.
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

# kubectl for the test jumphost: the one built from the Kubernetes Go modules at the pinned k3s release
# (e2e/controlplane/build.sh, run by .ci/run before this script) when it exists; otherwise Debian's old 1.20.
KUBECTL_BUILT=e2e/controlplane/bin/kubectl
context_dir=$(mktemp -d "${TMPDIR:-/tmp}/labdeck-jumphost-context.XXXXXX")
trap 'rm -rf "$context_dir"' EXIT
cp -r "$JUMPHOST_DIR"/. "$context_dir"/
if [ -x "$KUBECTL_BUILT" ]; then
  kubectl_source=context
  cp "$KUBECTL_BUILT" "$context_dir/kubectl"
else
  kubectl_source=debian
  echo "no $KUBECTL_BUILT: the test jumphost gets Debian's kubectl 1.20 (run e2e/controlplane/build.sh for the pinned release)"
fi

# Every file in the build context counts: a change to the bashrc (or a rebuilt kubectl) must rebuild the image.
build_hash=$( (cd "$context_dir" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum; echo "$kubectl_source") \
  | sha256sum | cut -c1-16)
current_hash=""
if image_exists "$JUMPHOST_IMAGE"; then
  current_hash=$(docker image inspect --format '{{ index .Config.Labels "dev.labdeck.build-hash" }}' "$JUMPHOST_IMAGE")
fi
if [ "$current_hash" = "$build_hash" ]; then
  echo "jumphost image $JUMPHOST_IMAGE up to date ($build_hash, kubectl from $kubectl_source)"
else
  echo "building $JUMPHOST_IMAGE (build hash $build_hash, kubectl from $kubectl_source)"
  # Offline CI has no rancher/k3s image. The classic builder resolves every FROM, so the unused k3s stage is
  # pointed at the base image.
  docker build \
    --build-arg "BASE_IMAGE=$BASE_IMAGE" \
    --build-arg "KUBECTL_SOURCE=$kubectl_source" \
    --build-arg "K3S_IMAGE=$BASE_IMAGE" \
    --label "dev.labdeck.build-hash=$build_hash" \
    -t "$JUMPHOST_IMAGE" "$context_dir"
fi
# The data-plane harness images (e2e/dataplane): pod, nginx, node and DNS, each cached by its own build hash.
bash e2e/dataplane/images/build.sh
docker image ls --format '{{.Repository}}:{{.Tag}} {{.Size}}' | grep '^labdeck/' || true
