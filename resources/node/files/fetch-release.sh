#!/bin/sh
# Run inside a docker build (BINARIES=release): downloads the node's programs from their upstream releases
# into /binaries, each checked against the checksum its project publishes beside it; any mismatch or failed
# download fails the build. Arguments: the programs wanted (kubelet kubeadm kubectl flannel-cni crane).
set -eu
: "${KUBERNETES_VERSION:?}" "${FLANNEL_CNI_PLUGIN_VERSION:?}" "${CRANE_VERSION:?}"
arch=$(uname -m)
case "$arch" in x86_64) karch=amd64 ;; aarch64) karch=arm64 ;; *) echo "unsupported CPU $arch" >&2; exit 1 ;; esac
work=$(mktemp -d)
fetch() { echo "downloading $1"; curl -fsSL --retry 3 -o "$2" "$1"; }
check() { # <file> <expected sha256>
  actual=$(sha256sum "$1" | cut -d' ' -f1)
  [ -n "$2" ] && [ "$actual" = "$2" ] || { echo "checksum mismatch for $1: published $2, got $actual" >&2; exit 1; }
}
mkdir -p /binaries
for program in "$@"; do
  case "$program" in
    kubelet|kubeadm|kubectl)
      url="https://dl.k8s.io/release/$KUBERNETES_VERSION/bin/linux/$karch/$program"
      fetch "$url" "$work/$program"; fetch "$url.sha256" "$work/$program.sha256"
      check "$work/$program" "$(cut -d' ' -f1 < "$work/$program.sha256")"
      install -m 0755 "$work/$program" "/binaries/$program" ;;
    flannel-cni)
      file="cni-plugin-flannel-linux-$karch-$FLANNEL_CNI_PLUGIN_VERSION.tgz"
      url="https://github.com/flannel-io/cni-plugin/releases/download/$FLANNEL_CNI_PLUGIN_VERSION/$file"
      fetch "$url" "$work/$file"; fetch "$url.sha256" "$work/$file.sha256"
      check "$work/$file" "$(cut -d' ' -f1 < "$work/$file.sha256")"
      tar -xzf "$work/$file" -C "$work"
      install -m 0755 "$work/flannel-$karch" /binaries/flannel-cni ;;
    crane)
      file="go-containerregistry_Linux_$arch.tar.gz"
      base="https://github.com/google/go-containerregistry/releases/download/$CRANE_VERSION"
      fetch "$base/$file" "$work/$file"; fetch "$base/checksums.txt" "$work/checksums.txt"
      check "$work/$file" "$(grep " $file\$" "$work/checksums.txt" | cut -d' ' -f1)"
      tar -xzf "$work/$file" -C "$work" crane
      install -m 0755 "$work/crane" /binaries/crane ;;
    *) echo "unknown program $program" >&2; exit 1 ;;
  esac
done
rm -rf "$work"
