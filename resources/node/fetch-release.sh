#!/usr/bin/env bash
# The field build of the node image's programs: upstream release downloads instead of Go builds, into the same
# .build/bin/ layout build-from-source.sh fills, then `bash build-images.sh` makes labdeck/node and the
# registry image. For maintainers and instructors online; attendees get the images in a course pack.
# Every file is checked against the checksum its project publishes beside it (a mismatch stops the build).
# Only the node image and the registry mirror are built: nodes pull the system images themselves (through the
# mirror, which falls back to registry.k8s.io and docker.io online), and a pack carries them offline.
set -euo pipefail
cd "$(dirname "$0")"
. ./versions.env
ARCH="${ARCH:-$(uname -m | sed -e 's/x86_64/amd64/' -e 's/aarch64/arm64/')}"
FLANNEL_CNI_PLUGIN_VERSION="${FLANNEL_CNI_PLUGIN_VERSION:-v1.7.1-flannel1}"
out="$PWD/.build/bin"
work=$(mktemp -d "${TMPDIR:-/tmp}/labdeck-release.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$out"

fetch() { # <url> <file>
  echo "downloading $1"
  curl -fL --retry 3 --progress-bar -o "$2" "$1"
}
# verify <file> <checksum file or url> [sha256|sha512]
verify() {
  local file="$1" sums="$2" algo="${3:-sha256}" expected actual
  [ -f "$sums" ] || { fetch "$sums" "$work/sums"; sums="$work/sums"; }
  expected=$(grep -E "($(basename "$file")|^[0-9a-f]+$)" "$sums" | head -1 | awk '{ print $1 }')
  actual=$("${algo}sum" "$file" | awk '{ print $1 }')
  [ -n "$expected" ] && [ "$expected" = "$actual" ] || { echo "checksum mismatch for $file: expected $expected, got $actual" >&2; exit 1; }
}

for program in kubelet kubeadm kubectl; do
  url="https://dl.k8s.io/release/$KUBERNETES_VERSION/bin/linux/$ARCH/$program"
  fetch "$url" "$work/$program"
  verify "$work/$program" "$url.sha256"
  install -m 0755 "$work/$program" "$out/$program"
done

plugin="cni-plugin-flannel-linux-$ARCH-$FLANNEL_CNI_PLUGIN_VERSION.tgz"
url="https://github.com/flannel-io/cni-plugin/releases/download/$FLANNEL_CNI_PLUGIN_VERSION/$plugin"
fetch "$url" "$work/$plugin"
verify "$work/$plugin" "$url.sha256"
tar -xzf "$work/$plugin" -C "$work"
install -m 0755 "$work/flannel-$ARCH" "$out/flannel-cni"

crane="go-containerregistry_Linux_$(uname -m | sed -e 's/aarch64/arm64/').tar.gz"
base="https://github.com/google/go-containerregistry/releases/download/$CRANE_VERSION"
fetch "$base/$crane" "$work/$crane"
fetch "$base/checksums.txt" "$work/checksums.txt"
verify "$work/$crane" "$work/checksums.txt"
tar -xzf "$work/$crane" -C "$work" crane
install -m 0755 "$work/crane" "$out/crane"
echo "release binaries in $out; now: LABDECK_NODE_SOURCE=release bash build-images.sh"
